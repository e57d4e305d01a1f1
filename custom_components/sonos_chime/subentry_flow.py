"""What the zone and chime flows share: the set-up household they add to.

Also how a zone subentry looks, as Add zone and the options make it.
"""

from types import MappingProxyType
from typing import cast

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigEntryState,
    ConfigSubentry,
    ConfigSubentryData,
    ConfigSubentryFlow,
)
from homeassistant.core import HomeAssistant, callback

from .chime_config import zone_subentries
from .const import (
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    LOGGER,
    SUBENTRY_ZONE,
)
from .data import SonosChimeConfigEntry
from .engine import (
    ChimeError,
    HouseholdInfo,
    Zone,
)


@callback
def loaded_entry(entry: ConfigEntry) -> SonosChimeConfigEntry | None:
    """The household, when it is set up and can be asked for its zones."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return cast(SonosChimeConfigEntry, entry)


async def async_household_now(
    hass: HomeAssistant, entry: SonosChimeConfigEntry
) -> HouseholdInfo:
    """The household's zones as they are now, or as set up if it is silent.

    Zones renamed in the Sonos app are offered by their new names.
    """
    try:
        return await hass.async_add_executor_job(entry.runtime_data.engine.household)
    except ChimeError as err:
        LOGGER.debug("Household %s does not answer: %s", entry.title, err)
        return entry.runtime_data.household


class HouseholdSubentryFlow(ConfigSubentryFlow):
    """A subentry flow that needs its household set up, to ask it for zones."""

    @callback
    def _loaded_entry(self) -> SonosChimeConfigEntry | None:
        """The household the subentry belongs to, when it is set up."""
        return loaded_entry(self._get_entry())


def zone_subentry_uids(entry: ConfigEntry) -> set[str]:
    """The zones added one by one."""
    return set(zone_subentries(entry))


def zone_subentry_titles(entry: ConfigEntry) -> dict[str, str]:
    """The zones added one by one, named as they were added."""
    return {uid: subentry.title for uid, subentry in zone_subentries(entry).items()}


def zone_subentry_data(zone: Zone) -> ConfigSubentryData:
    """A zone subentry as Add zone makes it."""
    return ConfigSubentryData(
        data={CONF_ZONE_UID: zone.uid, CONF_ZONE_NAME: zone.name},
        subentry_type=SUBENTRY_ZONE,
        title=zone.name,
        unique_id=zone.uid,
    )


@callback
def async_add_zone_subentry(
    hass: HomeAssistant, entry: ConfigEntry, zone: Zone
) -> None:
    """Add the zone as Add zone would, from outside its flow (the options)."""
    data = zone_subentry_data(zone)
    hass.config_entries.async_add_subentry(
        entry,
        ConfigSubentry(
            data=MappingProxyType(data["data"]),
            subentry_type=data["subentry_type"],
            title=data["title"],
            unique_id=data["unique_id"],
        ),
    )
