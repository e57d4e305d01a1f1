"""ChimeSchedule on its own: weekdays, rescheduling, cleanup and the daylight saving rule."""

import asyncio
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.util import dt as dt_util
import pytest

from custom_components.sonos_chime.schedule import WEEKDAYS, ChimeSchedule, next_fire

from .helpers import (
    FALL_BACK,
    MONDAY,
    SPRING_FORWARD,
    STEP,
    active_timers,
    advance,
    local,
    walk,
)

BERLIN = ZoneInfo("Europe/Berlin")

type Calls = list[datetime]
type MakeSchedule = Callable[..., tuple[ChimeSchedule, Calls]]


def armed_for(hass: HomeAssistant, schedule: ChimeSchedule) -> list[datetime]:
    """The instants the schedule's timers are armed for (a point-in-time tracker)."""
    return [
        handle._callback.utc_point_in_time  # type: ignore[attr-defined]
        for handle in active_timers(hass)
        if getattr(getattr(handle._callback, "job", None), "target", None)
        == schedule._async_fired
    ]


def recorder(calls: Calls) -> Callable[[datetime], None]:
    """A @callback action, run right in the event loop."""

    @callback
    def record(now: datetime) -> None:
        calls.append(now)

    return record


def whole_seconds(moment: datetime) -> datetime:
    """Drop the trigger's sub-second spread (and the tests' 0.5 s nudge)."""
    return moment.replace(microsecond=0)


def instant(moment: datetime | None) -> datetime | None:
    """In UTC: Python never finds an ambiguous wall time equal to another zone's."""
    return None if moment is None else moment.astimezone(UTC)


@pytest.fixture
def make_schedule(hass: HomeAssistant) -> Iterator[MakeSchedule]:
    """Started schedules with an async action recording its calls; stopped at the end."""
    schedules: list[ChimeSchedule] = []

    def make(
        at: time, weekdays: list[str], *, start: bool = True
    ) -> tuple[ChimeSchedule, Calls]:
        calls: Calls = []

        async def action(now: datetime) -> None:
            await asyncio.sleep(0)
            calls.append(now)

        schedule = ChimeSchedule(hass, at=at, weekdays=weekdays, action=action)
        schedules.append(schedule)
        if start:
            schedule.async_start()
        return schedule, calls

    yield make
    for schedule in schedules:
        schedule.async_stop()


@pytest.fixture
def raw_trigger(hass: HomeAssistant) -> Iterator[Callable[[time], Calls]]:
    """Home Assistant's bare trigger, to show what the DST rule corrects."""
    unsubs: list[Callable[[], None]] = []

    def track(at: time) -> Calls:
        calls: Calls = []
        unsubs.append(
            async_track_time_change(
                hass,
                recorder(calls),
                hour=at.hour,
                minute=at.minute,
                second=at.second,
            )
        )
        return calls

    yield track
    for unsub in unsubs:
        unsub()


@pytest.mark.parametrize(
    "weekdays",
    [["mon"], ["tue", "thu", "sat"], ["sun"], list(WEEKDAYS)],
)
async def test_plays_on_chosen_weekdays_only(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    make_schedule: MakeSchedule,
    weekdays: list[str],
) -> None:
    freezer.move_to(local(MONDAY, time(6, 59, 59)))
    _, calls = make_schedule(time(7, 0), weekdays)

    for offset in range(14):
        day = MONDAY + timedelta(days=offset)
        await advance(hass, freezer, local(day, time(6, 59, 59)))
        await advance(hass, freezer, local(day, time(7, 0)))
        await advance(hass, freezer, local(day, time(7, 0, 1)))

    expected = [
        local(MONDAY + timedelta(days=offset), time(7, 0))
        for offset in range(14)
        if WEEKDAYS[offset % 7] in weekdays
    ]
    assert [whole_seconds(call) for call in calls] == expected
    assert all(call.tzinfo is dt_util.get_default_time_zone() for call in calls)


