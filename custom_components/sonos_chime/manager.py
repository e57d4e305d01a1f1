"""A household's chimes at run time: schedules, switches and results.

Every chime, whether scheduled, pressed or asked for by the action, goes
through ChimeManager.async_play: that is where the zone switches apply, where
the result is kept for the entities and where the event is fired. What it
finds wrong it hands to HouseholdRepairs (issues.py) to raise as issues.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import partial
from typing import Any, Final, Literal

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import (
    CONF_ALL_ZONES,
    CONF_ENABLED,
    CONF_MEDIA,
    CONF_NAME,
    CONF_TIME,
    CONF_TV,
    CONF_VOLUME,
    CONF_WEEKDAYS,
    CONF_ZONE_UID,
    CONF_ZONES,
    DOMAIN,
    EVENT_CHIME_PLAYED,
    LOGGER,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from .data import SonosChimeConfigEntry
from .engine import (
    ChimeEngine,
    ChimeRequest,
    ChimeResult,
    HouseholdInfo,
    TvMode,
    Zone,
)
from .guard import async_get_guard
from .helpers import translate_chime_errors
from .issues import HouseholdRepairs
from .media import async_resolve_media
from .recovery import ChimeRecordStore
from .schedule import ChimeSchedule

type Trigger = Literal["schedule", "button", "action"]

PLAYED_STORE_VERSION: Final = 1


def played_store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """The local date each chime of a household last played for, by time."""
    return Store(hass, PLAYED_STORE_VERSION, f"{DOMAIN}.{entry_id}.played")


@dataclass(frozen=True, slots=True)
class ChimeConfig:
    """A chime subentry's data, parsed once and checked."""

    name: str
    media: str
    volume: int | None
    zones: tuple[str, ...]
    at: time
    weekdays: tuple[str, ...]
    tv: TvMode
    enabled: bool

    @classmethod
    def from_subentry(cls, subentry: ConfigSubentry) -> ChimeConfig:
        """Raise ValueError (or KeyError) on data no flow would have stored."""
        data = subentry.data
        volume = data.get(CONF_VOLUME)
        if volume is not None and not 0 <= int(volume) <= 100:
            raise ValueError(f"Volume {volume} is out of range")
        return cls(
            name=data.get(CONF_NAME) or subentry.title,
            media=data[CONF_MEDIA],
            volume=None if volume is None else int(volume),
            zones=tuple(data.get(CONF_ZONES) or ()),
            at=time.fromisoformat(data[CONF_TIME]),
            weekdays=tuple(data.get(CONF_WEEKDAYS) or ()),
            tv=TvMode(data.get(CONF_TV, TvMode.SKIP)),
            enabled=bool(data.get(CONF_ENABLED, True)),
        )


def _config_snapshot(entry: SonosChimeConfigEntry) -> dict[str, Any]:
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


