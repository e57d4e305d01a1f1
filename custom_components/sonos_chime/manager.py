"""A household's chimes at run time: the play path and its results.

Every chime, whether scheduled, pressed or asked for by the action, goes
through ChimeManager.async_play: that is where the zone switches apply, where
the result is kept for the entities and where the event is fired. The entry's
settings are read through HouseholdConfig (chime_config.py), the timers live
in HouseholdSchedules (schedule.py), what a scheduled chime gets ready before
its time in ChimesAhead (ahead.py), and what goes wrong is raised as issues
by HouseholdRepairs (issues.py). Entities hear of a change to their chime by
the dispatcher signal signal_chime_updated.
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Any, Final, Literal

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util
from homeassistant.util.signal_type import SignalType

from .ahead import PREPARE_AHEAD, ChimesAhead, Prepared, async_ready
from .chime_config import ChimeConfig, HouseholdConfig
from .chime_pieces import async_chime_pieces
from .const import (
    CONF_ENABLED,
    CONF_TIME,
    DOMAIN,
    EVENT_CHIME_PLAYED,
    LOGGER,
    QUIET_HOLD,
)
from .data import SonosChimeConfigEntry
from .engine import (
    ChimeEngine,
    ChimeRequest,
    ChimeResult,
    HouseholdInfo,
    Reason,
    Zone,
)
from .guard import async_get_guard
from .helpers import async_reason_words, translate_chime_errors
from .issues import HouseholdRepairs
from .occupancy import async_unoccupied
from .quiet_hours import QuietHours
from .recovery import ChimeRecordStore
from .schedule import HouseholdSchedules

type Trigger = Literal["schedule", "button", "action"]


@dataclass(frozen=True, slots=True)
class _Outcome:
    """Where a chime's result goes, and what it says about its message."""

    trigger: Trigger
    chime_id: str | None
    message: bool
    message_error: str | None


# Within Home Assistant's first stop stage (20 s): a restore takes seconds.
CUT_SHORT_TIMEOUT: Final = 15.0


