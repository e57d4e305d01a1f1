"""Chime schedules: one point-in-time timer per time of a chime, by the DST rule.

A chime plays at each of its wall-clock times in the instance's time zone, on
the weekdays chosen (none: never), each time at most once per local date. Its timer is armed
at the instant the rule below gives for its next play, and armed again for the
play after that when it fires. Daylight saving time:

- Spring forward: a chime whose time falls in the skipped hour plays once, at
  the moment the clock jumps (Europe/Berlin, last Sunday of March: 02:30 plays
  at 03:00:00). That instant is the timer's: the chime is never lost silently.
- Fall back: a chime whose time falls in the repeated hour plays once, at the
  first occurrence (still summer time; Europe/Berlin, last Sunday of October:
  02:30 plays at 02:30 CEST). The second occurrence is never an instant the
  rule gives, so no timer is ever armed for it.
- A clock (clock.py) strikes the hours its clock shows: a time in the skipped
  hour is not rung at all (at 03:00 it strikes three, not two then three).
  In the repeated hour it rings once, as any chime.

The date a chime last played for is kept over a restart (HouseholdSchedules,
in a Store): a clock turned back after a restart (a clock restored from its
last saved time before it synchronises) shows the time again, and the chime
still plays once that date.

A schedule may also call a second action a lead time before each play (at
once when the play is nearer than that), so that the chime gets ready for it.

The schedule knows nothing of Sonos, nor of a chime being disabled or the
household being quiet: the action checks that when it is called.
"""

from collections.abc import Callable, Coroutine, Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
import math
from typing import Any, Final, NamedTuple

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .chime_config import ChimeConfig
from .const import CLOCK_OFF, DOMAIN, LOGGER
from .data import SonosChimeConfigEntry

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Today plus a full week reaches every weekday, also today's after its time;
# one more day for a date already played.
_SEARCH_DAYS: Final = 9

PLAYED_STORE_VERSION: Final = 1
PLAYED_STORE_MINOR_VERSION: Final = 2

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
    """Whole seconds, no time zone: a chime's time is a wall-clock second."""
    if at.tzinfo is not None:
        raise ValueError(f"Chime time {at} must be a local wall time, without tzinfo")
    return at.replace(microsecond=0, fold=0)


def _exists(wall: datetime) -> bool:
    """Whether the wall time is shown on the clock at all (not skipped forward)."""
    back = wall.astimezone(UTC).astimezone(wall.tzinfo)
    return back.replace(tzinfo=None) == wall.replace(tzinfo=None)


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


