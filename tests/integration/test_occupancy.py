"""Only where someone is: zones whose area's occupancy sensors are all off stay out.

A zone with no such sensor in its area chimes. Those left out are reported
skipped, unoccupied, and are never touched.
"""

from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, entity_registry as er
import pytest

from custom_components.sonos_chime.const import DOMAIN, SERVICE_PLAY
from sonos_emulator import Household

from .helpers import (
    MORNING,
    chime_events,
    chime_subentry,
    household_entry,
    outcomes,
    set_up,
    touched,
)

pytestmark = pytest.mark.usefixtures("ha_server")


def sensor_in(hass: HomeAssistant, area: str, kind: str, state: str) -> str:
    """An occupancy-type binary sensor of another integration, in an area."""
    areas = ar.async_get(hass)
    area_id = (areas.async_get_area_by_name(area) or areas.async_create(area)).id
    entities = er.async_get(hass)
    entity = entities.async_get_or_create(
        "binary_sensor",
        "demo",
        f"{area}_{kind}",
        original_device_class=kind,
        suggested_object_id=f"{area}_{kind}".lower().replace(" ", "_"),
    )
    entities.async_update_entity(entity.entity_id, area_id=area_id)
    hass.states.async_set(entity.entity_id, state)
    return entity.entity_id


def put_zone_in(hass: HomeAssistant, zone_switch: str, area: str) -> None:
    """The zone's Chimes switch placed in an area, as a user does."""
    areas = ar.async_get(hass)
    area_id = (areas.async_get_area_by_name(area) or areas.async_create(area)).id
    er.async_get(hass).async_update_entity(zone_switch, area_id=area_id)


async def test_only_occupied_zones_chime(
    hass: HomeAssistant, household: Household
) -> None:
    """Kitchen's motion sensor is on, the coop's presence off, no sensor by the sofa."""
    chime = chime_subentry()
    chime["data"]["only_occupied"] = True
    entry = household_entry(household, all_zones=True, subentries=[chime])
    manager = await set_up(hass, entry)
    put_zone_in(hass, "switch.kitchen_chimes", "Kitchen")
    put_zone_in(hass, "switch.chicken_coop_chimes", "Coop")
    sensor_in(hass, "Kitchen", "motion", "on")
    sensor_in(hass, "Kitchen", "occupancy", "off")
    coop = sensor_in(hass, "Coop", "presence", "off")
    sensor_in(hass, "Living Room", "door", "on")  # not an occupancy sensor
    events = chime_events(hass)
    household.clear_events()

    await manager.async_play_chime(MORNING, trigger="button")

    assert outcomes(events[0].data["zones"]) == {
        "Chicken Coop": ("skipped", "unoccupied"),
        "Kitchen": ("chimed", None),
        "Living Room": ("chimed", None),
    }
    assert touched(household) == {"Kitchen", "Living Room"}

    hass.states.async_set(coop, "on")
    household.clear_events()
    await manager.async_play_chime(MORNING, trigger="button")
    assert touched(household) == {"Chicken Coop", "Kitchen", "Living Room"}


async def test_only_occupied_in_the_action(
    hass: HomeAssistant, household: Household
) -> None:
    """Per call; the answer says which zones were left out, and why."""
    await set_up(hass, household_entry(household, all_zones=True))
    put_zone_in(hass, "switch.chicken_coop_chimes", "Coop")
    sensor_in(hass, "Coop", "occupancy", "off")
    household.clear_events()

    async def play(**data: Any) -> dict[str, Any]:
        response = await hass.services.async_call(
            DOMAIN,
            SERVICE_PLAY,
            {"media": "short.mp3", **data},
            blocking=True,
            return_response=True,
        )
        assert response is not None
        return response

    answer = await play(only_occupied=True)
    assert outcomes(answer["zones"])["Chicken Coop"] == ("skipped", "unoccupied")
    assert touched(household) == {"Kitchen", "Living Room"}

    household.clear_events()
    answer = await play()
    assert outcomes(answer["zones"])["Chicken Coop"] == ("chimed", None)
