"""Sonos Chime: play a chime on every Sonos zone, then put each zone back."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HassJob, HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .chime_config import chime_data_1_3
from .const import (
    CONF_ALL_ZONES,
    CONF_HOSTS,
    DOMAIN,
    LOGGER,
    SUBENTRY_CHIME,
)
from .core_sonos_actions import async_guard_core_sonos_actions
from .data import SonosChimeConfigEntry, SonosChimeData
from .engine import ChimeEngine, ChimeError, HouseholdBusyError, UpnpDisabledError
from .entity import household_device_info
from .guard import async_get_guard
from .helpers import household_hosts
from .issues import (
    async_delete_entry_issues,
    async_upnp_disabled,
    async_upnp_enabled,
)
from .library import async_setup_media
from .manager import ChimeManager
from .schedule import played_store
from .services import async_setup_services
from .zone_devices import (
    async_follow_sonos_devices,
    async_place_zone_devices,
    async_release_zone_subentries,
    async_remove_stale_devices,
)

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.SENSOR,
    Platform.SWITCH,
    Platform.TIME,
]


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the action, make the chime library reachable, guard core's.

    All belong to the integration, not to a household: the action picks its
    household per call, the library is shared by all of them, and core
    Sonos's snapshot and restore wait for any household's chime.
    """
    async_setup_services(hass)
    async_guard_core_sonos_actions(hass)
    await async_setup_media(hass)
    return True


async def async_migrate_entry(
    hass: HomeAssistant, entry: SonosChimeConfigEntry
) -> bool:
    """Bring a household stored by an older version to the current shape."""
    if entry.version > 1:
        # Written by a newer version of the integration: leave it alone.
        return False
    if entry.minor_version < 2:
        if entry.options.get(CONF_ALL_ZONES, False):
            async_release_zone_subentries(hass, entry)
        hass.config_entries.async_update_entry(entry, minor_version=2)
    if entry.minor_version < 3:
        for subentry in entry.get_subentries_of_type(SUBENTRY_CHIME):
            hass.config_entries.async_update_subentry(
                entry, subentry, data=chime_data_1_3(subentry)
            )
        hass.config_entries.async_update_entry(entry, minor_version=3)
    LOGGER.debug("Migrated %s to 1.%s", entry.title, entry.minor_version)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SonosChimeConfigEntry) -> bool:
    """Set up one Sonos household once it answers."""
    hosts: list[str] = entry.data[CONF_HOSTS]
    # The guard (guard.py) keeps chimes apart: the one lock taken here. Clips
    # go over the music on Home Assistant's loop, with its client session.
    engine = ChimeEngine(
        hosts,
        own_lock=False,
        clip_loop=hass.loop,
        clip_session=async_get_clientsession(hass),
    )
    try:
        household = await hass.async_add_executor_job(engine.household)
    except UpnpDisabledError as err:
        async_upnp_disabled(hass, entry)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="upnp_disabled"
        ) from err
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

    async_upnp_enabled(hass, entry)
    async_get_guard(hass).add(household.household_id)
    manager = ChimeManager(hass, entry, engine, household)
    entry.runtime_data = SonosChimeData(engine=engine, manager=manager)
    # Zone and chime devices hang from the household's, so it comes first.
    manager.household_device_id = (
        dr.async_get(hass)
        .async_get_or_create(
            config_entry_id=entry.entry_id, **household_device_info(entry)
        )
        .id
    )
    await manager.async_setup()
    async_place_zone_devices(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    async_remove_stale_devices(hass, entry)
    async_follow_sonos_devices(hass, entry)
    # Armed once the switches restored Quiet and the zones switched off.
    manager.async_start()
    entry.async_on_unload(manager.async_stop)
    entry.async_on_unload(manager.async_close_links)
    entry.async_on_unload(
        hass.async_add_shutdown_job(
            HassJob(manager.async_cut_short, "sonos_chime stop")
        )
    )
    entry.async_on_unload(entry.add_update_listener(_async_update_listener))
    return True


async def _async_update_listener(
    hass: HomeAssistant, entry: SonosChimeConfigEntry
) -> None:
    """Zones, chimes or options changed in the UI: take them over at once.

    The time and Enabled entities store their changes in the subentry too;
    those are already in effect and need no reload.
    """
    if (
        entry.state is ConfigEntryState.LOADED
        and entry.runtime_data.manager.config_changed()
    ):
        hass.config_entries.async_schedule_reload(entry.entry_id)


async def async_unload_entry(hass: HomeAssistant, entry: SonosChimeConfigEntry) -> bool:
    """Unload a household once its running chime has put every zone back.

    Set up again at once, as a reload does, the household would be read
    mid-chime, and the chime's result would go to entities already gone.
    The action and the library stay for the other households.
    """
    data = entry.runtime_data
    try:
        async with async_get_guard(hass).hold(data.household.household_id):
            return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    except HouseholdBusyError:
        LOGGER.warning(
            "Unloading %s while a chime still holds the household", entry.title
        )
        return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SonosChimeConfigEntry) -> None:
    """A removed household leaves no repair issue or stored date behind."""
    async_delete_entry_issues(hass, entry.entry_id)
    await played_store(hass, entry.entry_id).async_remove()
