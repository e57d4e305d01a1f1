"""Chimes on their schedules: weekdays, DST, the time entity, Enabled, Quiet, unload."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.sonos_chime.const import (
    CONF_ENABLED,
    CONF_TIME,
    DOMAIN,
)
from custom_components.sonos_chime.schedule import WEEKDAYS
from sonos_emulator import Household, Track

from .helpers import (
    FALL_BACK,
    MONDAY,
    MORNING,
    REAL_TIME,
    SPRING_FORWARD,
    active_timers,
    advance,
    chime_events,
    chime_subentry,
    entity_id,
    household_entry,
    local,
    outcomes,
    scheduled,
    set_up,
    state_of,
    touched,
    walk,
)

pytestmark = pytest.mark.freeze_time("2026-01-05 12:00:00", ignore=REAL_TIME)


@pytest.mark.usefixtures("ha_server")
@pytest.mark.parametrize("weekdays", [["mon"], ["tue", "sat"]])
async def test_plays_at_its_time_on_its_weekdays(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    weekdays: list[str],
) -> None:
    """Through the manager: the speakers really chime, on those days only."""
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(
        household, all_zones=True, subentries=[chime_subentry(weekdays=weekdays)]
    )
    await set_up(hass, entry)
    events = chime_events(hass)
    next_chime = entity_id(hass, entry, "sensor", "next_chime")
    first = next(
        MONDAY + timedelta(days=offset)
        for offset in range(7)
        if WEEKDAYS[offset] in weekdays
    )
    assert (
        state_of(hass, next_chime) == dt_util.as_utc(local(first, time(7))).isoformat()
    )

    played: list[date] = []
    for offset in range(7):
        day = MONDAY + timedelta(days=offset)
        household.clear_events()
        await advance(hass, freezer, local(day, time(6, 59, 59)))
        assert not touched(household)
        await advance(hass, freezer, local(day, time(7, 0)))
        if touched(household):
            played.append(day)
        await advance(hass, freezer, local(day, time(7, 0, 1)))

    expected = [
        MONDAY + timedelta(days=offset)
        for offset in range(7)
        if WEEKDAYS[offset] in weekdays
    ]
    assert played == expected
    assert [event.time_fired.date() for event in scheduled(events)] == expected
    for event in scheduled(events):
        assert event.data["chime_id"] == MORNING
        assert outcomes(event.data["zones"]) == {
            "Chicken Coop": ("chimed", None),
            "Kitchen": ("chimed", None),
            "Living Room": ("chimed", None),
        }
    # Refreshed after each play: a week after the first day, at 07:00.
    assert (
        state_of(hass, next_chime)
        == dt_util.as_utc(local(expected[0] + timedelta(days=7), time(7))).isoformat()
    )
    last_played = hass.states.get(entity_id(hass, entry, "sensor", "last_played"))
    assert last_played is not None
    assert last_played.attributes["trigger"] == "schedule"
    assert last_played.attributes["chimed"] == "Chicken Coop, Kitchen, Living Room"


@pytest.mark.usefixtures("ha_server")
async def test_next_chime_moves_on_in_the_second_it_plays(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """The clock still shows 07:00:00: Next chime already shows tomorrow's."""
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    events = chime_events(hass)
    next_chime = entity_id(hass, entry, "sensor", "next_chime")

    await advance(hass, freezer, local(MONDAY, time(7)))

    assert dt_util.utcnow() == dt_util.as_utc(local(MONDAY, time(7)))
    assert len(scheduled(events)) == 1
    tomorrow = local(MONDAY + timedelta(days=1), time(7))
    assert manager.next_fire(MORNING) == tomorrow
    assert state_of(hass, next_chime) == dt_util.as_utc(tomorrow).isoformat()