class ChimeManager:
    """Runs one household's chimes; entities read and steer it."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SonosChimeConfigEntry,
        engine: ChimeEngine,
        household: HouseholdInfo,
    ) -> None:
        """Nothing runs before async_start."""
        self.hass = hass
        self.entry = entry
        self.engine = engine
        self.household = household
        # Held back scheduled chimes; set by the Quiet switch.
        self.quiet = False
        # The household's device, which zone and chime devices hang from.
        self.household_device_id: str | None = None
        self._disabled_zones: set[str] = set()
        self._schedules: dict[str, ChimeSchedule] = {}
        self._fired_at: dict[str, datetime] = {}
        self._last_result: dict[str, dict[str, Any]] = {}
        self._last_played: dict[str, datetime] = {}
        # Per chime: the date it last played for and at which time, as stored.
        self._played: dict[str, dict[str, str]] = {}
        self._store = played_store(hass, entry.entry_id)
        # What the chime under way will restore, kept where a crash cannot reach.
        self.records = ChimeRecordStore(hass, entry.entry_id)
        self.repairs = HouseholdRepairs(hass, entry)
        self._listeners: list[CALLBACK_TYPE] = []
        self._unsub_media_check: CALLBACK_TYPE | None = None
        self._known_config = _config_snapshot(entry)

    # ------------------------------------------------------------- config
    @callback
    def config_changed(self) -> bool:
        """Whether options or subentries changed other than by our entities."""
        return _config_snapshot(self.entry) != self._known_config

    def chime_zones(self) -> list[Zone]:
        """The zones chimes play on: all of them, or those added as zones."""
        if self.entry.options.get(CONF_ALL_ZONES, False):
            zones: Iterable[Zone] = self.household.zones
        else:
            configured = self._zone_subentries()
            zones = (zone for zone in self.household.zones if zone.uid in configured)
        return sorted(zones, key=lambda zone: zone.name.casefold())

    def zone_subentry_id(self, uid: str) -> str | None:
        """The zone subentry that added this zone, if one did."""
        subentry = self._zone_subentries().get(uid)
        return None if subentry is None else subentry.subentry_id

    def chime_subentries(self) -> list[ConfigSubentry]:
        """Every chime of the household."""
        return self.entry.get_subentries_of_type(SUBENTRY_CHIME)

    def chime_config(self, subentry_id: str) -> ChimeConfig | None:
        """The chime's settings; None when the subentry is gone or unreadable."""
        subentry = self.entry.subentries.get(subentry_id)
        if subentry is None or subentry.subentry_type != SUBENTRY_CHIME:
            return None
        try:
            return ChimeConfig.from_subentry(subentry)
        except KeyError, TypeError, ValueError:
            return None

    def _chime_configs(self) -> Iterator[tuple[str, ChimeConfig]]:
        """Every chime with readable settings, each read when it is reached."""
        for subentry in self.chime_subentries():
            config = self.chime_config(subentry.subentry_id)
            if config is not None:
                yield subentry.subentry_id, config

    def _zone_subentries(self) -> dict[str, ConfigSubentry]:
        """Zone subentries by the uid of their zone."""
        return {
            subentry.data[CONF_ZONE_UID]: subentry
            for subentry in self.entry.get_subentries_of_type(SUBENTRY_ZONE)
            if CONF_ZONE_UID in subentry.data
        }

    # ------------------------------------------------------------ lifecycle
    async def async_setup(self) -> None:
        """Put back a chime cut short; read what played; raise the issues seen."""
        async with async_get_guard(self.hass).hold(
            self.household.household_id, self.engine.busy_timeout
        ):
            await self.records.async_recover(self.engine, self.household.household_id)
        stored = await self._store.async_load() or {}
        chimes = {subentry.subentry_id for subentry in self.chime_subentries()}
        self._played = {
            chime_id: record
            for chime_id, record in (stored.get("chimes") or {}).items()
            if chime_id in chimes and isinstance(record, dict)
        }
        self.repairs.async_check_zones(
            present={zone.uid for zone in self.household.zones},
            configured=self._zone_subentries(),
            chime_zones={zone.uid for zone in self.chime_zones()},
            chimes={subentry.subentry_id for subentry in self.chime_subentries()},
        )
        await self.repairs.async_check_media(self._chime_configs())

    @callback
    def async_start(self) -> None:
        """Arm every enabled chime and the periodic look for missing media."""
        for subentry in self.chime_subentries():
            config = self.chime_config(subentry.subentry_id)
            if config is None:
                LOGGER.error(
                    "Chime %s has invalid settings and is not scheduled: %s",
                    subentry.title,
                    dict(subentry.data),
                )
                continue
            if config.enabled:
                self._async_start_schedule(subentry.subentry_id, config)
        self._unsub_media_check = self.repairs.async_start_media_checks(
            self._chime_configs
        )
        # The Next chime sensors were added before their schedules existed.
        self._async_notify()

    @callback
    def async_stop(self) -> None:
        """Leave no listener or timer behind."""
        for schedule in self._schedules.values():
            schedule.async_stop()
        self._schedules.clear()
        if self._unsub_media_check is not None:
            self._unsub_media_check()
            self._unsub_media_check = None

    @callback
    def _async_start_schedule(self, subentry_id: str, config: ChimeConfig) -> None:
        """Schedule one chime; a bad weekday stays logged, never raised."""
        try:
            schedule = ChimeSchedule(
                self.hass,
                at=config.at,
                weekdays=config.weekdays,
                action=partial(self._async_scheduled, subentry_id),
                played_on=self._played_on(subentry_id, config.at),
                on_played=partial(self._async_played, subentry_id),
            )
        except (TypeError, ValueError) as err:
            LOGGER.error("Chime %s cannot be scheduled: %s", config.name, err)
            return
        schedule.async_start()
        self._schedules[subentry_id] = schedule

    # ------------------------------------------------------------ listeners
    @callback
    def async_add_listener(self, update: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call update whenever a chime played or its schedule changed."""
        self._listeners.append(update)

        @callback
        def remove() -> None:
            self._listeners.remove(update)

        return remove

    @callback
    def _async_notify(self) -> None:
        for update in list(self._listeners):
            update()

    # ---------------------------------------------------------------- zones
    def zone_enabled(self, uid: str) -> bool:
        """Whether the zone's Chimes switch is on."""
        return uid not in self._disabled_zones

    @callback
    def async_set_zone_enabled(self, uid: str, enabled: bool) -> None:
        """Keep a zone out of every chime, or let it chime again."""
        if enabled:
            self._disabled_zones.discard(uid)
        else:
            self._disabled_zones.add(uid)

    # --------------------------------------------------------------- chimes
    def last_result(self, subentry_id: str) -> dict[str, Any] | None:
        """The chime's last per-zone result, since this entry was loaded.

        Also of a chime that played nowhere: its failures are worth seeing.
        """
        return self._last_result.get(subentry_id)

    def last_played(self, subentry_id: str) -> datetime | None:
        """When the chime last played on some zone, since this entry was loaded."""
        return self._last_played.get(subentry_id)

    def next_fire(self, subentry_id: str) -> datetime | None:
        """When the chime plays next; None when disabled or on no weekday."""
        schedule = self._schedules.get(subentry_id)
        if schedule is None:
            return None
        now = dt_util.utcnow()
        if (fired := self._fired_at.get(subentry_id)) is not None:
            # The trigger may run within the second it is due: that play is done.
            now = max(now, fired.replace(microsecond=0) + timedelta(seconds=1))
        return schedule.next_fire(now)

    @callback
    def async_set_chime_time(self, subentry_id: str, at: time) -> None:
        """Persist a new time and reschedule the chime at once, without a reload."""
        at = at.replace(microsecond=0, tzinfo=None)
        self._async_persist(subentry_id, CONF_TIME, at.isoformat())
        self._fired_at.pop(subentry_id, None)
        # At its new time the chime may play again today, as the schedule says.
        if self._played.pop(subentry_id, None) is not None:
            self._async_save_played()
        if (schedule := self._schedules.get(subentry_id)) is not None:
            schedule.async_update(at=at)
        self._async_notify()

    @callback
    def async_set_chime_enabled(self, subentry_id: str, enabled: bool) -> None:
        """Persist the switch and arm or disarm the chime, without a reload."""
        self._async_persist(subentry_id, CONF_ENABLED, enabled)
        if enabled and subentry_id not in self._schedules:
            if (config := self.chime_config(subentry_id)) is not None:
                self._async_start_schedule(subentry_id, config)
        elif not enabled and (schedule := self._schedules.pop(subentry_id, None)):
            schedule.async_stop()
            self._fired_at.pop(subentry_id, None)
        self._async_notify()

    @callback
    def _async_persist(self, subentry_id: str, key: str, value: Any) -> None:
        """Store one setting in the subentry, known to be ours (no reload).

        Only this key is marked as expected, so a change from the UI arriving
        at the same moment still reloads the entry.
        """
        subentry = self.entry.subentries[subentry_id]
        known = self._known_config["subentries"].get(subentry_id)
        if known is not None:
            known["data"][key] = value
        self.hass.config_entries.async_update_subentry(
            self.entry, subentry, data={**subentry.data, key: value}
        )

    def _played_on(self, subentry_id: str, at: time) -> date | None:
        """The date the chime played for before a restart, at this same time.

        Moved to another time, it may play again that day, as without a restart.
        """
        record = self._played.get(subentry_id) or {}
        if record.get("time") != at.replace(microsecond=0).isoformat():
            return None
        try:
            return date.fromisoformat(record["date"])
        except KeyError, TypeError, ValueError:
            return None

    @callback
    def _async_played(self, subentry_id: str, day: date) -> None:
        """Keep the date over a restart: the clock may show the time again."""
        if (schedule := self._schedules.get(subentry_id)) is None:
            return
        self._played[subentry_id] = {
            "date": day.isoformat(),
            "time": schedule.at.isoformat(),
        }
        self._async_save_played()

    @callback
    def _async_save_played(self) -> None:
        """Saved as a task of the entry, so a reload reads it back."""
        data = {"chimes": {key: dict(value) for key, value in self._played.items()}}
        self.entry.async_create_task(
            self.hass, self._store.async_save(data), f"{DOMAIN} save played dates"
        )

    @callback
    def _async_scheduled(self, subentry_id: str, now: datetime) -> None:
        """The schedule is due: play as a task the entry's unload waits for."""
        self._fired_at[subentry_id] = now
        self.entry.async_create_task(
            self.hass,
            self._async_play_scheduled(subentry_id),
            f"{DOMAIN} scheduled chime {subentry_id}",
        )
        self._async_notify()

    async def _async_play_scheduled(self, subentry_id: str) -> None:
        """Nobody waits for a scheduled chime: report trouble in the log."""
        try:
            await self.async_play_chime(subentry_id, trigger="schedule")
        except HomeAssistantError as err:
            subentry = self.entry.subentries.get(subentry_id)
            title = subentry.title if subentry else subentry_id
            LOGGER.warning("Scheduled chime %s did not play: %s", title, err)

    async def async_play_chime(
        self, subentry_id: str, *, trigger: Trigger
    ) -> ChimeResult | None:
        """Play a chime subentry on its zones.

        A scheduled play is held back while Quiet is on or the chime is
        disabled, and skipped when its file is gone; a manual play always
        runs. Returns None when held back.
        """
        subentry = self.entry.subentries.get(subentry_id)
        config = self.chime_config(subentry_id)
        if subentry is None or config is None:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="invalid_chime",
                translation_placeholders={
                    "chime": subentry.title if subentry else subentry_id
                },
            )
        if trigger == "schedule":
            if self.quiet:
                LOGGER.debug("Quiet: holding back chime %s", config.name)
                return None
            if not config.enabled:
                LOGGER.debug("Chime %s is disabled, not playing", config.name)
                return None

        try:
            media = await async_resolve_media(self.hass, config.media)
        except ServiceValidationError as err:
            if err.translation_key == "media_not_found":
                self.repairs.async_media_issue(subentry_id, config, missing=True)
            raise
        self.repairs.async_media_issue(subentry_id, config, missing=False)

        chime_zones = {zone.uid for zone in self.chime_zones()}
        if config.zones:
            targets = [uid for uid in config.zones if uid in chime_zones]
        else:
            targets = sorted(chime_zones)
        if not targets:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_chime_zones",
                translation_placeholders={"chime": config.name},
            )

        request = ChimeRequest(
            media_url=media.url,
            duration=media.duration,
            volume=config.volume,
            tv=config.tv,
            title=config.name,
        )
        return await self.async_play(
            request, trigger=trigger, chime_id=subentry_id, zone_uids=targets
        )

    async def async_play(
        self,
        request: ChimeRequest,
        *,
        trigger: Trigger,
        chime_id: str | None = None,
        zone_uids: Sequence[str] | None = None,
    ) -> ChimeResult:
        """Chime, keeping out every chime zone whose Chimes switch is off.

        zone_uids, when given, replaces the request's zone names with those of
        the zones as the household names them now. Raises translated errors
        only before any speaker was touched.
        """
        disabled = frozenset(
            zone.uid for zone in self.chime_zones() if not self.zone_enabled(zone.uid)
        )
        LOGGER.debug(
            "Chiming (%s) on %s: %s, zones %s, switched off %s",
            trigger,
            self.entry.title,
            request,
            zone_uids,
            sorted(disabled),
        )
        guard = async_get_guard(self.hass)
        with translate_chime_errors():
            async with guard.hold(
                self.household.household_id, self.engine.busy_timeout
            ):
                try:
                    result = await self.hass.async_add_executor_job(
                        self._chime,
                        request,
                        None if zone_uids is None else tuple(zone_uids),
                        disabled,
                    )
                finally:
                    await self.records.async_clear()
        self._async_record(result, trigger, chime_id)
        if failed := _failed_everywhere(result):
            # Every zone is back as it was; the chime itself played nowhere.
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="chime_failed_on_every_zone",
                translation_placeholders={"zones": failed},
            )
        return result

    def _chime(
        self,
        request: ChimeRequest,
        zone_uids: tuple[str, ...] | None,
        disabled: frozenset[str],
    ) -> ChimeResult:
        """Blocking part of async_play: chime zones by uid, switched-off ones kept out."""
        if zone_uids is not None:
            request = replace(request, zone_uids=zone_uids)
        return self.engine.chime(
            replace(request, exclude_uids=disabled), on_record=self.records.keep
        )

    @callback
    def _async_record(
        self, result: ChimeResult, trigger: Trigger, chime_id: str | None
    ) -> None:
        """Keep the result, follow unreachable zones, tell automations."""
        outcome = {"trigger": trigger, **result.as_dict()}
        chime = None
        if chime_id is not None and (subentry := self.entry.subentries.get(chime_id)):
            chime = subentry.title
            self._last_result[chime_id] = outcome
            if result.chimed:
                self._last_played[chime_id] = result.started_at
        self.repairs.async_follow_reachability(
            result, {zone.uid for zone in self.chime_zones()}
        )
        self.hass.bus.async_fire(
            EVENT_CHIME_PLAYED,
            {
                "entry_id": self.entry.entry_id,
                "household": self.household.household_id,
                "chime": chime,
                "chime_id": chime_id,
                **outcome,
            },
        )
        self._async_notify()


def _failed_everywhere(result: ChimeResult) -> str | None:
    """The failed zones and why, when no zone chimed and some failed.

    Zones skipped on purpose are no failure: a chime that only skipped is fine.
    """
    if result.chimed or not result.failed:
        return None
    return ", ".join(
        zone.zone if zone.reason is None else f"{zone.zone} ({zone.reason})"
        for zone in sorted(result.failed, key=lambda zone: zone.zone.casefold())
    )
