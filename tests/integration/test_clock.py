"""Clock chimes: the hour struck N times, the Westminster quarters between.

The speakers tell what rang: every piece of a chime is a track their
transport reports PLAYING, and the music they return to between chimes
shows that each time rang as one chime, one pause and one restore.
"""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.clock import (
    HOUR_MEDIA,
    QUARTER_MEDIA,
    clock_error,
    clock_ring,
    clock_times,
    strikes,
)
from custom_components.sonos_chime.const import (
    CLOCK_HOURS,
    CLOCK_OFF,
    CLOCK_QUARTERS,
    CONF_CLOCK,
    CONF_CLOCK_UNTIL,
    CONF_MORE_TIMES,
    CONF_REPEAT_MINUTES,
    CONF_REPEAT_UNTIL,
    CONF_TIME,
    DOMAIN,
    SERVICE_PLAY,
)
from sonos_emulator import Household, Speaker, Track

from .helpers import (
    FALL_BACK,
    MONDAY,
    MORNING,
    REAL_TIME,
    SPRING_FORWARD,
    advance,
    assert_error_translated,
    chime_events,
    chime_subentry,
    entity_id,
    household_entry,
    local,
    play,
    put_in_library,
    scheduled,
    set_up,
    state_of,
    submit_new_chime,
    touched,
    walk,
)

pytestmark = [
    pytest.mark.freeze_time("2026-01-05 12:00:00", ignore=REAL_TIME),
    pytest.mark.usefixtures("ha_server"),
]

MUSIC = "x-file-cifs://nas/music/1.mp3"
SHIPPED_CHIMES = (
    Path(__file__).parents[2] / "custom_components" / "sonos_chime" / "chimes"
)


def test_a_clock_strikes_the_hour_twelve_hour() -> None:
    """Midnight and noon strike twelve, 13:00 one, 23:00 eleven."""
    assert [strikes(hour) for hour in (0, 1, 11, 12, 13, 23)] == [12, 1, 11, 12, 1, 11]


def test_the_times_a_clock_rings_at() -> None:
    """Every hour from the first to the last; quarters only between them."""
    assert clock_times(CLOCK_HOURS, time(7), time(9)) == (time(7), time(8), time(9))
    assert clock_times(CLOCK_QUARTERS, time(7), time(8)) == (
        time(7),
        time(7, 15),
        time(7, 30),
        time(7, 45),
        time(8),
    )


def test_what_rings_at_each_time() -> None:
    """The hour's tune then the strikes; a quarter's tune alone; hours only strike."""
    assert clock_ring(CLOCK_QUARTERS, time(15)).tune == HOUR_MEDIA
    assert clock_ring(CLOCK_QUARTERS, time(15)).strikes == 3
    for minute, tune in QUARTER_MEDIA.items():
        ring = clock_ring(CLOCK_QUARTERS, time(15, minute))
        assert (ring.tune, ring.strikes) == (tune, 0)
    assert clock_ring(CLOCK_HOURS, time(15, 30)).tune is None
    assert clock_ring(CLOCK_HOURS, time(15, 30)).strikes == 3


def test_the_westminster_tunes_ship_with_the_chimes() -> None:
    """Every tune a clock rings is in the library installed at setup."""
    shipped = {path.name for path in SHIPPED_CHIMES.iterdir()}
    assert {HOUR_MEDIA, *QUARTER_MEDIA.values(), "clock_strike.mp3"} <= shipped


@pytest.mark.parametrize(
    ("clock", "at", "until", "others", "error"),
    [
        (CLOCK_OFF, time(7, 30), None, True, None),
        (CLOCK_HOURS, time(7), time(22), False, None),
        (CLOCK_HOURS, time(7, 30), time(22), False, "clock_full_hour"),
        (CLOCK_HOURS, time(7), None, False, "clock_until_missing"),
        (CLOCK_HOURS, time(7), time(21, 30), False, "clock_until_full_hour"),
        (CLOCK_QUARTERS, time(7), time(7), False, "clock_until_before"),
        (CLOCK_QUARTERS, time(7), time(22), True, "clock_and_times"),
    ],
)
def test_what_makes_no_clock(
    clock: str, at: time, until: time | None, others: bool, error: str | None
) -> None:
    """Full hours, a last hour later the same day, no other times."""
    assert clock_error(clock, at, until, more_times=others, repeat=False) == error


