"""Clock chimes: which times a clock strikes at, and what it rings at each.

A clock chime strikes every full hour from its time (the first hour) to its
last hour: at N o'clock (12-hour) its media N times, one chime. With the
Westminster quarters, the quarter tune rings at :15, :30 and :45 between, and
the full tune before the strikes, as on Big Ben. The rules live here, so the
form, the stored data and the Time entity refuse the same things.
"""

from dataclasses import dataclass
from datetime import time
from typing import Final

from .const import CLOCK_OFF, CLOCK_QUARTERS

# The shipped Westminster tunes (media/generate.py), by the minute they ring.
QUARTER_MEDIA: Final = {
    15: "westminster.mp3",
    30: "westminster_half.mp3",
    45: "westminster_three_quarters.mp3",
}
HOUR_MEDIA: Final = "westminster_hour.mp3"
# What a new clock chime strikes with.
STRIKE_MEDIA: Final = "clock_strike.mp3"
MAX_STRIKES: Final = 12


def strikes(hour: int) -> int:
    """How many times a 12-hour clock strikes at this hour (0-23)."""
    return hour % 12 or 12


@dataclass(frozen=True, slots=True)
class ClockRing:
    """What a clock chime plays at one of its times."""

    # A shipped Westminster tune first, if any.
    tune: str | None
    # Then the chime's media this many times.
    strikes: int


def clock_error(
    clock: str, at: time, until: time | None, *, more_times: bool, repeat: bool
) -> str | None:
    """Why these settings make no clock, as a translation key; None when they do.

    A clock strikes full hours only: its time and last hour are whole hours,
    the last one later the same day, and it has no other times of its own.
    """
    if clock == CLOCK_OFF:
        return None
    if (at.minute, at.second) != (0, 0):
        return "clock_full_hour"
    if until is None:
        return "clock_until_missing"
    if (until.minute, until.second) != (0, 0):
        return "clock_until_full_hour"
    if until <= at:
        return "clock_until_before"
    if more_times or repeat:
        return "clock_and_times"
    return None


def clock_times(clock: str, first: time, last: time) -> tuple[time, ...]:
    """Every time the clock rings at, in order: hours, and quarters between."""
    found: list[time] = []
    for hour in range(first.hour, last.hour + 1):
        found.append(time(hour))
        if clock == CLOCK_QUARTERS and hour < last.hour:
            found.extend(time(hour, minute) for minute in QUARTER_MEDIA)
    return tuple(found)


def clock_ring(clock: str, at: time) -> ClockRing:
    """What rings at a time: the hour struck, or the quarter's tune.

    Any time that is not a quarter strikes the hour it falls in (Play now).
    """
    if clock == CLOCK_QUARTERS and at.minute in QUARTER_MEDIA and at.second == 0:
        return ClockRing(QUARTER_MEDIA[at.minute], 0)
    tune = HOUR_MEDIA if clock == CLOCK_QUARTERS else None
    return ClockRing(tune, strikes(at.hour))
