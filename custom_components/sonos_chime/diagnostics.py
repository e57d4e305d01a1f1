"""Diagnostics for a Sonos household: its settings, topology and chimes.

What locates or identifies the household is redacted: speaker addresses,
media URLs (they name hosts too, and may carry credentials) and the household
id, also where they appear inside error messages. Zone names and uids stay:
the uids tie zone switches, chime zones and results to their zones.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant

from .const import CONF_HOSTS, CONF_MEDIA
from .data import SonosChimeConfigEntry
from .engine import ChimeError, HouseholdInfo
from .manager import ChimeManager

TO_REDACT = {CONF_HOSTS, "host", "household_id"}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SonosChimeConfigEntry
) -> dict[str, Any]:
    """Everything needed to follow a chime, without the household's addresses."""
    secrets = set(entry.data.get(CONF_HOSTS, []))
    if entry.unique_id:
        secrets.add(entry.unique_id)

    diagnostics: dict[str, Any] = {
        "entry": {
            "title": entry.title,
            "state": entry.state.value,
            "version": entry.version,
            "minor_version": entry.minor_version,
            "unique_id": REDACTED if entry.unique_id else None,
            "data": dict(entry.data),
            "options": dict(entry.options),
        },
        "subentries": [
            {
                "subentry_id": subentry.subentry_id,
                "subentry_type": subentry.subentry_type,
                "title": subentry.title,
                "unique_id": subentry.unique_id,
                "data": _redact_media(subentry.data),
            }
            for subentry in entry.subentries.values()
        ],
        "topology": None,
        "chimes": None,
    }

    if entry.state is ConfigEntryState.LOADED:
        runtime = entry.runtime_data
        secrets.add(runtime.household.household_id)
        secrets.update(zone.host for zone in runtime.household.zones)
        secrets.update(runtime.engine.hosts)
        topology: dict[str, Any] = {"at_setup": _household(runtime.household)}
        # Groups change as people regroup speakers: what they say now matters.
        try:
            now = await hass.async_add_executor_job(runtime.engine.household)
        except ChimeError as err:
            topology["now"] = {"error": str(err)}
        else:
            secrets.add(now.household_id)
            secrets.update(zone.host for zone in now.zones)
            topology["now"] = _household(now)
        diagnostics["topology"] = topology
        diagnostics["chimes"] = _manager(runtime.manager)

    return _scrub(async_redact_data(diagnostics, TO_REDACT), secrets)


def _household(household: HouseholdInfo) -> dict[str, Any]:
    """Zones with their groups, as the household reported them."""
    return {
        "household_id": household.household_id,
        "zones": [
            {
                "name": zone.name,
                "uid": zone.uid,
                "host": zone.host,
                "coordinator_uid": zone.coordinator_uid,
                "model": zone.model,
            }
            for zone in sorted(household.zones, key=lambda zone: zone.name.casefold())
        ],
    }


def _manager(manager: ChimeManager) -> dict[str, Any]:
    """The switches, and each chime's schedule and last result."""
    zones = sorted(
        {zone.uid: zone for zone in manager.household.zones}.values(),
        key=lambda zone: zone.name.casefold(),
    )
    return {
        "quiet": manager.quiet,
        "chime_zones": [zone.uid for zone in manager.chime_zones()],
        "zone_switches": {zone.uid: manager.zone_enabled(zone.uid) for zone in zones},
        "chimes": {
            subentry.subentry_id: {
                "title": subentry.title,
                "next_fire": _isoformat(manager.next_fire(subentry.subentry_id)),
                "last_played": _isoformat(manager.last_played(subentry.subentry_id)),
                "last_result": manager.last_result(subentry.subentry_id),
            }
            for subentry in manager.chime_subentries()
        },
    }


def _redact_media(data: Any) -> dict[str, Any]:
    """A chime's settings with a media URL hidden; library names stay."""
    result = dict(data)
    media = result.get(CONF_MEDIA)
    if isinstance(media, str) and "://" in media:
        result[CONF_MEDIA] = REDACTED
    return result


def _isoformat(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _scrub(data: dict[str, Any], secrets: Iterable[str]) -> dict[str, Any]:
    """Replace every secret inside any string, such as an error's detail."""
    ordered = sorted((secret for secret in secrets if secret), key=len, reverse=True)

    def scrub(item: Any) -> Any:
        if isinstance(item, str):
            for secret in ordered:
                item = item.replace(secret, REDACTED)
            return item
        if isinstance(item, dict):
            return {key: scrub(inner) for key, inner in item.items()}
        if isinstance(item, (list, tuple)):
            return [scrub(inner) for inner in item]
        return item

    return {key: scrub(inner) for key, inner in data.items()}