def rings(speaker: Speaker) -> list[str]:
    """Each track the speaker started, by file name: a strike twice shows twice.

    Its queue, the music it returns to, shows as "music".
    """
    started: list[str] = []
    playing = False
    for event in speaker.events():
        if event["kind"] != "transport":
            continue
        now_playing = event["state"] == "PLAYING"
        if now_playing and not playing:
            uri = event["uri"]
            queue = uri.startswith("x-rincon-queue:")
            started.append("music" if queue else uri.rsplit("/", 1)[-1])
        playing = now_playing
    return started


def play_music(household: Household) -> Speaker:
    """The Kitchen plays a track its chimes must return to, events cleared."""
    kitchen = household["Kitchen"]
    kitchen.set_queue([Track(MUSIC, "Song 1")])
    kitchen.play_queue(track=1, position=20.0)
    household.clear_events()
    return kitchen


def clock_entry(
    household: Household, clock: str, first: str, last: str
) -> MockConfigEntry:
    """The Kitchen only; Morning a clock striking short.mp3 from first to last."""
    morning = chime_subentry(at=first, zones=[household["Kitchen"].uid])
    morning["data"] |= {CONF_CLOCK: clock, CONF_CLOCK_UNTIL: last}
    return household_entry(household, all_zones=True, subentries=[morning])


def short_tunes(hass: HomeAssistant) -> None:
    """The Westminster tunes, short, so that a test rings them in a second."""
    for name in (HOUR_MEDIA, *QUARTER_MEDIA.values()):
        put_in_library(hass, name)


