"""Entities of the household, its chime zones and its chimes, and their devices."""

from datetime import datetime
import json
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.device_registry import DeviceEntryType
from homeassistant.helpers.dispatcher import DATA_DISPATCHER, async_dispatcher_send
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
    mock_restore_cache_with_extra_data,
)

from custom_components.sonos_chime.const import DOMAIN, SONOS_DOMAIN
from custom_components.sonos_chime.engine import Reason
from custom_components.sonos_chime.helpers import async_reason_words
from custom_components.sonos_chime.manager import signal_chime_updated
from custom_components.sonos_chime.schedule import next_fire
from custom_components.sonos_chime.sensor import played_attributes
from sonos_emulator import Household, Track

from .helpers import (
    COOP_CHIMES,
    KITCHEN_CHIMES,
    LAST_PLAYED,
    MORNING,
    PLAY_NOW,
    chime_events,
    chime_subentry,
    household_entry,
    outcomes,
    press_play_now,
    set_up,
    touched,
)

COMPONENT = Path(__file__).parents[2] / "custom_components" / "sonos_chime"
QUIET = "switch.chicken_coop_kitchen_living_room_quiet"
QUIET_HOURS = "binary_sensor.chicken_coop_kitchen_living_room_quiet_hours"
CHIME_TIME = "time.morning_time"
ENABLED = "switch.morning_enabled"
LAST_RESULT = "sensor.morning_last_result"
NEXT_CHIME = "sensor.morning_next_chime"
SCHEDULE = "sensor.morning_schedule"
# Every entity of the chime Morning.
MORNING_ENTITIES = (
    PLAY_NOW,
    CHIME_TIME,
    ENABLED,
    LAST_PLAYED,
    LAST_RESULT,
    SCHEDULE,
    NEXT_CHIME,
)

pytestmark = pytest.mark.usefixtures("ha_server")


def state_of(hass: HomeAssistant, entity_id: str) -> State:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state


def device_of(hass: HomeAssistant, entity_id: str) -> dr.DeviceEntry:
    entity = er.async_get(hass).async_get(entity_id)
    assert entity is not None
    assert entity.device_id is not None
    device = dr.async_get(hass).async_get(entity.device_id)
    assert device is not None
    return device


async def test_entities_of_a_zone_and_a_chime(
    hass: HomeAssistant, household: Household
) -> None:
    kitchen = household["Kitchen"]
    entry = household_entry(
        household,
        zones=["Kitchen", "Chicken Coop"],
        subentries=[
            chime_subentry(
                zones=[kitchen.uid],
                weekdays=["mon", "tue", "wed", "thu", "fri"],
                volume=30,
            )
        ],
    )
    await set_up(hass, entry)

    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert sorted(entity.entity_id for entity in entities) == sorted(
        [QUIET, QUIET_HOURS, KITCHEN_CHIMES, COOP_CHIMES, *MORNING_ENTITIES]
    )
    # Living Room is no chime zone: it has no switch.
    assert not any("living_room_chimes" in entity.entity_id for entity in entities)

    expected = {
        QUIET: ("off", "Chicken Coop, Kitchen, Living Room Quiet"),
        QUIET_HOURS: ("off", "Chicken Coop, Kitchen, Living Room Quiet hours"),
        KITCHEN_CHIMES: ("on", "Kitchen Chimes"),
        COOP_CHIMES: ("on", "Chicken Coop Chimes"),
        PLAY_NOW: ("unknown", "Morning Play now"),
        CHIME_TIME: ("07:00:00", "Morning Time"),
        ENABLED: ("on", "Morning Enabled"),
        LAST_PLAYED: ("unknown", "Morning Last played"),
        LAST_RESULT: ("unknown", "Morning Last result"),
        SCHEDULE: ("scheduled", "Morning Schedule"),
    }
    for entity_id, (value, name) in expected.items():
        state = state_of(hass, entity_id)
        assert (state.state, state.name) == (value, name), entity_id
    upcoming = next_fire(
        dt_util.parse_time("07:00:00"),  # type: ignore[arg-type]
        ["mon", "tue", "wed", "thu", "fri"],
        dt_util.now(),
    )
    assert upcoming is not None
    next_chime = state_of(hass, NEXT_CHIME)
    assert next_chime.state == dt_util.as_utc(upcoming).isoformat()
    assert next_chime.attributes["device_class"] == "timestamp"
    assert state_of(hass, LAST_PLAYED).attributes["device_class"] == "timestamp"

    # Each chime entity belongs to its chime subentry, each zone switch to its zone's.
    registry = er.async_get(hass)
    subentries = {
        entity_id: registry.async_get(entity_id).config_subentry_id  # type: ignore[union-attr]
        for entity_id in expected
    }
    assert subentries == {
        QUIET: None,
        QUIET_HOURS: None,
        KITCHEN_CHIMES: "zone_kitchen",
        COOP_CHIMES: "zone_chicken_coop",
        PLAY_NOW: MORNING,
        CHIME_TIME: MORNING,
        ENABLED: MORNING,
        LAST_PLAYED: MORNING,
        LAST_RESULT: MORNING,
        SCHEDULE: MORNING,
    }

    household_device = device_of(hass, QUIET)
    assert household_device.identifiers == {(DOMAIN, household.household_id)}
    assert household_device.entry_type is DeviceEntryType.SERVICE
    assert household_device.name == entry.title

    zone_device = device_of(hass, KITCHEN_CHIMES)
    assert zone_device.identifiers == {(DOMAIN, kitchen.uid)}
    assert (zone_device.name, zone_device.manufacturer) == ("Kitchen", "Sonos")
    assert zone_device.config_subentry_id == "zone_kitchen"
    assert zone_device.via_device_id == household_device.id

    chime_device = device_of(hass, PLAY_NOW)
    assert chime_device.identifiers == {(DOMAIN, MORNING)}
    assert chime_device.name == "Morning"
    assert chime_device.entry_type is DeviceEntryType.SERVICE
    assert chime_device.config_subentry_id == MORNING
    assert chime_device.via_device_id == household_device.id
    assert {device_of(hass, entity_id).id for entity_id in MORNING_ENTITIES} == {
        chime_device.id
    }