def _next_fire(
    at: time,
    days: frozenset[int],
    now: datetime,
    played: date | None = None,
    *,
    skip_jumped: bool = False,
) -> _Fire | None:
    """Apply the DST rule day by day, from now's local date on.

    A date already played for is passed over, whatever its time, and so is
    one whose clock skips the time, with skip_jumped.
    """
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now}")
    if not days:
        return None
    for offset in range(_SEARCH_DAYS):
        day = now.date() + timedelta(days=offset)
        if day.weekday() not in days or day == played:
            continue
        # fold=0 is the first occurrence of an ambiguous time.
        wall = datetime.combine(day, at, tzinfo=now.tzinfo)
        jumped = not _exists(wall)
        if jumped and skip_jumped:
            continue
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
        skip_jumped: bool = False,
        prepare: Callable[[datetime], None] | None = None,
        lead: timedelta = timedelta(0),
    ) -> None:
        """Keep the chime; nothing is armed before async_start.

        played_on is the local date it already played for, as on_played was
        told before a restart. skip_jumped: a clock's, not rung when skipped.
        """
        self._skip_jumped = skip_jumped
        # A @callback told the local time of the next play, lead before it.
        self._prepare = prepare
        self._lead = lead
        self._unsub_prepare: CALLBACK_TYPE | None = None
        self._hass = hass
        self._at = _wall_time(at)
        self._days = _weekday_numbers(weekdays)
        self._job: HassJob[[datetime], Coroutine[Any, Any, None] | None] = HassJob(
            action, "sonos_chime scheduled chime"
        )
        self._started = False
        self._fire: _Fire | None = None
        self._unsub_timer: CALLBACK_TYPE | None = None
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
        """Arm the timer; a chime without weekdays needs none."""
        if self._started:
            return
        self._started = True
        self._async_arm(dt_util.utcnow())

    @callback
    def async_stop(self) -> None:
        """Cancel the timer, so an unload leaves none behind."""
        self._started = False
        self._fire = None
        if self._unsub_timer is not None:
            self._unsub_timer()
            self._unsub_timer = None
        if self._unsub_prepare is not None:
            self._unsub_prepare()
            self._unsub_prepare = None

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

    def next_fire(self) -> datetime | None:
        """The local time of the next play, for a "Next chime" sensor.

        Once started, that is the instant the timer is armed for.
        """
        if self._started:
            return None if self._fire is None else self._fire.when
        fire = _next_fire(
            self._at,
            self._days,
            dt_util.now(),
            self._last_day,
            skip_jumped=self._skip_jumped,
        )
        return None if fire is None else fire.when

    @callback
    def _async_arm(self, now: datetime) -> None:
        """Arm the one timer for the next play from now on, if there is one."""
        self._fire = _next_fire(
            self._at,
            self._days,
            dt_util.as_local(now),
            self._last_day,
            skip_jumped=self._skip_jumped,
        )
        if self._fire is None:
            return
        self._unsub_timer = async_track_point_in_utc_time(
            self._hass, self._async_fired, self._fire.when
        )
        if self._prepare is None:
            return
        ahead = self._fire.when - self._lead
        if ahead.timestamp() > now.timestamp():
            self._unsub_prepare = async_track_point_in_utc_time(
                self._hass, self._async_prepare, ahead
            )
        else:
            self._async_prepare(now)

    @callback
    def _async_prepare(self, _point: datetime) -> None:
        """The next play is a lead time away, or nearer: get ready for it."""
        self._unsub_prepare = None
        if self._prepare is not None and self._fire is not None:
            self._prepare(dt_util.as_local(self._fire.when))

    @callback
    def _async_fired(self, point: datetime) -> None:
        """Arm the next play, then play for the date this timer was armed for.

        Armed first, so the action already sees the next play. A coroutine
        runs as a tracked task, so shutdown waits for a chime to finish and
        its zones to be restored; a @callback runs in the loop.
        """
        fire, self._fire, self._unsub_timer = self._fire, None, None
        if fire is None:
            return
        if self._unsub_prepare is not None:  # a timer late enough to overtake it
            self._unsub_prepare()
            self._unsub_prepare = None
        self._last_day = fire.day
        # From now, not from the firing: a clock that leapt ahead does not
        # replay every chime it leapt over.
        self._async_arm(max(dt_util.utcnow(), point))
        if fire.at_clock_jump:
            LOGGER.debug("Clock skipped %s on %s, chiming now", self._at, fire.day)
        if self._on_played is not None:
            self._on_played(fire.day)
        self._hass.async_run_hass_job(self._job, dt_util.as_local(point))