async def test_a_clock_strikes_the_hours_and_rings_the_quarters(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """13:00 to 14:00: tune and one strike, three quarters, tune and two strikes."""
    freezer.move_to(local(MONDAY, time(12, 50)))
    short_tunes(hass)
    entry = clock_entry(household, CLOCK_QUARTERS, "13:00:00", "14:00:00")
    await set_up(hass, entry)
    events = chime_events(hass)
    kitchen = play_music(household)
    next_chime = entity_id(hass, entry, "sensor", "next_chime")

    expected = {
        time(13): [HOUR_MEDIA, "short.mp3"],
        time(13, 15): ["westminster.mp3"],
        time(13, 30): ["westminster_half.mp3"],
        time(13, 45): ["westminster_three_quarters.mp3"],
        time(14): [HOUR_MEDIA, "short.mp3", "short.mp3"],
    }
    for moment, ringing in expected.items():
        await advance(hass, freezer, local(MONDAY, moment))
        # One chime: the music comes back once, after every piece.
        assert rings(kitchen) == [*ringing, "music"], moment
        household.clear_events()
    await advance(hass, freezer, local(MONDAY, time(15)))
    assert rings(kitchen) == []

    assert [event.time_fired for event in scheduled(events)] == [
        dt_util.as_utc(local(MONDAY, moment)) for moment in expected
    ]
    assert all(event.data["chime"] == "Morning" for event in events)
    assert kitchen.state()["transport_state"] == "PLAYING"
    tuesday = MONDAY + timedelta(days=1)
    assert (
        state_of(hass, next_chime)
        == dt_util.as_utc(local(tuesday, time(13))).isoformat()
    )


async def test_a_clock_keeps_to_the_hours_it_shows_on_both_changes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """Spring: 01:00 strikes one, 02:00 never comes, 03:00 strikes three.

    Autumn: 02:00, shown twice, strikes two once, at its first occurrence.
    """
    await hass.config.async_set_time_zone("Europe/Berlin")
    begin = local(SPRING_FORWARD - timedelta(days=1), time(23))
    freezer.move_to(begin)
    entry = clock_entry(household, CLOCK_HOURS, "01:00:00", "03:00:00")
    await set_up(hass, entry)
    events = chime_events(hass)
    kitchen = play_music(household)

    await walk(hass, freezer, begin, local(SPRING_FORWARD, time(6)))
    assert [event.time_fired for event in scheduled(events)] == [
        datetime(2026, 3, 29, 0, 0, tzinfo=UTC),  # 01:00 CET
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03:00 CEST
    ]
    assert rings(kitchen) == ["short.mp3", "music", *["short.mp3"] * 3, "music"]

    begin = local(FALL_BACK - timedelta(days=1), time(23))
    await advance(hass, freezer, begin)
    events.clear()
    household.clear_events()
    await walk(hass, freezer, begin, local(FALL_BACK, time(6)))
    assert [event.time_fired for event in scheduled(events)] == [
        datetime(2026, 10, 24, 23, 0, tzinfo=UTC),  # 01:00 CEST
        datetime(2026, 10, 25, 0, 0, tzinfo=UTC),  # 02:00 CEST, the first
        datetime(2026, 10, 25, 2, 0, tzinfo=UTC),  # 03:00 CET
    ]
    assert rings(kitchen) == [
        *["short.mp3", "music"],
        *["short.mp3"] * 2,
        "music",
        *["short.mp3"] * 3,
        "music",
    ]


async def test_play_now_strikes_the_hour_it_is(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """At 16:20 the button strikes four, after the hour's tune."""
    freezer.move_to(local(MONDAY, time(16, 20)))
    short_tunes(hass)
    entry = clock_entry(household, CLOCK_QUARTERS, "07:00:00", "22:00:00")
    await set_up(hass, entry)
    kitchen = play_music(household)
    button = entity_id(hass, entry, "button", "play_now")
    await hass.services.async_call(
        "button", "press", {"entity_id": button}, blocking=True
    )
    await hass.async_block_till_done()
    assert rings(kitchen) == [HOUR_MEDIA, *["short.mp3"] * 4, "music"]


async def test_the_action_strikes_as_one_chime(
    hass: HomeAssistant, household: Household
) -> None:
    """strikes: 3 is three plays in one pause; the answer is one chime's."""
    await set_up(hass, household_entry(household, all_zones=True))
    kitchen = play_music(household)
    response = await play(hass, media="short.mp3", zones=["Kitchen"], strikes=3)
    assert response["zones"]["Kitchen"]["outcome"] == "chimed"
    assert rings(kitchen) == [*["short.mp3"] * 3, "music"]
    assert "message" not in response


async def test_an_automation_strikes_the_hour_it_is(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """The README's template: at 15:00 three strikes."""
    freezer.move_to(local(MONDAY, time(15)))
    await set_up(hass, household_entry(household, all_zones=True))
    kitchen = play_music(household)
    automation = {
        "triggers": [{"trigger": "event", "event_type": "strike_now"}],
        "actions": [
            {
                "action": f"{DOMAIN}.{SERVICE_PLAY}",
                "target": {},
                "data": {
                    "media": "short.mp3",
                    "zones": ["Kitchen"],
                    "strikes": "{{ now().hour % 12 or 12 }}",
                },
            }
        ],
    }
    assert await async_setup_component(hass, "automation", {"automation": automation})
    hass.bus.async_fire("strike_now")
    await hass.async_block_till_done()
    assert rings(kitchen) == [*["short.mp3"] * 3, "music"]


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"media": "short.mp3", "strikes": 0}, "invalid_strikes"),
        ({"media": "short.mp3", "strikes": 13}, "invalid_strikes"),
        ({"message": "Three o'clock", "strikes": 3}, "strikes_without_media"),
    ],
)
async def test_the_action_refuses_strikes_it_cannot_ring(
    hass: HomeAssistant, household: Household, data: dict[str, Any], key: str
) -> None:
    """Refused, with words, before any speaker is touched."""
    await set_up(hass, household_entry(household, all_zones=True))
    household.clear_events()
    with pytest.raises(ServiceValidationError) as caught:
        await hass.services.async_call(
            DOMAIN, SERVICE_PLAY, data, blocking=True, return_response=True
        )
    await assert_error_translated(hass, caught.value, key)
    assert touched(household) == set()