@pytest.mark.usefixtures("ha_server")
async def test_spring_forward_plays_once_when_the_clock_jumps(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """02:30 does not exist that night: the chime plays at 03:00, once."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    start = local(SPRING_FORWARD - timedelta(days=1), time(23))
    freezer.move_to(start)
    entry = household_entry(
        household, all_zones=True, subentries=[chime_subentry(at="02:30:00")]
    )
    await set_up(hass, entry)
    events = chime_events(hass)
    next_chime = entity_id(hass, entry, "sensor", "next_chime")
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert state_of(hass, next_chime) == jump.isoformat()

    await walk(hass, freezer, start, local(SPRING_FORWARD, time(6)))

    assert [event.time_fired for event in events] == [jump]
    assert all(zone["outcome"] == "chimed" for zone in events[0].data["zones"].values())
    assert (
        state_of(hass, next_chime)
        == dt_util.as_utc(
            local(SPRING_FORWARD + timedelta(days=1), time(2, 30))
        ).isoformat()
    )


@pytest.mark.usefixtures("ha_server")
async def test_fall_back_plays_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """02:30 comes twice that night: the chime plays at the first one only."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    start = local(FALL_BACK - timedelta(days=1), time(23))
    freezer.move_to(start)
    entry = household_entry(
        household, all_zones=True, subentries=[chime_subentry(at="02:30:00")]
    )
    await set_up(hass, entry)
    events = chime_events(hass)

    await walk(hass, freezer, start, local(FALL_BACK, time(6)))

    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not CET
    assert [event.time_fired for event in events] == [first]


@pytest.mark.usefixtures("ha_server")
async def test_time_entity_reschedules_at_once_and_persists(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    events = chime_events(hass)
    chime_time = entity_id(hass, entry, "time", "time")
    next_chime = entity_id(hass, entry, "sensor", "next_chime")
    assert state_of(hass, chime_time) == "07:00:00"

    await hass.services.async_call(
        "time",
        "set_value",
        {"entity_id": chime_time, "time": "06:30:00"},
        blocking=True,
    )
    await hass.async_block_till_done()

    assert entry.runtime_data.manager is manager  # no reload needed
    assert entry.subentries[MORNING].data[CONF_TIME] == "06:30:00"
    assert state_of(hass, chime_time) == "06:30:00"
    assert (
        state_of(hass, next_chime)
        == dt_util.as_utc(local(MONDAY, time(6, 30))).isoformat()
    )
    await advance(hass, freezer, local(MONDAY, time(6, 30)))
    await advance(hass, freezer, local(MONDAY, time(7)))
    assert [event.time_fired for event in events] == [
        dt_util.as_utc(local(MONDAY, time(6, 30)))
    ]

    # Stored in the subentry, the time is the one a reload schedules.
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(hass, chime_time) == "06:30:00"
    await advance(hass, freezer, local(MONDAY + timedelta(days=1), time(6, 30)))
    assert len(events) == 2


@pytest.mark.usefixtures("ha_server")
async def test_enabled_off_stops_the_schedule(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    events = chime_events(hass)
    enabled = entity_id(hass, entry, "switch", "enabled")
    next_chime = entity_id(hass, entry, "sensor", "next_chime")
    schedule = entity_id(hass, entry, "sensor", "schedule")
    assert state_of(hass, enabled) == "on"
    assert state_of(hass, schedule) == "scheduled"

    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": enabled}, blocking=True
    )
    await hass.async_block_till_done()

    assert entry.runtime_data.manager is manager
    assert entry.subentries[MORNING].data[CONF_ENABLED] is False
    assert state_of(hass, enabled) == "off"
    # Next chime, a timestamp, can only say "Unknown"; Schedule says why.
    assert state_of(hass, next_chime) == "unknown"
    assert state_of(hass, schedule) == "disabled"
    household.clear_events()
    await advance(hass, freezer, local(MONDAY, time(7)))
    assert events == []
    assert not touched(household)

    await advance(hass, freezer, local(MONDAY, time(7, 30)))
    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": enabled}, blocking=True
    )
    await hass.async_block_till_done()
    assert entry.subentries[MORNING].data[CONF_ENABLED] is True
    assert state_of(hass, schedule) == "scheduled"
    tuesday = MONDAY + timedelta(days=1)
    assert (
        state_of(hass, next_chime)
        == dt_util.as_utc(local(tuesday, time(7))).isoformat()
    )
    await advance(hass, freezer, local(tuesday, time(7)))
    assert len(scheduled(events)) == 1


@pytest.mark.usefixtures("ha_server")
async def test_quiet_holds_back_scheduled_chimes_only(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)
    events = chime_events(hass)
    quiet = entity_id(hass, entry, "switch", "quiet")
    next_chime = entity_id(hass, entry, "sensor", "next_chime")
    schedule = entity_id(hass, entry, "sensor", "schedule")

    await hass.services.async_call(
        "switch", "turn_on", {"entity_id": quiet}, blocking=True
    )
    assert state_of(hass, quiet) == "on"
    assert state_of(hass, schedule) == "quiet"
    household.clear_events()
    await advance(hass, freezer, local(MONDAY, time(7)))
    assert events == []
    assert not touched(household)
    # Held back, not postponed: the next one is tomorrow's.
    assert (
        state_of(hass, next_chime)
        == dt_util.as_utc(local(MONDAY + timedelta(days=1), time(7))).isoformat()
    )

    await hass.services.async_call(
        "button",
        "press",
        {"entity_id": entity_id(hass, entry, "button", "play_now")},
        blocking=True,
    )
    assert [event.data["trigger"] for event in events] == ["button"]
    assert touched(household) == {"Chicken Coop", "Kitchen", "Living Room"}

    await hass.services.async_call(
        "switch", "turn_off", {"entity_id": quiet}, blocking=True
    )
    assert state_of(hass, schedule) == "scheduled"
    await advance(hass, freezer, local(MONDAY + timedelta(days=1), time(7)))
    assert [event.data["trigger"] for event in events] == ["button", "schedule"]


@pytest.mark.usefixtures("ha_server")
async def test_unload_and_reload_leave_no_listener(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(
        household,
        all_zones=True,
        subentries=[
            chime_subentry(),
            chime_subentry("evening", name="Evening", at="19:00:00"),
        ],
    )
    # A first load and unload sets up what Home Assistant keeps for good
    # (registries, restore state); what is left then is the baseline.
    await set_up(hass, entry)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    timers_before = active_timers(hass)
    listeners_before = hass.bus.async_listeners()

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    # Two timers per chime (its play, and getting ready for it) and the
    # periodic look for missing files.
    assert len(active_timers(hass) - timers_before) == 5
    for _ in range(2):
        assert await hass.config_entries.async_reload(entry.entry_id)
        await hass.async_block_till_done()
        assert len(active_timers(hass) - timers_before) == 5

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.NOT_LOADED
    assert active_timers(hass) - timers_before == set()
    assert hass.bus.async_listeners() == listeners_before

    events = chime_events(hass)
    household.clear_events()
    await advance(hass, freezer, local(MONDAY, time(7)))
    await advance(hass, freezer, local(MONDAY, time(19)))
    assert events == []
    assert not touched(household)


@pytest.mark.usefixtures("ha_server")
async def test_unload_waits_for_a_scheduled_chime(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """Unloading while a chime plays lets it finish and put the zones back."""
    kitchen = household["Kitchen"]
    kitchen.set_queue([Track("x-file-cifs://nas/music/song.mp3", "Song")])
    kitchen.play_queue(track=1, position=5.0)
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)
    events = chime_events(hass)

    freezer.move_to(local(MONDAY, time(7)))
    async_fire_time_changed(hass, local(MONDAY, time(7)))
    # The chime runs in a worker thread; unload at once.
    assert await hass.config_entries.async_unload(entry.entry_id)

    assert len(events) == 1
    assert events[0].data["zones"]["Kitchen"]["outcome"] == "chimed"
    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["track_uri"] == "x-file-cifs://nas/music/song.mp3"


@pytest.mark.usefixtures("ha_server")
async def test_fall_back_plays_once_across_a_reload(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """Set up again in the repeated hour, the chime does not play a second time."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    start = local(FALL_BACK, time(2))
    freezer.move_to(start)
    entry = household_entry(
        household, all_zones=True, subentries=[chime_subentry(at="02:30:00")]
    )
    await set_up(hass, entry)
    events = chime_events(hass)
    between = local(FALL_BACK, time(2, 45))  # summer time, before the clock turns back
    await walk(hass, freezer, start, between)
    assert len(events) == 1

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await walk(hass, freezer, between, local(FALL_BACK, time(3, 0)))

    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, not CET
    assert [event.time_fired for event in events] == [first]


def played_key(entry: MockConfigEntry) -> str:
    """Where the household keeps the date each chime last played for."""
    return f"{DOMAIN}.{entry.entry_id}.played"


@pytest.mark.usefixtures("ha_server")
async def test_once_per_date_survives_a_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    hass_storage: dict[str, Any],
) -> None:
    """Set up again with the clock turned back, the chime plays once that date.

    Without a clock of its own a machine may start from its last saved time
    and show the chime's time again before it synchronises.
    """
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)
    events = chime_events(hass)
    await advance(hass, freezer, local(MONDAY, time(7)))
    assert len(scheduled(events)) == 1

    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert hass_storage[played_key(entry)]["data"] == {
        "chimes": {MORNING: {"07:00:00": "2026-01-05"}}
    }
    freezer.move_to(local(MONDAY, time(6, 55)))
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    await advance(hass, freezer, local(MONDAY, time(7)))
    assert len(scheduled(events)) == 1

    # Once per date, not once for good.
    await advance(hass, freezer, local(MONDAY + timedelta(days=1), time(7)))
    assert len(scheduled(events)) == 2


@pytest.mark.usefixtures("ha_server")
@pytest.mark.parametrize(
    ("stored", "plays"),
    [
        # Stored by 1.1, one date and its time: migrated to 1.2.
        ((1, {"date": "2026-01-05", "time": "07:00:00"}), False),
        # It played at another time: the chime was moved since, as on the same day.
        ((1, {"date": "2026-01-05", "time": "06:30:00"}), True),
        ((1, {"date": "2026-01-04", "time": "07:00:00"}), True),
        ((1, {"date": "not a date", "time": "07:00:00"}), True),
        # 1.2: a date per time.
        ((2, {"07:00:00": "2026-01-05", "12:00:00": "2026-01-04"}), False),
        ((2, {"07:00:00": "2026-01-04"}), True),
    ],
)
async def test_date_played_before_the_restart(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    hass_storage: dict[str, Any],
    *,
    stored: tuple[int, dict[str, str]],
    plays: bool,
) -> None:
    """Home Assistant starts with what the last run stored, by whichever version."""
    freezer.move_to(local(MONDAY, time(6, 55)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    minor_version, record = stored
    hass_storage[played_key(entry)] = {
        "version": 1,
        "minor_version": minor_version,
        "key": played_key(entry),
        "data": {"chimes": {MORNING: record}},
    }
    await set_up(hass, entry)
    events = chime_events(hass)

    await advance(hass, freezer, local(MONDAY, time(7)))

    assert len(scheduled(events)) == int(plays)


@pytest.mark.usefixtures("ha_server")
async def test_removing_the_household_removes_its_dates(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    hass_storage: dict[str, Any],
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)
    await advance(hass, freezer, local(MONDAY, time(7)))
    await hass.async_block_till_done()
    assert played_key(entry) in hass_storage

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert played_key(entry) not in hass_storage
