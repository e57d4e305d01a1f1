"""Where each zone's device and entities belong: which subentry, or none.

A zone chiming through All zones has its device and entities in no
subentry; added with Add zone, in that zone's subentry. Home Assistant drops
a device's entities when the device alone changes subentry, and drops both
with a removed subentry, so they move together, entities first.
"""

from functools import partial

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import CONF_ZONE_UID, DOMAIN, LOGGER, SONOS_DOMAIN, SUBENTRY_ZONE
from .data import SonosChimeConfigEntry
from .helpers import sonos_device


@callback
def _async_move_zone(
    hass: HomeAssistant, entry: ConfigEntry, uid: str, subentry_id: str | None
) -> None:
    """Move a zone's entities, then its own device if it has one, to subentry_id."""
    entities = er.async_get(hass)
    for entity in er.async_entries_for_config_entry(entities, entry.entry_id):
        if (
            entity.unique_id.startswith(f"{entry.entry_id}_{uid}_")
            and entity.config_subentry_id != subentry_id
        ):
            entities.async_update_entity(
                entity.entity_id, config_subentry_id=subentry_id
            )
    devices = dr.async_get(hass)
    device = devices.async_get_device_by_identifier((DOMAIN, uid), entry.entry_id)
    if device is not None and device.config_subentry_id != subentry_id:
        devices.async_update_device(device.id, new_config_subentry_id=subentry_id)


@callback
def async_release_zone_subentries(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """All zones is on: zones added one by one keep chiming, as part of all.

    Their subentries would only list some zones apart from the others; their
    entities and devices stay, with whatever the user changed on them.
    """
    for subentry in entry.get_subentries_of_type(SUBENTRY_ZONE):
        if (uid := subentry.data.get(CONF_ZONE_UID)) is not None:
            _async_move_zone(hass, entry, uid, None)
        hass.config_entries.async_remove_subentry(entry, subentry.subentry_id)


@callback
def async_place_zone_devices(hass: HomeAssistant, entry: SonosChimeConfigEntry) -> None:
    """Move each zone's device and entities to the subentry they now come from."""
    added = entry.runtime_data.manager.config.zone_subentries()
    zones = {zone.uid for zone in entry.runtime_data.household.zones} | set(added)
    for uid in zones:
        subentry = added.get(uid)
        _async_move_zone(
            hass, entry, uid, None if subentry is None else subentry.subentry_id
        )


@callback
def async_remove_stale_devices(
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
def async_follow_sonos_devices(
    hass: HomeAssistant, entry: SonosChimeConfigEntry
) -> None:
    """From now on, a speaker's device made by Home Assistant's Sonos takes our zone."""
    entry.async_on_unload(
        hass.bus.async_listen(
            dr.EVENT_DEVICE_REGISTRY_UPDATED,
            partial(_async_device_registry_updated, hass, entry),
            event_filter=_device_created_or_updated,
        )
    )


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
        async_remove_stale_devices(hass, entry)
