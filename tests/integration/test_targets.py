"""sonos_chime.play on Home Assistant targets: areas, floors, labels, devices, entities.

Which zones chimed is read from the emulated speakers themselves: the ones
that fetched the chime from Home Assistant, and the only ones that received
anything but reads.
"""

from pathlib import Path
from typing import Any

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
    label_registry as lr,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.sonos_chime.const import CONF_ALL_ZONES, CONF_HOSTS, DOMAIN
from custom_components.sonos_chime.services import EXCLUDE_SUPPORTED
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET

from .core_sonos import SONOS, CoreSonos
from .helpers import (
    assert_error_translated,
    household_entry,
    play,
    set_up,
    state_changing_actions,
)

COMPONENT = Path(__file__).parents[2] / "custom_components" / "sonos_chime"
BARN = f"{EMULATOR_NET}.10"  # the second household's only speaker
# Zones added to the household in these tests; Living Room is left out, so
# that only core's Sonos has an entity for it.
CHIME_ZONES = ("Kitchen", "Chicken Coop")


def chimed(hass: HomeAssistant, household: Household) -> set[str]:
    """The speakers that fetched the chime, checked against what was touched."""
    url = f"{hass.config.internal_url}/local/sonos_chime/short.mp3"
    fetched = {
        speaker.name
        for speaker in household.speakers
        if any(
            event["kind"] == "media_fetch" and event["url"] == url
            for event in speaker.events()
        )
    }
    touched = {speaker for speaker, _ in state_changing_actions(household)}
    assert touched == fetched, (touched, fetched)
    return fetched


async def chime_on(
    hass: HomeAssistant, household: Household, **target: Any
) -> set[str]:
    """Play the short chime on a target; the speakers that played it."""
    household.clear_events()
    response = await play(hass, media="short.mp3", **target)
    heard = chimed(hass, household)
    assert set(response["zones"]) == heard
    assert all(zone["outcome"] == "chimed" for zone in response["zones"].values())
    return heard


async def refused(
    hass: HomeAssistant, household: Household, key: str, **target: Any
) -> str:
    """The call is refused, translated, with no speaker touched; its message."""
    household.clear_events()
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, media="short.mp3", **target)
    await assert_error_translated(hass, err.value, key)
    assert state_changing_actions(household) == []
    return str(err.value)


def zone_switch(hass: HomeAssistant, entry: MockConfigEntry, uid: str) -> str:
    """Our Chimes switch of a zone."""
    entity_id = er.async_get(hass).async_get_entity_id(
        SWITCH_DOMAIN, DOMAIN, f"{entry.entry_id}_{uid}_chimes"
    )
    assert entity_id is not None, uid
    return entity_id


def speaker_device(hass: HomeAssistant, domain: str, uid: str) -> dr.DeviceEntry:
    """The device holding a zone's entities: ours, or core's Sonos's."""
    [device] = dr.async_get(hass).async_get_devices(identifiers={(domain, uid)})
    return device


@pytest.fixture
async def entry(
    hass: HomeAssistant, household: Household, ha_server: Any
) -> MockConfigEntry:
    """The emulated household with Kitchen and Chicken Coop as chime zones."""
    entry = household_entry(household, zones=CHIME_ZONES)
    await set_up(hass, entry)
    return entry


