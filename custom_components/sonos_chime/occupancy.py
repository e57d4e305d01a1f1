"""Only where someone is: zones whose area holds an occupancy sensor that is on.

A zone's area is that of its Chimes switch, else of its device (ours, or the
one Home Assistant's Sonos made for the speaker). Occupancy, presence and
motion binary sensors in that area tell; a zone with none in its area, or
in no area, chimes.
"""

from collections.abc import Callable, Iterable
from typing import Final

from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import STATE_ON
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er

from .const import DOMAIN
from .engine import Zone
from .helpers import sonos_device

OCCUPANCY_CLASSES: Final = frozenset(
    {
        BinarySensorDeviceClass.OCCUPANCY,
        BinarySensorDeviceClass.PRESENCE,
        BinarySensorDeviceClass.MOTION,
    }
)


@callback
def async_unoccupied(
    hass: HomeAssistant, entry_id: str, zones: Iterable[Zone]
) -> set[str]:
    """The uids of the zones whose area has occupancy sensors, none of them on."""
    entities = er.async_get(hass)
    devices = dr.async_get(hass)

    def area_of(entity: er.RegistryEntry) -> str | None:
        if entity.area_id is not None or entity.device_id is None:
            return entity.area_id
        device = devices.async_get(entity.device_id)
        return None if device is None else device.area_id

    sensors: dict[str, list[str]] = {}
    for entity in entities.entities.values():
        device_class = entity.device_class or entity.original_device_class
        if entity.domain != "binary_sensor" or device_class not in OCCUPANCY_CLASSES:
            continue
        if (area := area_of(entity)) is not None:
            sensors.setdefault(area, []).append(entity.entity_id)

    unoccupied: set[str] = set()
    for zone in zones:
        area = _zone_area(hass, entities, entry_id, zone.uid, area_of)
        if area is None or not (present := sensors.get(area)):
            continue  # nothing tells: the zone chimes
        if not any(
            (state := hass.states.get(entity_id)) is not None
            and state.state == STATE_ON
            for entity_id in present
        ):
            unoccupied.add(zone.uid)
    return unoccupied


def _zone_area(
    hass: HomeAssistant,
    entities: er.EntityRegistry,
    entry_id: str,
    uid: str,
    area_of: Callable[[er.RegistryEntry], str | None],
) -> str | None:
    """The area of the zone's Chimes switch, else of the speaker's device."""
    switch = entities.async_get_entity_id("switch", DOMAIN, f"{entry_id}_{uid}_chimes")
    entity = None if switch is None else entities.async_get(switch)
    if entity is not None and (area := area_of(entity)) is not None:
        return area
    device = sonos_device(hass, uid) or dr.async_get(
        hass
    ).async_get_device_by_identifier((DOMAIN, uid), entry_id)
    return None if device is None else device.area_id