async def test_every_entity_is_translated_and_has_an_icon(
    hass: HomeAssistant, household: Household
) -> None:
    strings = json.loads((COMPONENT / "translations" / "en.json").read_text())
    icons = json.loads((COMPONENT / "icons.json").read_text())
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)

    entities = er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    assert len(entities) == 12
    for entity in entities:
        assert entity.translation_key is not None, entity.entity_id
        assert entity.translation_key in strings["entity"][entity.domain]
        assert entity.translation_key in icons["entity"][entity.domain]
    used = {(entity.domain, entity.translation_key) for entity in entities}
    declared = {
        (domain, key) for domain, keys in strings["entity"].items() for key in keys
    }
    assert used == declared


async def test_zone_entities_join_the_sonos_device(
    hass: HomeAssistant, household: Household
) -> None:
    """A speaker Home Assistant's Sonos integration knows gets no twin device."""
    kitchen = household["Kitchen"]
    entry = household_entry(household, zones=["Kitchen", "Chicken Coop"])
    await set_up(hass, entry)
    registry = dr.async_get(hass)
    twin = device_of(hass, KITCHEN_CHIMES)
    assert twin.identifiers == {(DOMAIN, kitchen.uid)}

    # Now the Sonos integration adds the speaker.
    sonos_entry = MockConfigEntry(domain=SONOS_DOMAIN, title="Sonos")
    sonos_entry.add_to_hass(hass)
    sonos_device = registry.async_get_or_create(
        config_entry_id=sonos_entry.entry_id,
        identifiers={(SONOS_DOMAIN, kitchen.uid)},
        name="Kitchen",
        manufacturer="Sonos",
        model="One",
    )
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()

    assert device_of(hass, KITCHEN_CHIMES).id == sonos_device.id
    assert state_of(hass, KITCHEN_CHIMES).name == "Kitchen Chimes"
    # Our twin is gone; the Sonos device is still the Sonos integration's alone.
    assert registry.async_get(twin.id) is None
    assert registry.async_get(sonos_device.id).config_entry_id == sonos_entry.entry_id  # type: ignore[union-attr]
    assert device_of(hass, COOP_CHIMES).identifiers == {
        (DOMAIN, household["Chicken Coop"].uid)
    }


