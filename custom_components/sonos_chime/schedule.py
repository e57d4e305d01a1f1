"""Chime schedules on Home Assistant's own time trigger.

A chime plays at its wall-clock time in the instance's time zone, on the
weekdays chosen (none: never), at most once per local date. Whether it is due
is decided on the local date of the firing. Daylight saving time:

- Spring forward: a chime whose time falls in the skipped hour plays once, at
  the moment the clock jumps (Europe/Berlin, last Sunday of March: 02:30 plays
  at 03:00:00). Home Assistant's trigger skips a time that does not exist and
  runs the next day instead, so a one-off timer covers that day: the chime is
  never lost silently.
- Fall back: a chime whose time falls in the repeated hour plays once, at the
  first occurrence (still summer time; Europe/Berlin, last Sunday of October:
  02:30 plays at 02:30 CEST). Home Assistant's trigger fires again an hour
  later; that second firing is ignored.

The date a chime last played for is handed in and reported back, so that the
caller can keep it over a restart: a clock turned back after a restart (a
clock restored from its last saved time before it synchronises) shows the
time again, and the chime still plays once that date.

The schedule knows nothing of Sonos, nor of a chime being disabled or the
household being quiet: the action checks that when it is called.
"""

from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, date, datetime, time, timedelta
import math
from typing import Any, Final, NamedTuple

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import (
    async_track_point_in_utc_time,
    async_track_time_change,
)
from homeassistant.util import dt as dt_util

from .const import LOGGER

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Today plus a full week reaches every weekday, also today's after its time.
_SEARCH_DAYS: Final = 8

# An async def, or a @callback run in the loop; as everywhere in Home Assistant,
# a plain function would run in the executor.
type ChimeAction = Callable[[datetime], Coroutine[Any, Any, None] | None]


class _Fire(NamedTuple):
    """When a chime plays next, and which local date it plays for."""

    day: date
    when: datetime
    at_clock_jump: bool


def _weekday_numbers(weekdays: Iterable[str]) -> frozenset[int]:
    """Refuse unknown names: a typo would otherwise silence a chime for good."""
    if isinstance(weekdays, str):
        raise TypeError(f"weekdays must be a collection of names, not {weekdays!r}")
    numbers: set[int] = set()
    for name in weekdays:
        if name not in WEEKDAYS:
            raise ValueError(f"Unknown weekday {name!r}, expected one of {WEEKDAYS}")
        numbers.add(WEEKDAYS.index(name))
    return frozenset(numbers)


def _wall_time(at: time) -> time:
    """Whole seconds, no time zone: Home Assistant's trigger has no finer grain."""
    if at.tzinfo is not None:
        raise ValueError(f"Chime time {at} must be a local wall time, without tzinfo")
    return at.replace(microsecond=0, fold=0)


def _exists(wall: datetime) -> bool:
    """Whether the wall time is shown on the clock at all (not skipped forward)."""
    back = wall.astimezone(UTC).astimezone(wall.tzinfo)
    return back.replace(tzinfo=None) == wall.replace(tzinfo=None)


def _ambiguous(wall: datetime) -> bool:
    """Whether the clock shows the wall time twice (the hour turned back)."""
    return (
        _exists(wall)
        and wall.replace(fold=0).utcoffset() != wall.replace(fold=1).utcoffset()
    )


def _clock_jump(wall: datetime) -> datetime:
    """Find the instant the clock jumps over the nonexistent wall time.

    Time zones expose no transitions, but the two readings of a nonexistent
    time bracket the jump, so a search over whole seconds between them finds it.
    """
    naive = wall.replace(tzinfo=None)
    readings = (wall.replace(fold=0).timestamp(), wall.replace(fold=1).timestamp())
    before, after = math.floor(min(readings)), math.ceil(max(readings))
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, wall.tzinfo).replace(tzinfo=None) >= naive:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, wall.tzinfo)


def _next_fire(at: time, days: frozenset[int], now: datetime) -> _Fire | None:
    """Apply the DST rule day by day, from now's local date on."""
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now}")
    if not days:
        return None
    for offset in range(_SEARCH_DAYS):
        day = now.date() + timedelta(days=offset)
        if day.weekday() not in days:
            continue
        # fold=0 is the first occurrence of an ambiguous time.
        wall = datetime.combine(day, at, tzinfo=now.tzinfo)
        jumped = not _exists(wall)
        when = _clock_jump(wall) if jumped else wall
        # Compare instants: same-zone comparisons ignore fold.
        if when.timestamp() >= now.timestamp():
            return _Fire(day, when, jumped)
    return None


def next_fire(at: time, weekdays: Iterable[str], now: datetime) -> datetime | None:
    """Tell when a chime plays next, at or after now; None without weekdays.

    The wall clock is that of now's time zone. A time the clock skips gives the
    instant it jumps; a time it shows twice gives the first occurrence.
    """
    fire = _next_fire(_wall_time(at), _weekday_numbers(weekdays), now)
    return None if fire is None else fire.when


