"""A household's configuration: its chimes and chime zones, as the entry holds them.

ChimeConfig is a chime's settings as a value, read once and checked, so the
manager, the schedules and the repair issues never handle raw subentry data.
HouseholdConfig reads the entry for them, and writes back what the Time and
Enabled entities change, marked as known so that it reloads nothing.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigSubentry
from homeassistant.core import HomeAssistant, callback

from .clock import clock_error, clock_times
from .const import (
    CLOCK_CHOICES,
    CLOCK_OFF,
    CONF_ALL_ZONES,
    CONF_CLOCK,
    CONF_CLOCK_UNTIL,
    CONF_ENABLED,
    CONF_MEDIA,
    CONF_MESSAGE,
    CONF_MODE,
    CONF_MORE_TIMES,
    CONF_NAME,
    CONF_ONLY_OCCUPIED,
    CONF_QUIET_HOURS,
    CONF_REPEAT_MINUTES,
    CONF_REPEAT_UNTIL,
    CONF_TIME,
    CONF_TTS_ENGINE,
    CONF_TV,
    CONF_VOLUME,
    CONF_VOLUME_MAX,
    CONF_VOLUME_MIN,
    CONF_VOLUME_OFFSET,
    CONF_WEEKDAYS,
    CONF_ZONE_UID,
    CONF_ZONE_VOLUMES,
    CONF_ZONES,
    QUIET_CHOICES,
    QUIET_HOLD,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from .data import SonosChimeConfigEntry
from .engine import ChimeMode, HouseholdInfo, TvMode, Zone
from .volume_rules import check_volume_rules


@dataclass(frozen=True, slots=True)
class ChimeConfig:
    """A chime subentry's data, parsed once and checked."""

    name: str
    media: str
    volume: int | None
    # The uids of the zones it plays on; none: every chime zone.
    zone_uids: tuple[str, ...]
    at: time
    weekdays: tuple[str, ...]
    tv: TvMode
    enabled: bool
    mode: ChimeMode = ChimeMode.INTERRUPT
    # Spoken after the chime, by this text-to-speech engine (None: the default).
    message: str | None = None
    tts_engine: str | None = None
    # Room volumes (see ChimeRequest): by zone uid, or own volume plus offset.
    zone_volumes: dict[str, int] = field(default_factory=dict)
    volume_offset: int | None = None
    volume_range: tuple[int, int] = (0, 100)
    # In the household's quiet hours: QUIET_HOLD or QUIET_NIGHT_VOLUME.
    quiet_hours: str = QUIET_HOLD
    # Only zones whose area is occupied, where a sensor there tells.
    only_occupied: bool = False
    # More times of day; a repeat every N minutes from at until repeat_until.
    more_times: tuple[time, ...] = ()
    repeat_minutes: int | None = None
    repeat_until: time | None = None
    # A clock (clock.py): CLOCK_HOURS or CLOCK_QUARTERS, from at to clock_until.
    clock: str = CLOCK_OFF
    clock_until: time | None = None

    def times(self) -> tuple[time, ...]:
        """Every time of day it plays at, in order, each once."""
        if self.clock != CLOCK_OFF and self.clock_until is not None:
            return clock_times(self.clock, self.at, self.clock_until)
        found = {self.at, *self.more_times}
        if self.repeat_minutes and self.repeat_until is not None:
            moment = datetime.combine(date.min, self.at)
            last = datetime.combine(date.min, self.repeat_until)
            while (moment := moment + timedelta(minutes=self.repeat_minutes)) <= last:
                found.add(moment.time())
        return tuple(sorted(found))

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> ChimeConfig:
        """Raise ValueError (or KeyError) on data no flow would have stored."""
        data = subentry.data
        volume = data.get(CONF_VOLUME)
        zone_volumes = {
            str(uid): int(level)
            for uid, level in (data.get(CONF_ZONE_VOLUMES) or {}).items()
        }
        offset = data.get(CONF_VOLUME_OFFSET)
        volume_range = (
            int(data.get(CONF_VOLUME_MIN, 0)),
            int(data.get(CONF_VOLUME_MAX, 100)),
        )
        check_volume_rules(
            None if volume is None else int(volume),
            zone_volumes,
            None if offset is None else int(offset),
            *volume_range,
        )
        config = cls(
            name=data[CONF_NAME],
            media=data[CONF_MEDIA],
            volume=None if volume is None else int(volume),
            zone_uids=tuple(data[CONF_ZONES]),
            at=time.fromisoformat(data[CONF_TIME]),
            weekdays=tuple(data.get(CONF_WEEKDAYS) or ()),
            tv=TvMode(data[CONF_TV]),
            enabled=bool(data[CONF_ENABLED]),
            mode=ChimeMode(data[CONF_MODE]),
            message=data.get(CONF_MESSAGE) or None,
            tts_engine=data.get(CONF_TTS_ENGINE) or None,
            zone_volumes=zone_volumes,
            volume_offset=None if offset is None else int(offset),
            volume_range=volume_range,
            quiet_hours=_choice(data[CONF_QUIET_HOURS], QUIET_CHOICES),
            only_occupied=bool(data[CONF_ONLY_OCCUPIED]),
            more_times=tuple(
                time.fromisoformat(value) for value in data.get(CONF_MORE_TIMES) or ()
            ),
            repeat_minutes=_repeat(data.get(CONF_REPEAT_MINUTES)),
            repeat_until=None
            if not data.get(CONF_REPEAT_UNTIL)
            else time.fromisoformat(data[CONF_REPEAT_UNTIL]),
            clock=_choice(data.get(CONF_CLOCK, CLOCK_OFF), CLOCK_CHOICES),
            clock_until=None
            if not data.get(CONF_CLOCK_UNTIL)
            else time.fromisoformat(data[CONF_CLOCK_UNTIL]),
        )
        if error := config.clock_error():
            raise ValueError(f"Not a clock: {error}")
        return config

    def clock_error(self) -> str | None:
        """Why its clock settings make no clock (a translation key), if they do not."""
        return clock_error(
            self.clock,
            self.at,
            self.clock_until,
            more_times=bool(self.more_times),
            repeat=self.repeat_minutes is not None,
        )