async def test_play_now_chimes_and_reports(
    hass: HomeAssistant, household: Household
) -> None:
    entry = household_entry(
        household, zones=["Kitchen", "Chicken Coop"], subentries=[chime_subentry()]
    )
    await set_up(hass, entry)
    events = chime_events(hass)
    household.clear_events()

    await press_play_now(hass)

    url = f"{hass.config.internal_url}/local/sonos_chime/short.mp3"
    for name in ("Kitchen", "Chicken Coop"):
        fetched = [
            event
            for event in household[name].events()
            if event["kind"] == "media_fetch" and event["url"] == url
        ]
        assert [event["status"] for event in fetched] == [200], name
    assert touched(household) == {"Kitchen", "Chicken Coop"}

    assert len(events) == 1
    event = events[0].data
    assert (event["trigger"], event["chime"], event["chime_id"]) == (
        "button",
        "Morning",
        MORNING,
    )
    assert outcomes(event["zones"]) == {
        "Chicken Coop": ("chimed", None),
        "Kitchen": ("chimed", None),
    }
    started = dt_util.parse_datetime(event["started_at"])
    assert started is not None
    last_played = state_of(hass, LAST_PLAYED)
    # A timestamp sensor shows whole seconds.
    assert last_played.state == started.replace(microsecond=0).isoformat()
    assert last_played.attributes["trigger"] == "button"
    assert "zones" not in last_played.attributes  # the event has them all
    assert last_played.attributes["duration"] == f"{event['duration']:.1f} s"


async def test_zone_switch_keeps_a_zone_out(
    hass: HomeAssistant, household: Household
) -> None:
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)
    events = chime_events(hass)

    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": COOP_CHIMES}, blocking=True
    )
    assert state_of(hass, COOP_CHIMES).state == "off"
    household.clear_events()
    await press_play_now(hass)

    assert touched(household) == {"Kitchen", "Living Room"}
    assert outcomes(events[0].data["zones"])["Chicken Coop"] == ("skipped", "excluded")
    assert (
        state_of(hass, LAST_PLAYED).attributes["skipped"]
        == "Chicken Coop (Chimes switch off)"
    )


async def test_switches_survive_a_restart(
    hass: HomeAssistant, household: Household
) -> None:
    """Quiet and a zone switched off come back as they were."""
    mock_restore_cache(hass, [State(COOP_CHIMES, "off"), State(QUIET, "on")])
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)

    assert state_of(hass, COOP_CHIMES).state == "off"
    assert state_of(hass, KITCHEN_CHIMES).state == "on"
    assert state_of(hass, QUIET).state == "on"
    assert manager.quiet is True
    assert not manager.zone_enabled(household["Chicken Coop"].uid)

    household.clear_events()
    await press_play_now(hass)  # manual plays ignore Quiet
    assert touched(household) == {"Kitchen", "Living Room"}


async def test_last_played_survives_a_restart(
    hass: HomeAssistant, household: Household
) -> None:
    played = "2026-01-05T06:00:00+00:00"
    result: dict[str, Any] = {
        "trigger": "schedule",
        "zones": {"Kitchen": {"zone": "Kitchen", "outcome": "chimed"}},
        "duration": 0.6,
    }
    mock_restore_cache_with_extra_data(
        hass,
        [
            (
                State(LAST_PLAYED, played),
                {
                    "native_value": {
                        "__type": "<class 'datetime.datetime'>",
                        "isoformat": played,
                    },
                    "native_unit_of_measurement": None,
                    "result": result,
                },
            )
        ],
    )
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)

    state = state_of(hass, LAST_PLAYED)
    assert state.state == played
    assert state.attributes["trigger"] == "schedule"
    assert state.attributes["chimed"] == "Kitchen"
    assert state.attributes["duration"] == "0.6 s"

    # The next play replaces both.
    await press_play_now(hass)
    state = state_of(hass, LAST_PLAYED)
    assert state.state != played
    assert state.attributes["trigger"] == "button"
    assert state.attributes["chimed"].startswith("Chicken Coop")


async def test_last_played_reads_with_units_and_a_line_per_outcome(
    hass: HomeAssistant, household: Household
) -> None:
    """Each zone under what happened to it, in words; durations with units."""
    kitchen = household["Kitchen"]
    kitchen.set_queue([Track("x-file-cifs://nas/music/song.mp3", "Song")])
    kitchen.play_queue(track=1, position=5.0)
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)
    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": COOP_CHIMES}, blocking=True
    )
    events = chime_events(hass)

    await press_play_now(hass)

    event = events[0].data
    attributes = dict(state_of(hass, LAST_PLAYED).attributes)
    assert attributes.pop("device_class") == "timestamp"
    assert attributes.pop("friendly_name") == "Morning Last played"
    assert attributes.pop("icon", None) is None
    assert attributes == {
        "trigger": "button",
        "chimed": "Kitchen (resumed), Living Room",
        "skipped": "Chicken Coop (Chimes switch off)",
        "duration": f"{event['duration']:.1f} s",
        "start_skew": f"{event['start_skew'] * 1000:.0f} ms",
        "started_at": event["started_at"],
        "finished_at": event["finished_at"],
    }