class ChimeSchedule:
    """Calls an action at a chime's time on its weekdays, by the DST rule above.

    The action gets the local time of the firing.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        *,
        at: time,
        weekdays: Iterable[str],
        action: ChimeAction,
        played_on: date | None = None,
        on_played: Callable[[date], None] | None = None,
    ) -> None:
        """Keep the chime; nothing is armed before async_start.

        played_on is the local date it already played for, as on_played was
        told before a restart.
        """
        self._hass = hass
        self._at = _wall_time(at)
        self._days = _weekday_numbers(weekdays)
        self._job: HassJob[[datetime], Coroutine[Any, Any, None] | None] = HassJob(
            action, "sonos_chime scheduled chime"
        )
        self._started = False
        self._unsub_trigger: CALLBACK_TYPE | None = None
        self._unsub_jump: CALLBACK_TYPE | None = None
        self._jump_day: date | None = None
        self._last_day = played_on
        self._on_played = on_played

    @property
    def at(self) -> time:
        """Local wall time, for the entities showing the chime."""
        return self._at

    @property
    def weekdays(self) -> tuple[str, ...]:
        """Chosen weekdays in WEEKDAYS order, as stored in the config entry."""
        return tuple(
            name for number, name in enumerate(WEEKDAYS) if number in self._days
        )

    @callback
    def async_start(self) -> None:
        """Arm the listeners; a chime without weekdays needs none."""
        if self._started:
            return
        self._started = True
        if not self._days:
            return
        # Hour, minute and second all set: a field left None matches every value.
        self._unsub_trigger = async_track_time_change(
            self._hass,
            self._async_trigger_fired,
            hour=self._at.hour,
            minute=self._at.minute,
            second=self._at.second,
        )
        self._async_arm_clock_jump(dt_util.utcnow())

    @callback
    def async_stop(self) -> None:
        """Remove every listener armed, so an unload leaves no timer behind."""
        self._started = False
        if self._unsub_trigger is not None:
            self._unsub_trigger()
            self._unsub_trigger = None
        self._async_cancel_clock_jump()

    @callback
    def async_update(
        self, *, at: time | None = None, weekdays: Iterable[str] | None = None
    ) -> None:
        """Reschedule at once; a changed chime may play again the same day."""
        new_at = self._at if at is None else _wall_time(at)
        new_days = self._days if weekdays is None else _weekday_numbers(weekdays)
        if new_at == self._at and new_days == self._days:
            return
        started = self._started
        self.async_stop()
        self._at, self._days = new_at, new_days
        self._last_day = None
        if started:
            self.async_start()

    def next_fire(self, now: datetime | None = None) -> datetime | None:
        """Tell the local time of the next play, for a "Next chime" sensor."""
        local_now = dt_util.as_local(now) if now is not None else dt_util.now()
        fire = _next_fire(self._at, self._days, local_now)
        return None if fire is None else fire.when

    @callback
    def _async_trigger_fired(self, now: datetime) -> None:
        """Play on due days, once, when Home Assistant's trigger fires."""
        now = dt_util.as_local(now)
        self._async_arm_clock_jump(now)
        day = now.date()
        if day.weekday() not in self._days:
            return
        wall = datetime.combine(day, self._at, tzinfo=now.tzinfo)
        if _ambiguous(wall) and now.timestamp() >= wall.replace(fold=1).timestamp():
            LOGGER.debug("Chime at %s already played in the repeated hour", self._at)
            return
        self._async_play(day, now)

    @callback
    def _async_clock_jumped(self, utc_now: datetime) -> None:
        """Play the chime whose time the clock skipped."""
        self._unsub_jump = None
        day = self._jump_day
        self._async_arm_clock_jump(utc_now + timedelta(seconds=1))
        if day is not None:
            LOGGER.debug("Clock skipped %s on %s, chiming now", self._at, day)
            self._async_play(day, dt_util.as_local(utc_now))

    @callback
    def _async_arm_clock_jump(self, now: datetime) -> None:
        """Cover the next play if its time does not exist that day.

        Home Assistant's trigger fires every day the time exists, and each
        firing re-arms this, so looking at the next play alone never misses one.
        """
        self._async_cancel_clock_jump()
        fire = _next_fire(self._at, self._days, dt_util.as_local(now))
        if fire is None or not fire.at_clock_jump:
            return
        self._jump_day = fire.day
        self._unsub_jump = async_track_point_in_utc_time(
            self._hass, self._async_clock_jumped, fire.when
        )

    @callback
    def _async_cancel_clock_jump(self) -> None:
        """Drop the one-off timer, if armed."""
        if self._unsub_jump is not None:
            self._unsub_jump()
            self._unsub_jump = None
        self._jump_day = None

    @callback
    def _async_play(self, day: date, now: datetime) -> None:
        """Run the action once per local date.

        A coroutine runs as a tracked task, so shutdown waits for a chime to
        finish and its zones to be restored; a @callback runs in the loop.
        """
        if day == self._last_day:
            LOGGER.debug("Chime at %s already played on %s", self._at, day)
            return
        self._last_day = day
        if self._on_played is not None:
            self._on_played(day)
        self._hass.async_run_hass_job(self._job, now)
