"""A household's quiet hours: a daily window in which scheduled chimes keep quiet.

Read from the entry's options. A window may cross midnight (22:00-07:00).
Times are wall-clock times in Home Assistant's time zone, so a window keeps
its hours across daylight saving changes.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from typing import Any, Self

from .const import CONF_NIGHT_VOLUME, CONF_QUIET_END, CONF_QUIET_START
from .engine import ChimeRequest


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From start until end, every day; night_volume for chimes that play on."""

    start: time
    end: time
    night_volume: int | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Self | None:
        """The household's window, or None when it has none."""
        start, end = options.get(CONF_QUIET_START), options.get(CONF_QUIET_END)
        if not start or not end:
            return None
        volume = options.get(CONF_NIGHT_VOLUME)
        return cls(
            start=time.fromisoformat(start),
            end=time.fromisoformat(end),
            night_volume=None if volume is None else int(volume),
        )

    def active(self, now: datetime) -> bool:
        """Whether the local wall-clock time now lies in the window."""
        at = now.time().replace(tzinfo=None)
        if self.start <= self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end

    def next_change(self, now: datetime) -> datetime:
        """The next moment the window opens or closes, after now (local)."""
        moments = [
            datetime.combine(now.date() + timedelta(days=days), at, now.tzinfo)
            for days in (0, 1)
            for at in (self.start, self.end)
        ]
        return min(moment for moment in moments if moment > now)

    def quieten(self, request: ChimeRequest) -> ChimeRequest:
        """The chime as it plays in these hours: at the night volume, if set."""
        if self.night_volume is None:
            return request
        return replace(
            request,
            volume=self.night_volume,
            zone_volumes={},
            volume_offset=None,
            volume_range=(0, 100),
        )

    def describe(self) -> str:
        """22:00-07:00, as the UI and messages show it."""
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