async def test_area_of_a_zone_device(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """An area chimes the zones whose device is in it, and no other."""
    kitchen = ar.async_get(hass).async_create("Kitchen area")
    device = speaker_device(hass, DOMAIN, household["Kitchen"].uid)
    dr.async_get(hass).async_update_device(device.id, area_id=kitchen.id)

    assert await chime_on(hass, household, area_id=kitchen.id) == {"Kitchen"}


async def test_area_of_a_zone_entity(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """A zone switch put in an area itself brings its zone to the area."""
    coop = ar.async_get(hass).async_create("Garden")
    entity_id = zone_switch(hass, entry, household["Chicken Coop"].uid)
    er.async_get(hass).async_update_entity(entity_id, area_id=coop.id)

    assert await chime_on(hass, household, area_id=[coop.id]) == {"Chicken Coop"}


async def test_floor(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """A floor chimes the zones of its areas."""
    ground = fr.async_get(hass).async_create("Ground floor")
    areas = ar.async_get(hass)
    for name in CHIME_ZONES:
        area = areas.async_create(f"{name} area", floor_id=ground.floor_id)
        device = speaker_device(hass, DOMAIN, household[name].uid)
        dr.async_get(hass).async_update_device(device.id, area_id=area.id)

    assert await chime_on(hass, household, floor_id=ground.floor_id) == set(CHIME_ZONES)


async def test_device(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """A zone's device chimes that zone."""
    device = speaker_device(hass, DOMAIN, household["Chicken Coop"].uid)

    assert await chime_on(hass, household, device_id=device.id) == {"Chicken Coop"}


async def test_zone_entity(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """Our Chimes switch of a zone stands for the zone."""
    entity_id = zone_switch(hass, entry, household["Kitchen"].uid)

    assert await chime_on(hass, household, entity_id=entity_id) == {"Kitchen"}


async def test_labels(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """A label chimes the zones whose entity or device carries it."""
    label = lr.async_get(hass).async_create("Announcements")
    er.async_get(hass).async_update_entity(
        zone_switch(hass, entry, household["Kitchen"].uid), labels={label.label_id}
    )
    assert await chime_on(hass, household, label_id=label.label_id) == {"Kitchen"}

    device = speaker_device(hass, DOMAIN, household["Chicken Coop"].uid)
    dr.async_get(hass).async_update_device(device.id, labels={label.label_id})
    assert await chime_on(hass, household, label_id=label.label_id) == set(CHIME_ZONES)


async def test_targets_and_zone_names_together(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """Zone names still work, and add to a target."""
    entity_id = zone_switch(hass, entry, household["Kitchen"].uid)

    assert await chime_on(
        hass, household, entity_id=entity_id, zones=["living room"]
    ) == {"Kitchen", "Living Room"}
    assert await chime_on(hass, household, zones=["Chicken Coop"]) == {"Chicken Coop"}
    await refused(hass, household, "unknown_zone", entity_id=entity_id, zones=["Barn"])


async def test_switched_off_zone_stays_out(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """Targeting a zone whose Chimes switch is off does not bring it back."""
    kitchen = zone_switch(hass, entry, household["Kitchen"].uid)
    coop = zone_switch(hass, entry, household["Chicken Coop"].uid)
    await hass.services.async_call(
        SWITCH_DOMAIN, "turn_off", {"entity_id": coop}, blocking=True
    )
    household.clear_events()

    response = await play(hass, media="short.mp3", entity_id=[kitchen, coop])

    assert chimed(hass, household) == {"Kitchen"}
    assert response["zones"]["Chicken Coop"]["outcome"] == "skipped"


async def test_core_sonos_media_player(
    hass: HomeAssistant,
    household: Household,
    core_sonos: CoreSonos,
    entry: MockConfigEntry,
) -> None:
    """Core's media players and devices stand for their zones, chime zone or not."""
    living_room = core_sonos.entity_id("Living Room")
    assert await chime_on(hass, household, entity_id=living_room) == {"Living Room"}

    kitchen = core_sonos.entity_id("Kitchen")
    assert await chime_on(hass, household, entity_id=[kitchen, living_room]) == {
        "Kitchen",
        "Living Room",
    }

    # Our Chimes switch sits on core's device; either chimes the zone.
    coop = speaker_device(hass, SONOS, household["Chicken Coop"].uid)
    assert await chime_on(hass, household, device_id=coop.id) == {"Chicken Coop"}

    room = ar.async_get(hass).async_create("Lounge")
    device = speaker_device(hass, SONOS, household["Living Room"].uid)
    dr.async_get(hass).async_update_device(device.id, area_id=room.id)
    assert await chime_on(hass, household, area_id=room.id) == {"Living Room"}

    label = lr.async_get(hass).async_create("Downstairs")
    er.async_get(hass).async_update_entity(kitchen, labels={label.label_id})
    assert await chime_on(hass, household, label_id=label.label_id) == {"Kitchen"}


async def test_non_sonos_targets_refused(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """Anything holding no zone is refused, named, before any speaker is touched."""
    other = MockConfigEntry(domain="demo", title="Demo")
    other.add_to_hass(hass)
    devices, entities = dr.async_get(hass), er.async_get(hass)
    lamp = devices.async_get_or_create(
        config_entry_id=other.entry_id, identifiers={("demo", "lamp")}, name="Lamp"
    )
    light = entities.async_get_or_create(
        "light", "demo", "lamp", config_entry=other, device_id=lamp.id
    )
    garage = ar.async_get(hass).async_create("Garage")
    devices.async_update_device(lamp.id, area_id=garage.id)
    empty = lr.async_get(hass).async_create("Nothing here")
    kitchen = zone_switch(hass, entry, household["Kitchen"].uid)
    quiet = entities.async_get_entity_id(
        SWITCH_DOMAIN, DOMAIN, f"{entry.entry_id}_household_quiet"
    )
    [household_device] = devices.async_get_devices(
        identifiers={(DOMAIN, household.household_id)}
    )
    assert quiet is not None

    for target, shown in (
        ({"entity_id": light.entity_id}, light.entity_id),
        ({"entity_id": "media_player.nowhere"}, "media_player.nowhere"),
        ({"entity_id": quiet}, quiet),
        ({"device_id": lamp.id}, "Lamp"),
        ({"device_id": household_device.id}, household_device.name),
        ({"device_id": "no-such-device"}, "no-such-device"),
        ({"area_id": garage.id}, "Garage"),
        ({"area_id": "attic"}, "attic"),
        ({"label_id": empty.label_id}, "Nothing here"),
        ({"floor_id": "cellar"}, "cellar"),
        # One wrong target refuses the whole call, the right ones too.
        ({"entity_id": [kitchen, light.entity_id]}, light.entity_id),
    ):
        message = await refused(hass, household, "target_not_a_zone", **target)
        assert shown in message, (target, message)
        assert kitchen not in message


def offered_by_the_picker(hass: HomeAssistant, entity: er.RegistryEntry) -> bool:
    """Whether the action's target picker offers an entity.

    The frontend keeps an entity that matches one of services.yaml's target
    filters in each key it gives: integration (the entity's platform),
    domain and device class (from its state).
    """
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    state = hass.states.get(entity.entity_id)
    device_class = None if state is None else state.attributes.get("device_class")
    return any(
        entity.platform == rule.get("integration", entity.platform)
        and entity.domain == rule.get("domain", entity.domain)
        and device_class == rule.get("device_class", device_class)
        for rule in services["play"]["target"]["entity"]
    )


async def test_the_picker_offers_only_what_chimes(
    hass: HomeAssistant,
    household: Household,
    core_sonos: CoreSonos,
    entry: MockConfigEntry,
) -> None:
    """Core's media players and our zone switches; not Quiet, not Enabled."""
    entities = er.async_get(hass).entities.values()
    offered = {e.entity_id for e in entities if offered_by_the_picker(hass, e)}

    zone_switches = {zone_switch(hass, entry, household[n].uid) for n in CHIME_ZONES}
    players = {core_sonos.entity_id(speaker.name) for speaker in household.speakers}
    assert offered == zone_switches | players
    quiet = er.async_get(hass).async_get_entity_id(
        SWITCH_DOMAIN, DOMAIN, f"{entry.entry_id}_household_quiet"
    )
    assert quiet is not None
    assert quiet not in offered
    # A zone switch is the zone's own entity: an area holding it counts it.
    for entity_id in zone_switches:
        registered = er.async_get(hass).async_get(entity_id)
        assert registered is not None
        assert registered.entity_category is None
        assert len(await chime_on(hass, household, entity_id=entity_id)) == 1


async def test_all_and_none(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """Home Assistant's two special targets: every zone, and none at all."""
    assert await chime_on(hass, household, entity_id="all") == {
        "Kitchen",
        "Living Room",
        "Chicken Coop",
    }
    for target in ({"entity_id": "none"}, {"device_id": "none"}):
        await refused(hass, household, "target_is_none", **target)


async def test_exclude_block(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """A floor but one area: the excluded zone is left alone, where HA has exclude.

    Releases before 2026.11 have no exclude block: the call is refused, by
    name, rather than chiming the zone the user meant to leave out.
    """
    ground = fr.async_get(hass).async_create("Ground floor")
    areas = ar.async_get(hass)
    coop = None
    for name in CHIME_ZONES:
        area = areas.async_create(f"{name} area", floor_id=ground.floor_id)
        device = speaker_device(hass, DOMAIN, household[name].uid)
        dr.async_get(hass).async_update_device(device.id, area_id=area.id)
        coop = area
    assert coop is not None
    target = {"floor_id": ground.floor_id, "exclude": {"area_id": coop.id}}

    if not EXCLUDE_SUPPORTED:
        message = await refused(hass, household, "exclude_unsupported", **target)
        assert "2026.11" in message
        return
    assert await chime_on(hass, household, **target) == {"Kitchen"}
    everything = {"floor_id": ground.floor_id, "exclude": {"floor_id": ground.floor_id}}
    await refused(hass, household, "target_all_excluded", **everything)


async def test_target_picks_the_household(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """With two households loaded, the target says which one chimes."""
    with Household(
        names=["Barn"], first_ip=BARN, household_id="Other", profile="fast"
    ) as other:
        second = MockConfigEntry(
            domain=DOMAIN,
            title="Barn",
            unique_id="Other",
            data={CONF_HOSTS: [BARN]},
            options={CONF_ALL_ZONES: True},
        )
        second.add_to_hass(hass)
        assert await hass.config_entries.async_setup(second.entry_id)
        barn = zone_switch(hass, second, other["Barn"].uid)
        kitchen = zone_switch(hass, entry, household["Kitchen"].uid)

        other.clear_events()
        assert await chime_on(hass, household, entity_id=kitchen) == {"Kitchen"}
        assert state_changing_actions(other) == []

        household.clear_events()
        assert await chime_on(hass, other, entity_id=barn) == {"Barn"}
        assert state_changing_actions(household) == []

        # A target in both, or in another household than the one named.
        other.clear_events()
        message = await refused(
            hass,
            household,
            "targets_in_several_households",
            entity_id=[kitchen, barn],
        )
        assert "Barn" in message
        message = await refused(
            hass,
            household,
            "target_in_other_household",
            entity_id=[kitchen, barn],
            config_entry_id=entry.entry_id,
        )
        assert "Barn" in message
        assert state_changing_actions(other) == []
        assert await hass.config_entries.async_unload(second.entry_id)