async def test_sync_callback_action_runs_in_the_loop(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    calls: Calls = []
    schedule = ChimeSchedule(
        hass, at=time(7, 0), weekdays=["mon"], action=recorder(calls)
    )
    schedule.async_start()

    await advance(hass, freezer, local(MONDAY, time(7)))
    schedule.async_stop()

    assert [whole_seconds(call) for call in calls] == [local(MONDAY, time(7))]


async def test_update_reschedules_at_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, make_schedule: MakeSchedule
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    schedule, calls = make_schedule(time(7, 0), ["mon"])

    schedule.async_update(at=time(8, 0))
    assert schedule.at == time(8, 0)
    assert schedule.next_fire() == local(MONDAY, time(8))
    await advance(hass, freezer, local(MONDAY, time(7)))
    assert calls == []
    await advance(hass, freezer, local(MONDAY, time(8)))
    assert [whole_seconds(call) for call in calls] == [local(MONDAY, time(8))]

    # A changed chime may play again the same day.
    schedule.async_update(at=time(9, 0))
    await advance(hass, freezer, local(MONDAY, time(9)))
    assert len(calls) == 2

    # Weekdays alone: Tuesday now, Monday no longer.
    schedule.async_update(weekdays=["tue"])
    assert schedule.weekdays == ("tue",)
    for offset in range(1, 8):
        day = MONDAY + timedelta(days=offset)
        await advance(hass, freezer, local(day, time(9)))
    assert [whole_seconds(call) for call in calls[2:]] == [
        local(MONDAY + timedelta(days=1), time(9))
    ]


async def test_update_before_start_arms_nothing(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, make_schedule: MakeSchedule
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    before = active_timers(hass)
    schedule, calls = make_schedule(time(7, 0), [], start=False)

    schedule.async_update(weekdays=["mon", "sun"])
    assert schedule.weekdays == ("mon", "sun")
    assert active_timers(hass) - before == set()

    schedule.async_start()
    assert len(active_timers(hass) - before) == 1
    await advance(hass, freezer, local(MONDAY, time(7)))
    assert len(calls) == 1


@pytest.mark.parametrize(
    "zone",
    [
        # An ordinary day.
        None,
        # The night the clock jumps over the chime's time: still one timer.
        "Europe/Berlin",
    ],
)
async def test_stop_leaves_no_listener(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    make_schedule: MakeSchedule,
    zone: str | None,
) -> None:
    if zone is None:
        start, at = local(MONDAY, time(6)), time(7, 0)
    else:
        await hass.config.async_set_time_zone(zone)
        start = local(SPRING_FORWARD - timedelta(days=1), time(23))
        at = time(2, 30)
    freezer.move_to(start)
    timers_before = active_timers(hass)
    listeners_before = hass.bus.async_listeners()

    schedule, calls = make_schedule(at, ["mon", "sun"])
    assert len(active_timers(hass) - timers_before) == 1

    schedule.async_stop()
    schedule.async_stop()  # idempotent
    assert active_timers(hass) - timers_before == set()
    assert hass.bus.async_listeners() == listeners_before

    await walk(hass, freezer, start, start + timedelta(days=2))
    assert calls == []


async def test_restart_after_stop(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, make_schedule: MakeSchedule
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    before = active_timers(hass)
    schedule, calls = make_schedule(time(7, 0), ["mon"])
    schedule.async_stop()
    schedule.async_start()
    schedule.async_start()  # no second trigger
    assert len(active_timers(hass) - before) == 1

    await advance(hass, freezer, local(MONDAY, time(7)))
    assert len(calls) == 1

    # Restarted within the chime's second, 07:00:00 is still now; the chime
    # still plays once that day.
    schedule.async_stop()
    schedule.async_start()
    await advance(hass, freezer, local(MONDAY, time(7)))
    await advance(hass, freezer, local(MONDAY, time(8)))
    assert len(calls) == 1


@pytest.mark.parametrize("at", [time(2, 0), time(2, 30), time(2, 59, 59)])
async def test_spring_forward_plays_once_when_the_clock_jumps(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    make_schedule: MakeSchedule,
    raw_trigger: Callable[[time], Calls],
    at: time,
) -> None:
    await hass.config.async_set_time_zone("Europe/Berlin")
    start = local(SPRING_FORWARD - timedelta(days=1), time(23))
    freezer.move_to(start)
    schedule, calls = make_schedule(at, list(WEEKDAYS))
    raw = raw_trigger(at)

    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert instant(schedule.next_fire()) == jump

    await walk(hass, freezer, start, local(SPRING_FORWARD, time(23, 55)))
    assert [instant(call) for call in calls] == [jump]
    assert calls[0].tzinfo is BERLIN
    assert (calls[0].date(), calls[0].time()) == (SPRING_FORWARD, time(3, 0))
    # Home Assistant's own trigger skipped the day altogether.
    assert raw == []

    # The next day is an ordinary one again.
    monday = SPRING_FORWARD + timedelta(days=1)
    assert schedule.next_fire() == local(monday, at)
    await advance(hass, freezer, local(monday, at))
    await advance(hass, freezer, local(monday, time(4)))
    assert [whole_seconds(call) for call in calls[1:]] == [local(monday, at)]
    assert [whole_seconds(call) for call in raw] == [local(monday, at)]


async def test_fall_back_plays_once_at_the_first_occurrence(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    make_schedule: MakeSchedule,
    raw_trigger: Callable[[time], Calls],
) -> None:
    await hass.config.async_set_time_zone("Europe/Berlin")
    start = local(FALL_BACK - timedelta(days=1), time(23))
    freezer.move_to(start)
    schedule, calls = make_schedule(time(2, 30), list(WEEKDAYS))
    raw = raw_trigger(time(2, 30))

    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET
    upcoming = schedule.next_fire()
    assert upcoming is not None
    assert instant(upcoming) == first
    assert (upcoming.fold, upcoming.utcoffset()) == (0, timedelta(hours=2))

    await walk(hass, freezer, start, local(FALL_BACK, time(23, 55)))
    assert [instant(whole_seconds(call)) for call in calls] == [first]
    assert (calls[0].fold, calls[0].utcoffset()) == (0, timedelta(hours=2))
    # Home Assistant's own trigger fired twice, once per fold.
    assert [instant(whole_seconds(call)) for call in raw] == [first, second]

    # The next day is an ordinary one again.
    monday = FALL_BACK + timedelta(days=1)
    assert schedule.next_fire() == local(monday, time(2, 30))
    await advance(hass, freezer, local(monday, time(2, 30)))
    assert [whole_seconds(call) for call in calls[1:]] == [local(monday, time(2, 30))]


@pytest.mark.parametrize(
    ("night", "at"),
    [(SPRING_FORWARD, time(2, 30)), (FALL_BACK, time(2, 30)), (MONDAY, time(7))],
)
async def test_one_timer_at_the_instant_the_rule_gives(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    make_schedule: MakeSchedule,
    night: date,
    at: time,
) -> None:
    """Through a DST night, one timer, always armed for the next play."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    start = local(night - timedelta(days=1), time(23))
    freezer.move_to(start)
    schedule, calls = make_schedule(at, list(WEEKDAYS))

    moment = dt_util.as_utc(start)
    while moment <= dt_util.as_utc(local(night + timedelta(days=1), time(12))):
        await advance(hass, freezer, moment)
        (point,) = armed_for(hass, schedule)
        upcoming = schedule.next_fire()
        assert upcoming is not None
        assert point == instant(upcoming)
        assert upcoming.timestamp() > moment.timestamp()
        moment += STEP
    assert [call.date() for call in calls] == [night, night + timedelta(days=1)]


async def test_next_fire_in_the_second_it_plays(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, make_schedule: MakeSchedule
) -> None:
    """Fired at 07:00:00 with the clock still there, the next play is tomorrow's."""
    freezer.move_to(local(MONDAY, time(6)))
    schedule, calls = make_schedule(time(7, 0), list(WEEKDAYS))

    await advance(hass, freezer, local(MONDAY, time(7)))

    assert len(calls) == 1
    assert schedule.next_fire() == local(MONDAY + timedelta(days=1), time(7))


async def test_played_on_is_passed_over(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    """Told it played today (before a restart), the timer is armed for tomorrow."""
    freezer.move_to(local(MONDAY, time(6, 55)))
    calls: Calls = []
    schedule = ChimeSchedule(
        hass,
        at=time(7, 0),
        weekdays=list(WEEKDAYS),
        action=recorder(calls),
        played_on=MONDAY,
    )
    schedule.async_start()
    assert schedule.next_fire() == local(MONDAY + timedelta(days=1), time(7))

    await advance(hass, freezer, local(MONDAY, time(7)))
    await advance(hass, freezer, local(MONDAY + timedelta(days=1), time(7)))
    schedule.async_stop()

    assert [whole_seconds(call) for call in calls] == [
        local(MONDAY + timedelta(days=1), time(7))
    ]


async def test_clock_leaping_days_ahead_plays_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, make_schedule: MakeSchedule
) -> None:
    """The plays leapt over are not caught up one after the other."""
    freezer.move_to(local(MONDAY, time(6)))
    schedule, calls = make_schedule(time(7, 0), list(WEEKDAYS))

    await advance(hass, freezer, local(MONDAY + timedelta(days=2), time(12)))

    assert len(calls) == 1
    assert schedule.next_fire() == local(MONDAY + timedelta(days=3), time(7))


async def test_fall_back_started_between_the_occurrences(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    make_schedule: MakeSchedule,
) -> None:
    """The first 02:30 has passed: the second one is not a new chance."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    start = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)  # 02:45 CEST
    freezer.move_to(start)
    schedule, calls = make_schedule(time(2, 30), list(WEEKDAYS))
    assert schedule.next_fire() == local(FALL_BACK + timedelta(days=1), time(2, 30))

    await walk(hass, freezer, start, local(FALL_BACK, time(12)))
    assert calls == []


async def test_day_boundaries(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, make_schedule: MakeSchedule
) -> None:
    sunday = MONDAY - timedelta(days=1)
    freezer.move_to(local(sunday, time(12)))
    midnight, midnight_calls = make_schedule(time(0, 0, 0), ["tue"])
    late, late_calls = make_schedule(time(23, 59, 59), ["mon"])

    assert late.next_fire() == local(MONDAY, time(23, 59, 59))
    assert midnight.next_fire() == local(MONDAY + timedelta(days=1), time(0))

    for day in (sunday, MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)):
        await advance(hass, freezer, local(day, time(0)))
        await advance(hass, freezer, local(day, time(23, 59, 59)))

    assert [whole_seconds(call) for call in late_calls] == [
        local(MONDAY, time(23, 59, 59))
    ]
    assert [whole_seconds(call) for call in midnight_calls] == [
        local(MONDAY + timedelta(days=1), time(0))
    ]
    assert late_calls[0].date() == MONDAY
    assert midnight_calls[0].date() == MONDAY + timedelta(days=1)


async def test_empty_weekdays_never_fire(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, make_schedule: MakeSchedule
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    before = active_timers(hass)
    schedule, calls = make_schedule(time(7, 0), [])

    assert schedule.next_fire() is None
    assert active_timers(hass) - before == set()
    for offset in range(8):
        await advance(hass, freezer, local(MONDAY + timedelta(days=offset), time(7)))
    assert calls == []


@pytest.mark.parametrize(
    ("at", "weekdays", "now", "expected"),
    [
        # Later today, exactly now, and a week ahead once today's time passed.
        (time(7), ["mon"], datetime(2026, 1, 5, 6, 0), datetime(2026, 1, 5, 7, 0)),
        (time(7), ["mon"], datetime(2026, 1, 5, 7, 0), datetime(2026, 1, 5, 7, 0)),
        (time(7), ["mon"], datetime(2026, 1, 5, 7, 0, 1), datetime(2026, 1, 12, 7, 0)),
        (time(7), ["sun", "wed"], datetime(2026, 1, 5, 8), datetime(2026, 1, 7, 7, 0)),
        (
            time(23, 59, 59),
            ["mon"],
            datetime(2026, 1, 5),
            datetime(2026, 1, 5, 23, 59, 59),
        ),
        (
            time(0),
            ["tue"],
            datetime(2026, 1, 5, 23, 59, 59),
            datetime(2026, 1, 6, 0, 0),
        ),
        (time(7), [], datetime(2026, 1, 5, 6, 0), None),
        # Microseconds are dropped, like Home Assistant's trigger does.
        (time(7, 0, 0, 999), ["mon"], datetime(2026, 1, 5, 6), datetime(2026, 1, 5, 7)),
    ],
)
def test_next_fire_helper(
    at: time, weekdays: list[str], now: datetime, expected: datetime | None
) -> None:
    result = next_fire(at, weekdays, now.replace(tzinfo=BERLIN))
    assert instant(result) == instant(expected and expected.replace(tzinfo=BERLIN))


@pytest.mark.parametrize(
    ("zone", "at", "now", "expected_utc"),
    [
        # Berlin spring forward: the skipped hour plays when the clock jumps.
        (
            "Europe/Berlin",
            time(2, 30),
            datetime(2026, 3, 28, 12),
            datetime(2026, 3, 29, 1),
        ),
        (
            "Europe/Berlin",
            time(2, 0),
            datetime(2026, 3, 28, 12),
            datetime(2026, 3, 29, 1),
        ),
        (
            "Europe/Berlin",
            time(3, 0),
            datetime(2026, 3, 28, 12),
            datetime(2026, 3, 29, 1),
        ),
        (
            "Europe/Berlin",
            time(2, 30),
            datetime(2026, 3, 29, 3),
            datetime(2026, 3, 29, 1),
        ),
        (
            "Europe/Berlin",
            time(2, 30),
            datetime(2026, 3, 29, 3, 0, 1),
            datetime(2026, 3, 30, 0, 30),
        ),
        # Berlin fall back: the first occurrence, and not the second.
        (
            "Europe/Berlin",
            time(2, 30),
            datetime(2026, 10, 24, 12),
            datetime(2026, 10, 25, 0, 30),
        ),
        (
            "Europe/Berlin",
            time(2, 30),
            datetime(2026, 10, 25, 2, 40),
            datetime(2026, 10, 26, 1, 30),
        ),
        # A half-hour jump (02:00 -> 02:30) and jumps at midnight.
        (
            "Australia/Lord_Howe",
            time(2, 15),
            datetime(2026, 10, 3, 12),
            datetime(2026, 10, 3, 15, 30),
        ),
        (
            "America/Santiago",
            time(0, 0),
            datetime(2026, 9, 5, 12),
            datetime(2026, 9, 6, 4, 0),
        ),
        (
            "America/Havana",
            time(0, 30),
            datetime(2026, 3, 7, 12),
            datetime(2026, 3, 8, 5, 0),
        ),
        ("UTC", time(2, 30), datetime(2026, 3, 28, 12), datetime(2026, 3, 29, 2, 30)),
    ],
)
def test_next_fire_helper_dst(
    zone: str, at: time, now: datetime, expected_utc: datetime
) -> None:
    tz = ZoneInfo(zone)
    result = next_fire(at, WEEKDAYS, now.replace(tzinfo=tz))
    assert result is not None
    assert result.tzinfo is tz
    assert instant(result) == expected_utc.replace(tzinfo=UTC)


def test_next_fire_helper_fold_of_now() -> None:
    """02:10 after the clocks went back (fold 1) is past the first 02:30."""
    now = datetime(2026, 10, 25, 2, 10, tzinfo=BERLIN, fold=1)
    assert next_fire(time(2, 30), WEEKDAYS, now) == datetime(
        2026, 10, 26, 2, 30, tzinfo=BERLIN
    )
    before = datetime(2026, 10, 25, 2, 10, tzinfo=BERLIN, fold=0)
    assert instant(next_fire(time(2, 30), WEEKDAYS, before)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_spring_forward_on_a_day_not_chosen() -> None:
    now = datetime(2026, 3, 28, 12, tzinfo=BERLIN)
    assert next_fire(time(2, 30), ["mon"], now) == datetime(
        2026, 3, 30, 2, 30, tzinfo=BERLIN
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"weekdays": ["monday"]}, ValueError),
        ({"weekdays": ["Mon"]}, ValueError),
        ({"weekdays": "mon"}, TypeError),
        ({"at": time(7, tzinfo=BERLIN)}, ValueError),
        ({"now": datetime(2026, 1, 5, 6)}, ValueError),
    ],
)
def test_next_fire_helper_refuses_bad_input(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    args: dict[str, object] = {
        "at": time(7),
        "weekdays": ["mon"],
        "now": datetime(2026, 1, 5, 6, tzinfo=BERLIN),
    } | kwargs
    with pytest.raises(error):
        next_fire(**args)  # type: ignore[arg-type]


async def test_schedule_refuses_bad_weekdays(hass: HomeAssistant) -> None:
    with pytest.raises(ValueError, match="fri day"):
        ChimeSchedule(hass, at=time(7), weekdays=["fri day"], action=recorder([]))
    schedule = ChimeSchedule(hass, at=time(7), weekdays=["fri"], action=recorder([]))
    with pytest.raises(ValueError, match="someday"):
        schedule.async_update(weekdays=["someday"])
    assert schedule.weekdays == ("fri",)