def chime_data_1_3(subentry: ConfigSubentry) -> dict[str, Any]:
    """A chime stored before 1.3, with every setting a chime always has.

    Settings added since took the value that kept the chime as it was: a
    chime saved before modes existed interrupts, before quiet hours holds
    back in them, before Only where someone is plays everywhere.
    """
    return {
        CONF_NAME: subentry.title,
        CONF_ZONES: [],
        CONF_TV: TvMode.SKIP.value,
        CONF_ENABLED: True,
        CONF_MODE: ChimeMode.INTERRUPT.value,
        CONF_QUIET_HOURS: QUIET_HOLD,
        CONF_ONLY_OCCUPIED: False,
        **subentry.data,
    }


# A repeat more often than this would chime over itself.
MIN_REPEAT_MINUTES = 1
MAX_REPEAT_MINUTES = 720


def _repeat(value: Any) -> int | None:
    """Minutes between repeats, or None; ValueError out of range."""
    if value is None:
        return None
    minutes = int(value)
    if not MIN_REPEAT_MINUTES <= minutes <= MAX_REPEAT_MINUTES:
        raise ValueError(f"Repeat every {minutes} minutes is out of range")
    return minutes


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    """One of the choices; ValueError for anything else."""
    if value not in choices:
        raise ValueError(f"{value!r} is none of {choices}")
    return str(value)


def _snapshot(entry: SonosChimeConfigEntry) -> dict[str, Any]:
    """What a change from the UI would alter: options and subentries."""
    return {
        "options": dict(entry.options),
        "subentries": {
            subentry_id: {
                "type": subentry.subentry_type,
                "title": subentry.title,
                "unique_id": subentry.unique_id,
                "data": dict(subentry.data),
            }
            for subentry_id, subentry in entry.subentries.items()
        },
    }


def zone_subentries(entry: ConfigEntry) -> dict[str, ConfigSubentry]:
    """An entry's zone subentries by the uid of their zone: the zones added one by one."""
    return {
        subentry.data[CONF_ZONE_UID]: subentry
        for subentry in entry.get_subentries_of_type(SUBENTRY_ZONE)
        if CONF_ZONE_UID in subentry.data
    }


class HouseholdConfig:
    """Reads the entry at each call, so settings are never stale.

    Only a snapshot is kept, to tell the entities' own writes from the UI's.
    """

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SonosChimeConfigEntry,
        household: HouseholdInfo,
    ) -> None:
        """Remember the entry as set up, to tell UI changes from our own."""
        self.hass = hass
        self.entry = entry
        self.household = household
        self._known = _snapshot(entry)

    @callback
    def changed(self) -> bool:
        """Whether options or subentries changed other than by async_persist."""
        return _snapshot(self.entry) != self._known

    def chime_zones(self) -> list[Zone]:
        """The zones chimes play on: all of them, or those added as zones."""
        if self.entry.options.get(CONF_ALL_ZONES, False):
            zones: Iterable[Zone] = self.household.zones
        else:
            configured = self.zone_subentries()
            zones = (zone for zone in self.household.zones if zone.uid in configured)
        return sorted(zones, key=lambda zone: zone.name.casefold())

    def zone_subentries(self) -> dict[str, ConfigSubentry]:
        """Zone subentries by the uid of their zone."""
        return zone_subentries(self.entry)

    def chime_subentries(self) -> list[ConfigSubentry]:
        """Every chime of the household, readable or not."""
        return self.entry.get_subentries_of_type(SUBENTRY_CHIME)

    def chime(self, subentry_id: str) -> ChimeConfig | None:
        """The chime's settings; None when the subentry is gone or unreadable."""
        subentry = self.entry.subentries.get(subentry_id)
        if subentry is None or subentry.subentry_type != SUBENTRY_CHIME:
            return None
        try:
            return ChimeConfig.from_subentry(subentry)
        except KeyError, TypeError, ValueError:
            return None

    def chimes(self) -> Iterator[tuple[str, ChimeConfig]]:
        """Every chime with readable settings, each read when it is reached."""
        for subentry in self.chime_subentries():
            config = self.chime(subentry.subentry_id)
            if config is not None:
                yield subentry.subentry_id, config

    @callback
    def async_persist(self, subentry_id: str, key: str, value: Any) -> None:
        """Store one setting in a chime's subentry without a reload.

        Only this key is marked as expected, so a change from the UI arriving
        at the same moment still reloads the entry.
        """
        subentry = self.entry.subentries[subentry_id]
        known = self._known["subentries"].get(subentry_id)
        if known is not None:
            known["data"][key] = value
        self.hass.config_entries.async_update_subentry(
            self.entry, subentry, data={**subentry.data, key: value}
        )