async def test_the_time_entity_keeps_a_clock_on_full_hours(
    hass: HomeAssistant, household: Household
) -> None:
    """A clock's time is its first hour: 07:30 is refused, 08:00 moves it."""
    entry = clock_entry(household, CLOCK_HOURS, "07:00:00", "09:00:00")
    await set_up(hass, entry)
    clock_time = entity_id(hass, entry, "time", "time")
    for refused in ("07:30:00", "09:00:00"):
        with pytest.raises(ServiceValidationError) as caught:
            await hass.services.async_call(
                "time",
                "set_value",
                {"entity_id": clock_time, "time": refused},
                blocking=True,
            )
        await assert_error_translated(hass, caught.value, "clock_time")
    assert entry.subentries[MORNING].data[CONF_TIME] == "07:00:00"
    await hass.services.async_call(
        "time",
        "set_value",
        {"entity_id": clock_time, "time": "08:00:00"},
        blocking=True,
    )
    assert entry.subentries[MORNING].data[CONF_TIME] == "08:00:00"
    manager = entry.runtime_data.manager
    assert [fire.hour for fire in _next_fires(manager, date(2026, 1, 5))] == [8, 9]


def _next_fires(manager: Any, day: date) -> list[datetime]:
    """The times the chime is armed for today."""
    return sorted(
        fire
        for schedule in manager.schedules._schedules[MORNING].values()
        if (fire := schedule.next_fire()) is not None and fire.date() == day
    )


async def test_a_stored_clock_that_makes_no_sense_is_not_armed(
    hass: HomeAssistant, household: Household
) -> None:
    """Data no form would have stored: refused when read, never half-played."""
    morning = chime_subentry(at="07:30:00")
    morning["data"] |= {CONF_CLOCK: CLOCK_HOURS, CONF_CLOCK_UNTIL: "22:00:00"}
    entry = household_entry(household, all_zones=True, subentries=[morning])
    manager = await set_up(hass, entry)
    assert manager.chime_config(MORNING) is None
    assert manager.next_fire(MORNING) is None


@pytest.mark.parametrize(
    ("entered", "stored", "error"),
    [
        (
            {CONF_CLOCK: CLOCK_QUARTERS, CONF_CLOCK_UNTIL: "22:00"},
            {CONF_CLOCK: CLOCK_QUARTERS, CONF_CLOCK_UNTIL: "22:00:00"},
            None,
        ),
        (
            {CONF_CLOCK: CLOCK_OFF, CONF_CLOCK_UNTIL: "22:00"},
            {},
            None,
        ),
        (
            {CONF_CLOCK: CLOCK_HOURS, CONF_TIME: "07:30", CONF_CLOCK_UNTIL: "22:00"},
            None,
            {CONF_TIME: "clock_full_hour"},
        ),
        ({CONF_CLOCK: CLOCK_HOURS}, None, {CONF_CLOCK_UNTIL: "clock_until_missing"}),
        (
            {CONF_CLOCK: CLOCK_HOURS, CONF_CLOCK_UNTIL: "21:30"},
            None,
            {CONF_CLOCK_UNTIL: "clock_until_full_hour"},
        ),
        (
            {CONF_CLOCK: CLOCK_HOURS, CONF_CLOCK_UNTIL: "06:00"},
            None,
            {CONF_CLOCK_UNTIL: "clock_until_before"},
        ),
        (
            {
                CONF_CLOCK: CLOCK_HOURS,
                CONF_CLOCK_UNTIL: "22:00",
                CONF_MORE_TIMES: ["12:30"],
            },
            None,
            {CONF_CLOCK: "clock_and_times"},
        ),
        (
            {
                CONF_CLOCK: CLOCK_HOURS,
                CONF_CLOCK_UNTIL: "22:00",
                CONF_REPEAT_MINUTES: 30,
                CONF_REPEAT_UNTIL: "08:00",
            },
            None,
            {CONF_CLOCK: "clock_and_times"},
        ),
    ],
)
async def test_the_form_makes_a_clock(
    hass: HomeAssistant,
    household: Household,
    entered: dict[str, Any],
    stored: dict[str, Any] | None,
    error: dict[str, str] | None,
) -> None:
    """Every way the form refuses a clock, on the field to fix; one subentry saved."""
    saved = await submit_new_chime(hass, household, entered, error)
    if saved is None:
        return
    assert stored is not None
    assert {key: saved.data[key] for key in stored} == stored
    if not stored:
        assert CONF_CLOCK not in saved.data
        assert CONF_CLOCK_UNTIL not in saved.data