async def test_every_reason_reads_in_words(hass: HomeAssistant) -> None:
    """No zone is shown beside a code: each reason has its words, translated."""
    words = await async_reason_words(hass)
    strings = json.loads((COMPONENT / "translations" / "en.json").read_text())
    assert set(strings["selector"]["reason"]["options"]) == set(Reason)
    assert words == strings["selector"]["reason"]["options"]
    assert all(text and "_" not in text for text in words.values())


async def test_played_attributes_of_failures_and_partial_results(
    hass: HomeAssistant,
) -> None:
    """Failed zones with their reasons; a result missing parts shows the rest."""
    words = await async_reason_words(hass)
    assert played_attributes(
        {
            "trigger": "schedule",
            "zones": {
                "kitchen": {"outcome": "failed", "reason": "media_unplayable"},
                "Bath": {"outcome": "failed", "reason": "unreachable"},
                "Den": {"outcome": "skipped", "reason": "tv_source"},
                "Hall": "not a zone result",
            },
            "duration": None,
            "start_skew": None,
            "started_at": "2026-01-05T07:00:00+00:00",
        },
        words,
    ) == {
        "trigger": "schedule",
        "skipped": "Den (playing TV)",
        "failed": "Bath (did not answer), kitchen (could not play the chime)",
        "started_at": "2026-01-05T07:00:00+00:00",
    }
    assert played_attributes({"zones": None, "duration": 62}, words) == {
        "trigger": None,
        "duration": "62.0 s",
    }


async def test_chime_entities_follow_their_own_chime(
    hass: HomeAssistant, household: Household
) -> None:
    """A play or a schedule change writes its chime's entities, no other's."""
    entry = household_entry(
        household,
        all_zones=True,
        subentries=[
            chime_subentry(),
            chime_subentry("evening", name="Evening", at="19:00:00"),
        ],
    )
    await set_up(hass, entry)
    morning = set(MORNING_ENTITIES)
    evening = {entity.replace("morning", "evening") for entity in morning}

    def reported() -> dict[str, datetime]:
        return {
            entity: state_of(hass, entity).last_reported for entity in morning | evening
        }

    def written_since(before: dict[str, datetime]) -> set[str]:
        return {entity for entity, at in reported().items() if at != before[entity]}

    signals = hass.data[DATA_DISPATCHER]
    for chime in (MORNING, "evening"):
        assert len(signals[signal_chime_updated(entry.entry_id, chime)]) == 7

    before = reported()
    await press_play_now(hass)
    assert written_since(before) == morning

    before = reported()
    async_dispatcher_send(hass, signal_chime_updated(entry.entry_id, "evening"))
    assert written_since(before) == evening

    before = reported()
    await hass.services.async_call(
        "time",
        "set_value",
        {"entity_id": "time.evening_time", "time": "18:00:00"},
        blocking=True,
    )
    assert written_since(before) == evening

    # Gone with the entities: no connection outlives an unload.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    for chime in (MORNING, "evening"):
        assert signal_chime_updated(entry.entry_id, chime) not in signals


@pytest.mark.parametrize(
    "broken", [chime_subentry(at="25:00"), chime_subentry(volume=150)]
)
async def test_unreadable_chime_is_unavailable(
    hass: HomeAssistant,
    household: Household,
    caplog: pytest.LogCaptureFixture,
    broken: dict[str, Any],
) -> None:
    """Settings no flow would store: no schedule, entities unavailable."""
    entry = household_entry(household, all_zones=True, subentries=[broken])
    manager = await set_up(hass, entry)

    for entity_id in MORNING_ENTITIES:
        assert state_of(hass, entity_id).state == "unavailable", entity_id
    assert "Morning has invalid settings" in caplog.text
    assert manager.next_fire(MORNING) is None


async def test_zones_no_longer_chimed_lose_their_devices(
    hass: HomeAssistant, household: Household
) -> None:
    """A zone subentry deleted takes the zone's device and entities with it."""
    entry = household_entry(household, zones=["Kitchen", "Living Room"])
    await set_up(hass, entry)
    living_room = device_of(hass, "switch.living_room_chimes")

    hass.config_entries.async_remove_subentry(entry, "zone_living_room")
    await hass.async_block_till_done()

    registry = dr.async_get(hass)
    assert registry.async_get(living_room.id) is None
    assert er.async_get(hass).async_get("switch.living_room_chimes") is None
    assert hass.states.get("switch.living_room_chimes") is None
    assert device_of(hass, KITCHEN_CHIMES).identifiers == {
        (DOMAIN, household["Kitchen"].uid)
    }
