"""Sonos Chime: play a chime on every Sonos zone, then put each zone back."""

from functools import partial

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import Event, HassJob, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
)
from homeassistant.helpers.typing import ConfigType

from .const import (
    CONF_HOSTS,
    DOMAIN,
    LOGGER,
    SONOS_DOMAIN,
)
from .core_sonos_actions import async_guard_core_sonos_actions
from .data import SonosChimeConfigEntry, SonosChimeData
from .engine import ChimeEngine, ChimeError, HouseholdBusyError
from .entity import household_device_info, sonos_device
from .guard import async_get_guard
from .helpers import household_hosts
from .issues import async_delete_entry_issues
from .library import async_setup_media
from .manager import ChimeManager
from .schedule import played_store
from .services import async_setup_services

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
PLATFORMS: list[Platform] = [
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

    async_get_guard(hass).add(household.household_id)
    manager = ChimeManager(hass, entry, engine, household)
    entry.runtime_data = SonosChimeData(
        engine=engine, household=household, manager=manager
    )
    # Zone and chime devices hang from the household's, so it comes first.
    manager.household_device_id = (
        dr.async_get(hass)
        .async_get_or_create(
            config_entry_id=entry.entry_id, **household_device_info(entry)
        )
        .id
    )
    await manager.async_setup()
    _async_place_zone_devices(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _async_remove_stale_devices(hass, entry)
    entry.async_on_unload(
        hass.bus.async_listen(
            dr.EVENT_DEVICE_REGISTRY_UPDATED,
            partial(_async_device_registry_updated, hass, entry),
            event_filter=_device_created_or_updated,
        )
    )
    # Armed once the switches restored Quiet and the zones switched off.
    manager.async_start()
    entry.async_on_unload(manager.async_stop)
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


@callback
def _async_place_zone_devices(
    hass: HomeAssistant, entry: SonosChimeConfigEntry
) -> None:
    """Move each zone's device to the subentry its entities now come from.

    A zone chiming through All zones has its device in no subentry; added
    with Add zone (or the other way round), its entities come from another.
    Home Assistant wants such a device moved, not registered again elsewhere.
    """
    added = entry.runtime_data.manager.config.zone_subentries()
    zones = {zone.uid for zone in entry.runtime_data.household.zones} | set(added)
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        for domain, uid in device.identifiers:
            if domain != DOMAIN or uid not in zones:
                continue
            subentry = added.get(uid)
            wanted = None if subentry is None else subentry.subentry_id
            if device.config_subentry_id != wanted:
                registry.async_update_device(device.id, new_config_subentry_id=wanted)


@callback
def _async_remove_stale_devices(
    hass: HomeAssistant, entry: SonosChimeConfigEntry
) -> None:
    """Remove our devices of zones no longer chimed, or now on a Sonos device.

    Chime and zone subentries take their devices with them when deleted;
    this covers zones that were chime zones through the all-zones option, and
    zones whose entities moved to the Sonos integration's device.
    """
    manager = entry.runtime_data.manager
    wanted = {(DOMAIN, entry.runtime_data.household.household_id)}
    wanted.update((DOMAIN, sub.subentry_id) for sub in manager.chime_subentries())
    # A zone added but missing today keeps its device for when it is back.
    zones = {zone.uid for zone in manager.chime_zones()}
    zones.update(manager.config.zone_subentries())
    wanted.update((DOMAIN, uid) for uid in zones if sonos_device(hass, uid) is None)
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not device.identifiers & wanted:
            LOGGER.debug("Removing stale device %s", device.name)
            registry.async_remove_device(device.id)


@callback
def _device_created_or_updated(event_data: dr.EventDeviceRegistryUpdatedData) -> bool:
    """Only a device that exists now can take our zone entities."""
    return event_data["action"] in ("create", "update")


@callback
def _async_device_registry_updated(
    hass: HomeAssistant,
    entry: SonosChimeConfigEntry,
    event: Event[dr.EventDeviceRegistryUpdatedData],
) -> None:
    """Home Assistant's Sonos made a speaker's device: our zone joins it.

    Set up before it, our zone entities had a device of their own; without
    this they would sit on a twin of the speaker until the next restart.
    """
    devices = dr.async_get(hass)
    if (device := devices.async_get(event.data["device_id"])) is None:
        return
    for domain, uid in device.identifiers:
        if domain != SONOS_DOMAIN or (core := sonos_device(hass, uid)) is None:
            continue
        own = devices.async_get_device_by_identifier((DOMAIN, uid), entry.entry_id)
        if core.id != device.id or own is None:
            continue
        entities = er.async_get(hass)
        for entity in er.async_entries_for_device(entities, own.id):
            entities.async_update_entity(entity.entity_id, device_id=core.id)
        _async_remove_stale_devices(hass, entry)


async def async_unload_entry(hass: HomeAssistant, entry: SonosChimeConfigEntry) -> bool:
    """Unload a household once its running chime has put every zone back.

    Set up again at once, as a reload does, the household would be read
    mid-chime, and the chime's result would go to entities already gone.
    The action and the library stay for the other households.
    """
    data = entry.runtime_data
    try:
        async with async_get_guard(hass).hold(
            data.household.household_id, data.engine.busy_timeout
        ):
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
