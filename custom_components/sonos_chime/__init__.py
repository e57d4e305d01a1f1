"""Sonos Chime: play a chime on every Sonos zone, then put each zone back."""

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.typing import ConfigType

from .const import CONF_HOSTS, DOMAIN, LOGGER
from .data import SonosChimeConfigEntry, SonosChimeData
from .engine import ChimeEngine, ChimeError
from .helpers import household_hosts
from .media import async_setup_media
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS: list[Platform] = []


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the action and make the chime library reachable.

    Both belong to the integration, not to a household: the action picks its
    household per call, and the library is shared by all of them.
    """
    async_setup_services(hass)
    await async_setup_media(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SonosChimeConfigEntry) -> bool:
    """Set up one Sonos household once it answers."""
    hosts: list[str] = entry.data[CONF_HOSTS]
    engine = ChimeEngine(hosts)
    try:
        household = await hass.async_add_executor_job(engine.household)
    except ChimeError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="household_unreachable",
            translation_placeholders={"error": str(err)},
        ) from err

    if entry.unique_id is not None and household.household_id != entry.unique_id:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="wrong_household",
            translation_placeholders={
                "hosts": ", ".join(hosts),
                "household_id": household.household_id,
            },
        )

    # Zones come and go and addresses change: remember what answers today, so
    # the next start still finds the household if the old addresses are gone.
    current = household_hosts(household)
    if current and set(current) != set(hosts):
        LOGGER.debug("Household %s now at %s", entry.title, current)
        engine.update_hosts(current)
        hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_HOSTS: current}
        )

    entry.runtime_data = SonosChimeData(engine=engine, household=household)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SonosChimeConfigEntry) -> bool:
    """Unload a household; the action and the library stay for the others."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