class _PlayedStore(Store[dict[str, Any]]):
    """1.2 keeps a date per time of each chime; 1.1 kept one, with its time."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        if old_minor_version < PLAYED_STORE_MINOR_VERSION:
            chimes = old_data.get("chimes") or {}
            old_data = {
                "chimes": {
                    chime_id: {str(record["time"]): str(record["date"])}
                    for chime_id, record in chimes.items()
                    if isinstance(record, dict) and {"date", "time"} <= set(record)
                }
            }
        return old_data


def played_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """The local date each chime of a household last played for, by time."""
    return _PlayedStore(
        hass,
        PLAYED_STORE_VERSION,
        f"{DOMAIN}.{entry_id}.played",
        minor_version=PLAYED_STORE_MINOR_VERSION,
    )


class HouseholdSchedules:
    """A household's armed chimes, one schedule per time of day of each.

    Each time plays once per local date ("once per scheduled time"). The
    date each last played for is kept by its time over a restart: a chime
    moved to another time may play again that day, as without a restart.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SonosChimeConfigEntry,
        action: Callable[[str, time, datetime], None],
        *,
        prepare: Callable[[str, time, datetime], None] | None = None,
        lead: timedelta = timedelta(0),
    ) -> None:
        """Call action, a @callback, when a chime is due.

        It gets the chime's subentry id, the time of day that is due (a
        clock rings what that time calls for), and the local time it fired.
        prepare, also a @callback, gets the same lead before each play, with
        the local time the play is due.
        """
        self._prepare = prepare
        self._lead = lead
        self._hass = hass
        self._entry = entry
        self._action = action
        self._store = played_store(hass, entry.entry_id)
        self._schedules: dict[str, dict[time, ChimeSchedule]] = {}
        # Per chime: the local date each of its times last played for.
        self._played: dict[str, dict[str, str]] = {}

    async def async_load(self, chime_ids: Iterable[str]) -> None:
        """Read what played before the restart, for chimes that still exist."""
        stored = await self._store.async_load() or {}
        chimes = set(chime_ids)
        self._played = {
            chime_id: {str(at): str(day) for at, day in record.items()}
            for chime_id, record in (stored.get("chimes") or {}).items()
            if chime_id in chimes and isinstance(record, dict)
        }

    def next_fire(self, chime_id: str) -> datetime | None:
        """When the chime plays next, at any of its times; None when not armed."""
        fires = [
            fire
            for schedule in self._schedules.get(chime_id, {}).values()
            if (fire := schedule.next_fire()) is not None
        ]
        return min(fires, default=None)

    @callback
    def async_arm(self, chime_id: str, config: ChimeConfig) -> None:
        """Arm one chime at each of its times; a bad weekday stays logged."""
        if chime_id in self._schedules:
            return
        schedules: dict[time, ChimeSchedule] = {}
        try:
            for at in config.times():
                schedules[at] = ChimeSchedule(
                    self._hass,
                    at=at,
                    weekdays=config.weekdays,
                    action=partial(self._action, chime_id, at),
                    played_on=self._played_on(chime_id, at),
                    on_played=partial(self._async_played, chime_id, at),
                    skip_jumped=config.clock != CLOCK_OFF,
                    prepare=None
                    if self._prepare is None
                    else partial(self._prepare, chime_id, at),
                    lead=self._lead,
                )
        except (TypeError, ValueError) as err:
            LOGGER.error("Chime %s cannot be scheduled: %s", config.name, err)
            return
        for schedule in schedules.values():
            schedule.async_start()
        self._schedules[chime_id] = schedules

    @callback
    def async_disarm(self, chime_id: str) -> None:
        """Stop one chime; its played dates stay for when it is armed again."""
        for schedule in self._schedules.pop(chime_id, {}).values():
            schedule.async_stop()

    @callback
    def async_stop(self) -> None:
        """Leave no timer behind."""
        for chime_id in list(self._schedules):
            self.async_disarm(chime_id)

    @callback
    def async_move(self, chime_id: str, config: ChimeConfig) -> None:
        """Its times changed: at a new one the chime may play again today."""
        times = {at.replace(microsecond=0).isoformat() for at in config.times()}
        played = self._played.get(chime_id, {})
        if kept := {at: day for at, day in played.items() if at in times}:
            self._played[chime_id] = kept
        else:
            self._played.pop(chime_id, None)
        if kept != played:
            self._async_save()
        if chime_id in self._schedules:
            self.async_disarm(chime_id)
            self.async_arm(chime_id, config)

    def _played_on(self, chime_id: str, at: time) -> date | None:
        """The date this time of the chime played for before a restart."""
        record = self._played.get(chime_id) or {}
        try:
            return date.fromisoformat(record[at.replace(microsecond=0).isoformat()])
        except KeyError, TypeError, ValueError:
            return None

    @callback
    def _async_played(self, chime_id: str, at: time, day: date) -> None:
        """Keep the date over a restart: the clock may show the time again."""
        if at not in self._schedules.get(chime_id, {}):
            return
        self._played.setdefault(chime_id, {})[at.isoformat()] = day.isoformat()
        self._async_save()

    @callback
    def _async_save(self) -> None:
        """Saved as a task of the entry, so a reload reads it back."""
        data = {"chimes": {key: dict(value) for key, value in self._played.items()}}
        self._entry.async_create_task(
            self._hass, self._store.async_save(data), f"{DOMAIN} save played dates"
        )
