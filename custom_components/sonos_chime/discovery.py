"""Which Sonos households Home Assistant already knows, or can find.

Home Assistant core's Sonos integration and its SSDP scanner have usually
seen every speaker long before a household is added here; asking them costs
nothing. SoCo's own multicast search is the fallback for an instance that
runs neither.
"""

from collections.abc import Sequence
from typing import Final
from urllib.parse import urlparse

from homeassistant.core import HomeAssistant

from .const import DISCOVERY_TIMEOUT, LOGGER
from .engine import ChimeError, HouseholdInfo, discover_hosts, probe_household
from .helpers import household_hosts, unique

CORE_SONOS: Final = "sonos"
SSDP: Final = "ssdp"
# What every Sonos speaker answers SSDP searches for (core's Sonos matches it).
ZONE_PLAYER_ST: Final = "urn:schemas-upnp-org:device:ZonePlayer:1"


def ssdp_host(location: str | None) -> str | None:
    """The speaker's address in an SSDP location URL."""
    return urlparse(location or "").hostname


async def async_known_hosts(hass: HomeAssistant) -> list[str]:
    """Speakers core's Sonos follows, then those SSDP has seen lately."""
    hosts: list[str] = []
    for entry in hass.config_entries.async_loaded_entries(CORE_SONOS):
        # Core's SonosData: its speakers by uid, each with its SoCo instance.
        speakers = getattr(entry.runtime_data, "discovered", {})
        hosts.extend(speaker.soco.ip_address for speaker in speakers.values())
    if SSDP in hass.config.components:
        from homeassistant.components import ssdp  # noqa: PLC0415 - loaded only then

        seen = await ssdp.async_get_discovery_info_by_st(hass, ZONE_PLAYER_ST)
        hosts.extend(filter(None, (ssdp_host(info.ssdp_location) for info in seen)))
    return unique(hosts)


async def async_find_households(hass: HomeAssistant) -> list[HouseholdInfo]:
    """The households behind the speakers Home Assistant knows.

    Only when it knows none does SoCo search the network itself, which
    takes DISCOVERY_TIMEOUT seconds.
    """
    hosts = await async_known_hosts(hass)
    if not hosts:
        hosts = await hass.async_add_executor_job(discover_hosts, DISCOVERY_TIMEOUT)
    if not hosts:
        return []
    return await hass.async_add_executor_job(find_households, hosts)


def find_households(hosts: Sequence[str]) -> list[HouseholdInfo]:
    """Every household the hosts belong to, probing each household only once.

    One answer lists all of a household's zones, so the other hosts of that
    household need no probe of their own.
    """
    households: list[HouseholdInfo] = []
    covered: set[str] = set()
    for host in hosts:
        if host in covered:
            continue
        try:
            household = probe_household([host])
        except ChimeError as err:
            LOGGER.debug("Sonos speaker %s does not answer: %s", host, err)
            continue
        covered.update(household_hosts(household))
        if all(h.household_id != household.household_id for h in households):
            households.append(household)
    return households