def signal_chime_updated(entry_id: str, chime_id: str) -> SignalType[()]:
    """One signal per chime: a play or a schedule change redraws its entities only."""
    return SignalType(f"{DOMAIN}_{entry_id}_{chime_id}_updated")


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
        # Held back scheduled chimes; set by the Quiet switch.
        self._quiet = False
        # The household's device, which zone and chime devices hang from.
        self.household_device_id: str | None = None
        self.config = HouseholdConfig(hass, entry, household)
        self.schedules = HouseholdSchedules(
            hass,
            entry,
            self._async_scheduled,
            prepare=self._async_prepare,
            lead=PREPARE_AHEAD,
        )
        # What the chime under way will restore, kept where a crash cannot reach.
        self.records = ChimeRecordStore(hass, entry.entry_id)
        self.repairs = HouseholdRepairs(hass, entry)
        # What scheduled chimes got ready before their time.
        self.ahead = ChimesAhead(hass, entry, engine, self.repairs, self._chime_targets)
        # Why a zone was skipped or failed, in words of the user's language.
        self.reason_words: dict[str, str] = {}
        self._disabled_zones: set[str] = set()
        self._last_result: dict[str, dict[str, Any]] = {}
        self._last_played: dict[str, datetime] = {}
        self._unsub_media_check: CALLBACK_TYPE | None = None
        # Chimes under way: each finishes, and forgets its record, on its own.
        self._chimes: set[asyncio.Task[ChimeResult]] = set()

    # ------------------------------------------------------------- config
    @property
    def household(self) -> HouseholdInfo:
        """The topology the household reported at setup (held by the config)."""
        return self.config.household

    @callback
    def config_changed(self) -> bool:
        """Whether options or subentries changed other than by our entities."""
        return self.config.changed()

    def chime_zones(self) -> list[Zone]:
        """The zones chimes play on: all of them, or those added as zones."""
        return self.config.chime_zones()

    def zone_subentry_id(self, uid: str) -> str | None:
        """The zone subentry that added this zone, if one did."""
        subentry = self.config.zone_subentries().get(uid)
        return None if subentry is None else subentry.subentry_id

    def chime_subentries(self) -> list[ConfigSubentry]:
        """Every chime of the household."""
        return self.config.chime_subentries()

    def chime_config(self, subentry_id: str) -> ChimeConfig | None:
        """The chime's settings; None when the subentry is gone or unreadable."""
        return self.config.chime(subentry_id)

    # ------------------------------------------------------------ lifecycle
    async def async_setup(self) -> None:
        """Put back a chime cut short; read what played; raise the issues seen."""
        self.reason_words = await async_reason_words(self.hass)
        async with async_get_guard(self.hass).hold(self.household.household_id):
            await self.records.async_recover(self.engine, self.household.household_id)
        chimes = {subentry.subentry_id for subentry in self.chime_subentries()}
        await self.schedules.async_load(chimes)
        self.repairs.async_check_zones(
            present={zone.uid for zone in self.household.zones},
            configured=self.config.zone_subentries(),
            chime_zones={zone.uid for zone in self.chime_zones()},
            chimes=chimes,
        )
        await self.repairs.async_check_media(self.config.chimes())

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
                self.schedules.async_arm(subentry.subentry_id, config)
            # Its Next chime sensor was added before the schedule existed.
            self._async_updated(subentry.subentry_id)
        self._unsub_media_check = self.repairs.async_start_media_checks(
            self.config.chimes
        )

    @callback
    def async_stop(self) -> None:
        """Leave no timer behind."""
        self.schedules.async_stop()
        if self._unsub_media_check is not None:
            self._unsub_media_check()
            self._unsub_media_check = None

    @callback
    def _async_updated(self, chime_id: str) -> None:
        """Tell the chime's entities to write their state again."""
        async_dispatcher_send(
            self.hass, signal_chime_updated(self.entry.entry_id, chime_id)
        )

    @property
    def quiet_hours(self) -> QuietHours | None:
        """The household's quiet hours as set under Configure, if any."""
        return QuietHours.from_options(self.entry.options)

    def quiet_hours_now(self) -> QuietHours | None:
        """The household's quiet hours, when they are on now."""
        window = self.quiet_hours
        if window is None or not window.active(dt_util.now()):
            return None
        return window

    @property
    def quiet(self) -> bool:
        """Whether scheduled chimes are held back (the household's Quiet switch)."""
        return self._quiet

    @callback
    def async_set_quiet(self, quiet: bool) -> None:
        """Hold scheduled chimes back, or let them play; every chime shows it."""
        self._quiet = quiet
        for subentry in self.chime_subentries():
            self._async_updated(subentry.subentry_id)

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
        return self.schedules.next_fire(subentry_id)

    @callback
    def async_set_chime_time(self, subentry_id: str, at: time) -> None:
        """Persist a new time and reschedule the chime at once, without a reload.

        A clock's time is its first hour: a time that makes no clock is refused.
        """
        at = at.replace(microsecond=0, tzinfo=None)
        config = self.chime_config(subentry_id)
        if config is not None and replace(config, at=at).clock_error():
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="clock_time",
                translation_placeholders={
                    "chime": config.name,
                    "until": f"{config.clock_until:%H:%M}",
                },
            )
        self.ahead.async_drop(subentry_id)
        self.config.async_persist(subentry_id, CONF_TIME, at.isoformat())
        if (config := self.chime_config(subentry_id)) is not None:
            self.schedules.async_move(subentry_id, config)
        self._async_updated(subentry_id)

    @callback
    def async_set_chime_enabled(self, subentry_id: str, enabled: bool) -> None:
        """Persist the switch and arm or disarm the chime, without a reload."""
        self.config.async_persist(subentry_id, CONF_ENABLED, enabled)
        if not enabled:
            self.schedules.async_disarm(subentry_id)
            self.ahead.async_drop(subentry_id)
        elif (config := self.chime_config(subentry_id)) is not None:
            self.schedules.async_arm(subentry_id, config)
        self._async_updated(subentry_id)

    @callback
    def _async_scheduled(self, subentry_id: str, at: time, now: datetime) -> None:
        """The schedule is due: play as a task the entry's unload waits for."""
        self.entry.async_create_task(
            self.hass,
            self._async_play_scheduled(subentry_id, at),
            f"{DOMAIN} scheduled chime {subentry_id}",
        )
        # The schedule is armed for its next play already.
        self._async_updated(subentry_id)

    @callback
    def _async_prepare(self, subentry_id: str, at: time, when: datetime) -> None:
        """Its time is near: get the chime ready (ahead.py), unless it will be held."""
        config = self.chime_config(subentry_id)
        if config is not None and not self._held(config, when):
            self.ahead.async_get_ready(subentry_id, config, at)

    def _held(self, config: ChimeConfig, when: datetime) -> bool:
        """Whether a scheduled play at that moment would be held back."""
        window = self.quiet_hours
        return (
            self._quiet
            or not config.enabled
            or (
                window is not None
                and window.active(when)
                and config.quiet_hours == QUIET_HOLD
            )
        )

    async def _async_play_scheduled(self, subentry_id: str, at: time) -> None:
        """Nobody waits for a scheduled chime: report trouble in the log."""
        prepared = self.ahead.async_take(subentry_id, at)
        try:
            await self.async_play_chime(
                subentry_id, trigger="schedule", at=at, prepared=prepared
            )
        except HomeAssistantError as err:
            subentry = self.entry.subentries.get(subentry_id)
            title = subentry.title if subentry else subentry_id
            LOGGER.warning("Scheduled chime %s did not play: %s", title, err)

    async def async_play_chime(
        self,
        subentry_id: str,
        *,
        trigger: Trigger,
        at: time | None = None,
        prepared: Prepared | None = None,
    ) -> ChimeResult | None:
        """Play a chime subentry on its zones.

        A scheduled play is held back while Quiet is on or the chime is
        disabled, and skipped when its file is gone; a manual play always
        runs. Returns None when held back. A play refused before any speaker
        was touched is shown like any other: on the chime's entities, in the
        event, and as a repair once it keeps failing.

        at is the time of day that is due: a clock rings what it calls for,
        and strikes the hour it is now when played by hand.
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
            if self._quiet:
                LOGGER.debug("Quiet: holding back chime %s", config.name)
                return None
            if not config.enabled:
                LOGGER.debug("Chime %s is disabled, not playing", config.name)
                return None
            window = self.quiet_hours_now()
            if window is not None and config.quiet_hours == QUIET_HOLD:
                LOGGER.debug("Quiet hours: holding back chime %s", config.name)
                return None
        else:
            window = None  # Play now plays as the chime is, at any hour
        try:
            return await self._async_play_config(
                subentry_id,
                config,
                trigger,
                window,
                at or dt_util.now().time(),
                prepared=prepared,
            )
        except HomeAssistantError as err:
            if err.translation_key != "chime_failed_on_every_zone":
                # Refused before any speaker: no result was recorded yet.
                self._async_record_refusal(subentry_id, trigger, err)
            raise

    def _chime_targets(self, config: ChimeConfig) -> list[str]:
        """The uids the chime plays on now; refused when none of them chimes."""
        chime_zones = {zone.uid for zone in self.chime_zones()}
        if config.zone_uids:
            targets = [uid for uid in config.zone_uids if uid in chime_zones]
        else:
            targets = sorted(chime_zones)
        if not targets:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_chime_zones",
                translation_placeholders={"chime": config.name},
            )
        return targets

    async def _async_play_config(
        self,
        subentry_id: str,
        config: ChimeConfig,
        trigger: Trigger,
        quiet: QuietHours | None,
        at: time,
        *,
        prepared: Prepared | None = None,
    ) -> ChimeResult:
        """The chime's pieces (chime_pieces.py) on its zones.

        Pieces got ready ahead for these very settings are played as they
        are; any trouble getting them ready is met again now, and reported
        as it would have been without.
        """
        targets = self._chime_targets(config)
        ready = await async_ready(prepared, config)
        if ready is None:
            ready = await async_chime_pieces(
                self.hass, self.repairs, subentry_id, config, at
            )
        pieces = ready.pieces
        message_error = ready.message_error

        request = ChimeRequest(
            media_url=pieces[0].url,
            duration=pieces[0].duration,
            followed_by=tuple(pieces[1:]),
            volume=config.volume,
            zone_volumes=config.zone_volumes,
            volume_offset=config.volume_offset,
            volume_range=config.volume_range,
            tv=config.tv,
            mode=config.mode,
            title=config.name,
        )
        if quiet is not None:
            request = quiet.quieten(request)
        return await self.async_play(
            request,
            trigger=trigger,
            chime_id=subentry_id,
            zone_uids=targets,
            message=config.message is not None,
            message_error=message_error,
            only_occupied=config.only_occupied,
        )

    async def async_play(
        self,
        request: ChimeRequest,
        *,
        trigger: Trigger,
        chime_id: str | None = None,
        zone_uids: Sequence[str] | None = None,
        message: bool = False,
        message_error: str | None = None,
        only_occupied: bool = False,
    ) -> ChimeResult:
        """Chime, keeping out every chime zone whose Chimes switch is off.

        With only_occupied, zones whose area has occupancy sensors, none on,
        are kept out too, and said to be unoccupied.

        zone_uids, when given, replaces the request's zone names with those of
        the zones as the household names them now. With message, the pieces
        after the first are a spoken message, and the result says whether it
        was spoken (message_error: why it was left out beforehand). Raises
        translated errors only before any speaker was touched.
        """
        disabled = frozenset(
            zone.uid for zone in self.chime_zones() if not self.zone_enabled(zone.uid)
        )
        unoccupied = (
            frozenset(
                async_unoccupied(self.hass, self.entry.entry_id, self.household.zones)
            )
            - disabled
            if only_occupied
            else frozenset()
        )
        LOGGER.debug(
            "Chiming (%s) on %s: %s, zones %s, switched off %s",
            trigger,
            self.entry.title,
            request,
            zone_uids,
            sorted(disabled),
        )
        chime = self.hass.async_create_task(
            self._async_chime(
                request,
                None if zone_uids is None else tuple(zone_uids),
                disabled,
                unoccupied,
                _Outcome(trigger, chime_id, message, message_error),
            ),
            f"{DOMAIN} chime on {self.entry.title}",
            eager_start=True,
        )
        self._chimes.add(chime)
        chime.add_done_callback(self._chimes.discard)
        with translate_chime_errors():
            # A caller cancelled mid-chime (a script restarted, an automation
            # turned off) leaves the chime to finish and put every zone back.
            result = await asyncio.shield(chime)
        if failed := _failed_everywhere(result, self.reason_words):
            # Every zone is back as it was; the chime itself played nowhere.
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="chime_failed_on_every_zone",
                translation_placeholders={"zones": failed},
            )
        return result

    async def _async_chime(
        self,
        request: ChimeRequest,
        zone_uids: tuple[str, ...] | None,
        disabled: frozenset[str],
        unoccupied: frozenset[str],
        outcome: _Outcome,
    ) -> ChimeResult:
        """The household held from the first pause until every zone is back.

        The record goes only after the engine returned, so only once the
        household is back: cancelled at the last stage of a stop, this task
        leaves the record for the next start to restore from. The result is
        shown before the household is let go, so that a reload waiting for
        it finds the result on the entities it unloads.
        """
        guard = async_get_guard(self.hass)
        async with guard.hold(self.household.household_id):
            result = await self.hass.async_add_executor_job(
                self._chime, request, zone_uids, disabled | unoccupied
            )
            _said_unoccupied(result, unoccupied)
            await self.records.async_clear()
            self._async_record(result, request, outcome)
        return result

    async def async_cut_short(self) -> None:
        """Home Assistant stops: the chime under way ends early, every zone put back.

        A shutdown job, which Home Assistant waits for before anything else
        stops; a chime still preparing then gives up without touching a
        speaker, and none starts after.
        """
        self.engine.stop()
        if not self._chimes:
            await self.async_close_links()
            return
        started = self.hass.loop.time()
        _, pending = await asyncio.wait(set(self._chimes), timeout=CUT_SHORT_TIMEOUT)
        LOGGER.warning(
            "Home Assistant stopped mid-chime on %s: %s in %.1f s",
            self.entry.title,
            "not put back; the next start restores it"
            if pending
            else "cut short and put back",
            self.hass.loop.time() - started,
        )
        await self.async_close_links()

    async def async_close_links(self) -> None:
        """The clip connections kept open from chime to chime close with us."""
        await self.hass.async_add_executor_job(self.engine.close)

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
        self, result: ChimeResult, request: ChimeRequest, outcome: _Outcome
    ) -> None:
        """Keep the result, follow unreachable zones, tell automations."""
        played: dict[str, Any] = {"trigger": outcome.trigger, **result.as_dict()}
        if outcome.message:
            error = outcome.message_error or next(
                (
                    result.unplayed[piece.url]
                    for piece in request.followed_by
                    if piece.url in result.unplayed
                ),
                None,
            )
            played["message"] = {"spoken": error is None, "error": error}
        self.repairs.async_follow_reachability(
            result, {zone.uid for zone in self.chime_zones()}
        )
        self.repairs.async_follow_upnp(result)
        failed = _failed_everywhere(result, self.reason_words)
        self._async_tell(
            outcome.chime_id,
            played,
            played_at=result.started_at if result.chimed else None,
            error=None if failed is None else f"failed on {failed}",
        )

    @callback
    def _async_record_refusal(
        self, chime_id: str, trigger: Trigger, err: HomeAssistantError
    ) -> None:
        """A chime refused before any speaker: shown as a run that failed."""
        now = dt_util.utcnow().isoformat()
        played: dict[str, Any] = {
            "trigger": trigger,
            "zones": {},
            "error": str(err),
            "started_at": now,
            "finished_at": now,
        }
        self._async_tell(chime_id, played, played_at=None, error=str(err))

    @callback
    def _async_tell(
        self,
        chime_id: str | None,
        played: dict[str, Any],
        *,
        played_at: datetime | None,
        error: str | None,
    ) -> None:
        """A run, as the chime's entities, the event and its repair show it.

        error says why nothing chimed; a chime that keeps failing gets a
        repair issue, which its next good run clears.
        """
        chime = None
        if chime_id is not None and (subentry := self.entry.subentries.get(chime_id)):
            chime = subentry.title
            self._last_result[chime_id] = played
            if played_at is not None:
                self._last_played[chime_id] = played_at
            self.repairs.async_follow_chime(chime_id, chime, error)
        self.hass.bus.async_fire(
            EVENT_CHIME_PLAYED,
            {
                "entry_id": self.entry.entry_id,
                "household": self.household.household_id,
                "chime": chime,
                "chime_id": chime_id,
                **played,
            },
        )
        if chime_id is not None and chime is not None:
            self._async_updated(chime_id)


def _said_unoccupied(result: ChimeResult, uids: frozenset[str]) -> None:
    """Zones kept out for their empty area say so, not that they were excluded."""
    for zone in result.skipped:
        if zone.uid in uids and zone.reason is Reason.EXCLUDED:
            zone.reason, zone.detail = Reason.UNOCCUPIED, "No one in its area"


def _failed_everywhere(result: ChimeResult, words: dict[str, str]) -> str | None:
    """The failed zones and why, when no zone chimed and some failed.

    Zones skipped on purpose are no failure: a chime that only skipped is fine.
    Nor is a chime cut short by Home Assistant stopping: it was put back, and
    an automation's error at every restart would only alarm.
    """
    if result.chimed or not result.failed:
        return None
    if all(zone.reason is Reason.STOPPED for zone in result.failed):
        return None
    return ", ".join(
        zone.name
        if zone.reason is None
        else f"{zone.name} ({words.get(zone.reason, zone.reason)})"
        for zone in sorted(result.failed, key=lambda zone: zone.name.casefold())
    )
