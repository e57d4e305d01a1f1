"""Helpers shared by the Sonos Chime integration's modules."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
import ipaddress

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.translation import async_get_translations

from .const import DOMAIN, SONOS_DOMAIN
from .engine import (
    ChimeError,
    HouseholdBusyError,
    HouseholdInfo,
    HouseholdUnreachableError,
    MediaUnavailableError,
    Reason,
    UnknownZoneError,
)


@contextmanager
def translate_chime_errors() -> Iterator[None]:
    """Turn the engine's errors into translated Home Assistant errors.

    The engine raises only before it touches a speaker, so every error here
    means nothing was changed; what went wrong on a speaker comes back in the
    result instead.
    """
    try:
        yield
    except UnknownZoneError as err:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_zone",
            translation_placeholders={
                "zones": ", ".join(err.names),
                "known": ", ".join(err.known),
            },
        ) from err
    except HouseholdUnreachableError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="household_unreachable",
            translation_placeholders={"error": str(err)},
        ) from err
    except MediaUnavailableError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="media_unavailable",
            translation_placeholders={"error": str(err)},
        ) from err
    except HouseholdBusyError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="household_busy",
        ) from err
    except ChimeError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="chime_failed",
            translation_placeholders={"error": str(err)},
        ) from err


def zone_names(household: HouseholdInfo) -> list[str]:
    """Zone names in a stable order, for titles and messages."""
    return sorted({zone.name for zone in household.zones}, key=str.casefold)


def household_hosts(household: HouseholdInfo) -> list[str]:
    """Every zone address the household reported, once each, in address order."""
    return sorted(unique(zone.host for zone in household.zones), key=_address_key)


def _address_key(host: str) -> tuple[int, int, str]:
    """Sort IP addresses numerically, any host names after them."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return (1, 0, host)
    return (0, int(address), host)


HOUSEHOLD_TITLE = "Sonos household"


def household_title(household: HouseholdInfo, *, distinguish: bool = False) -> str:
    """What the household is called in Home Assistant, and its entity ids.

    The speakers report no household name, and zone names go stale as zones
    come and go. Beside another household, the end of its id tells them apart.
    """
    if not distinguish:
        return HOUSEHOLD_TITLE
    tail = household.household_id.removeprefix("Sonos_").split(".")[0][-4:]
    return f"{HOUSEHOLD_TITLE} {tail or household.household_id}"


def zone_summary(household: HouseholdInfo) -> str:
    """The zone names, shortened, to tell households apart when choosing one."""
    names = zone_names(household)
    if not names:
        return household.household_id
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]}, {names[1]} and {len(names) - 2} more"


def unique(values: Iterable[str]) -> list[str]:
    """Drop repeats, keeping the first occurrence's position."""
    return list(dict.fromkeys(values))


async def async_reason_words(hass: HomeAssistant) -> dict[str, str]:
    """Each Reason in words, in Home Assistant's language, English where missing.

    Shown beside a zone's name (Last played, an error): the same words the
    translations give the reason selector.
    """
    prefix = f"component.{DOMAIN}.selector.reason.options."
    words = await async_get_translations(
        hass, hass.config.language, "selector", {DOMAIN}
    )
    return {
        reason.value: words.get(prefix + reason.value, reason.value.replace("_", " "))
        for reason in Reason
    }


def sonos_device(hass: HomeAssistant, uid: str) -> dr.DeviceEntry | None:
    """The device Home Assistant's Sonos integration made for this speaker."""
    for device in dr.async_get(hass).async_get_devices(
        identifiers={(SONOS_DOMAIN, uid)}
    ):
        owner = hass.config_entries.async_get_entry(device.config_entry_id)
        if owner is not None and owner.domain == SONOS_DOMAIN:
            return device
    return None
