"""One zone group's chime, from snapshot to restore.

Every method runs in a worker thread and records failures instead of raising,
so one group's trouble never stops another group's restore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
import logging
import threading
import time

from soco import SoCo
from soco.exceptions import SoCoUPnPException

from .models import (
    WAY_REASONS,
    ChimeMedia,
    ChimeMode,
    ChimeRequest,
    Outcome,
    Reason,
    TvMode,
    Zone,
    ZoneResult,
)
from .snapshot import (
    FIELDS,
    MUTE,
    PAUSED,
    PLAYING,
    SEEKABLE,
    TRANSITIONING,
    Level,
    Rendering,
    Source,
    Transport,
    set_field,
    start_playing,
    wait_settled,
)
from .sources import INPUTS, SourceKind
from .topology import SPEAKER_ERRORS, model_name, upnp_refused

_LOGGER = logging.getLogger(__name__)
# What a zone's result says when a stop cut its chime short.
STOPPED_DETAIL = "Cut short: Home Assistant is stopping"

START_TIMEOUT = 10.0  # Play until PLAYING: covers the speaker's fetch of the file.
RESTORE_ATTEMPTS = 2
RESTORE_RETRY_DELAY = 0.25


def describe(err: BaseException, host: str | None = None) -> tuple[Reason, str]:
    """A machine reason and a human detail for a speaker error.

    Given the speaker's host, a refusal is told apart from silence.
    """
    if isinstance(err, SoCoUPnPException):
        return Reason.UPNP_ERROR, f"UPnP error {err.error_code}"
    if host is not None and upnp_refused(err, host):
        return Reason.UPNP_DISABLED, "UPnP is switched off in the Sonos app"
    if isinstance(err, SPEAKER_ERRORS):
        return Reason.UNREACHABLE, f"{type(err).__name__}: {err}"
    return Reason.INTERNAL_ERROR, f"{type(err).__name__}: {err}"


@dataclass(slots=True)
class Speaker:
    """A speaker of the group and what the chime did to it."""

    zone: Zone
    soco: SoCo
    result: ZoneResult
    # Read first; the rest of its rendering only where the chime pauses.
    level: Level | None = None
    rendering: Rendering | None = None
    # The model its device description names, read where a clip may go.
    model: str | None = None
    # Fields the chime changed, each recorded before the change was made.
    changed: set[str] = field(default_factory=set)
    # Fields that could not be put back.
    unrestored: list[str] = field(default_factory=list)

    # The zone's result is written here and nowhere else.
    def fail(self, reason: Reason, detail: str) -> None:
        """Mark this zone failed, keeping the first cause."""
        if self.result.outcome is not Outcome.FAILED:
            self._write(Outcome.FAILED, reason, detail)

    def settle(self, outcome: Outcome, reason: Reason, detail: str) -> None:
        """Skip or fail a zone that has not failed or been skipped yet."""
        if self.result.outcome is Outcome.CHIMED:
            self._write(outcome, reason, detail)

    def note(self, reason: Reason, detail: str) -> None:
        """Why a zone that chimed is not quite as it was (it was not resumed)."""
        if self.result.outcome is Outcome.CHIMED and (
            self.result.reason is None or self.result.reason in WAY_REASONS
        ):
            self._write(Outcome.CHIMED, reason, detail)

    def resumed(self, resumed: bool) -> None:
        """Whether the zone plays again."""
        self.result.resumed = resumed

    def chimed_by(self, way: ChimeMode) -> None:
        """Over the music or in its place."""
        self.result.way = way

    def _write(self, outcome: Outcome, reason: Reason, detail: str) -> None:
        self.result.outcome, self.result.reason = outcome, reason
        self.result.detail = detail


def end_bound(piece: ChimeMedia, margin: float) -> float:
    """How long a piece may sound once started: its length (or a guess), plus margin."""
    return (piece.duration or START_TIMEOUT * 6) + margin


@dataclass(slots=True)
class PieceRun:
    """One piece of the chime on a coordinator, from load to its real end.

    Apart from GroupChime because a sequence plays several, one after another,
    each with its own start, end and bound. It raises or returns what went
    wrong; the group decides what that means for its zones.
    """

    media: ChimeMedia
    play_times: tuple[float, float] | None = None
    played_at: float | None = None
    ended: bool = False
    ended_at: float | None = None

    def load(self, device: SoCo) -> None:
        """Loaded, not started: every group starts it at once."""
        device.play_uri(self.media.url, title=self.media.title, start=False)

    def play(self, device: SoCo) -> None:
        """Start it; the speaker starts sounding once it has fetched the file."""
        before = time.monotonic()
        device.play()
        self.play_times = (before, time.monotonic())

    def wait_end(
        self, device: SoCo, margin: float, poll: float, stop: threading.Event
    ) -> tuple[Reason, str] | None:
        """Poll until the speaker says the piece is over, bounded by its length.

        ``stop`` set cuts the wait short, the piece still sounding.
        """
        duration = self.media.duration
        started = self.play_times[1] if self.play_times else time.monotonic()
        deadline = started + START_TIMEOUT
        polls = 0
        while True:
            state = device.get_current_transport_info()["current_transport_state"]
            now = time.monotonic()
            if state == PLAYING and self.played_at is None:
                self.played_at = now
                deadline = now + end_bound(self.media, margin)
            if state not in (PLAYING, TRANSITIONING):
                self.ended = True
                break
            polls += 1
            if self.played_at is not None and polls % 3 == 0:
                track_uri = device.get_current_track_info()["uri"]
                if track_uri != self.media.url:
                    break
            if now >= deadline:
                self.ended_at = now
                return Reason.TIMEOUT, "Chime did not end in time"
            if stop.wait(self._next_poll(poll, now)):
                self.ended_at = time.monotonic()
                return Reason.STOPPED, STOPPED_DETAIL
        self.ended_at = time.monotonic()
        if self.played_at is None and (
            duration is None or self.ended_at - started < duration / 2
        ):
            return Reason.MEDIA_UNPLAYABLE, "The speaker could not play the chime"
        return None

    def _next_poll(self, poll: float, now: float) -> float:
        """Poll slowly while the piece plays and closely as its end draws near.

        Every poll costs the speaker a request; the end is what costs silence.
        """
        duration = self.media.duration
        if self.played_at is None or duration is None:
            return poll
        remaining = self.played_at + duration - now
        if remaining > 2 * poll:
            return min(remaining - poll, 1.0)
        return poll / 3


@dataclass(slots=True)
class GroupChime:
    """A coordinator and its members, chimed and restored as one."""

    coordinator: Speaker
    members: list[Speaker]
    request: ChimeRequest
    # Read first; where the source is and how it plays only if it pauses.
    source: Source | None = None
    transport: Transport | None = None
    paused: bool = False
    loaded: bool = False
    source_restored: bool = False
    active: bool = True
    # The first piece's start: the chime's start, compared across groups.
    play_times: tuple[float, float] | None = None
    # Every piece loaded so far, in order; the last is the one on the speaker.
    runs: list[PieceRun] = field(default_factory=list)
    interrupted_at: float | None = None
    wait: dict[str, float] = field(default_factory=dict)

    @property
    def speakers(self) -> list[Speaker]:
        """Coordinator first, then members."""
        return [self.coordinator, *self.members]

    def chimed_by(self, way: ChimeMode) -> None:
        """Every zone of an active group says how it was chimed."""
        if self.active:
            for speaker in self.speakers:
                speaker.chimed_by(way)

    def cut_short(self) -> None:
        """Home Assistant stops: no more of the chime here; it is put back."""
        if self.active:
            self._end(Outcome.FAILED, Reason.STOPPED, STOPPED_DETAIL)

    def _end(self, outcome: Outcome, reason: Reason, detail: str) -> None:
        """Stop this group's chime; every zone of it gets the same outcome."""
        self.active = False
        for speaker in self.speakers:
            speaker.settle(outcome, reason, detail)

    def _guard(self, step: str, action: Callable[[], None]) -> None:
        """Run a group step; a failure ends the group's chime, never the others'."""
        try:
            action()
        except Exception as err:  # isolation: any error stays in this group
            reason, detail = describe(err, self.coordinator.zone.host)
            _LOGGER.warning(
                "Chime %s failed on %s: %s", step, self.coordinator.zone.name, detail
            )
            self._end(Outcome.FAILED, reason, f"{step}: {detail}")

    # Phase 1: coordinator transport.
    def inspect(self) -> None:
        """Settle and decide whether to chime; every read here costs no silence.

        A chime that will pause reads the whole transport at once; one that
        may go over the music first only what chooses the way.
        """
        self._guard("snapshot", self._inspect)
        if self.request.mode is ChimeMode.INTERRUPT:
            self.record_transport()

    def _inspect(self) -> None:
        start = time.monotonic()
        device = self.coordinator.soco
        state = wait_settled(device)
        if state == TRANSITIONING:
            self._end(Outcome.SKIPPED, Reason.TRANSITIONING, "Zone did not settle")
            return
        media = device.avTransport.GetMediaInfo([("InstanceID", 0)])
        source = Source(state, media["CurrentURI"], media["CurrentURIMetaData"])
        if source.kind in INPUTS and self.request.tv is TvMode.SKIP:
            reason = (
                Reason.TV_SOURCE
                if source.kind is SourceKind.TV
                else Reason.LINE_IN_SOURCE
            )
            self._end(Outcome.SKIPPED, reason, f"Zone plays its {source.kind} input")
            return
        self.source = source
        self.wait["snapshot"] = time.monotonic() - start

    def record_transport(self) -> None:
        """Where the source is and how it plays: a group about to pause."""
        if self.active and self.source is not None and self.transport is None:
            self._guard("snapshot", partial(self._record_transport, self.source))

    def _record_transport(self, source: Source) -> None:
        start = time.monotonic()
        self.transport = Transport.capture(self.coordinator.soco, source)
        self.wait["snapshot"] = self.wait.get("snapshot", 0.0) + (
            time.monotonic() - start
        )

    def reclaim(self) -> None:
        """After a crash: whether this group still shows the chime's mark."""
        self._guard("recover", self._reclaim)

    def _reclaim(self) -> None:
        device, transport = self.coordinator.soco, self.transport
        if transport is None:
            return
        state = wait_settled(device)
        uri = device.avTransport.GetMediaInfo([("InstanceID", 0)])["CurrentURI"]
        if uri in {piece.url for piece in self.request.sequence}:
            self.loaded = True  # a piece of the chime (still) holds the source
        elif uri == transport.uri and state != PLAYING == transport.state:
            self.paused = transport.kind not in INPUTS  # paused, not yet loaded
        else:
            # Playing as recorded may be someone who started it again at a
            # volume of their own: only the chime's own mark counts.
            self._end(
                Outcome.SKIPPED,
                Reason.CHANGED_SINCE,
                "Not as the chime left it; left as it is",
            )

    def interrupt(self) -> None:
        """Pause, then record the exact position (the group falls silent here)."""
        if self.active:
            self._guard("snapshot", self._interrupt)

    def _interrupt(self) -> None:
        start = time.monotonic()
        device, transport = self.coordinator.soco, self.transport
        if transport is None:
            return
        # Inputs refuse pause and stop (UPnP 701): loading the chime is what
        # interrupts them, and the restore hands the input back.
        if transport.state == PLAYING:
            self.interrupted_at = time.monotonic()
            if transport.kind not in INPUTS:
                self.paused = True  # recorded first, as every change
                device.pause()
                # Where it stopped, exactly: the read before pausing ran on.
                self.transport = transport.repositioned(device)
        self.wait["snapshot"] = self.wait.get("snapshot", 0.0) + (
            time.monotonic() - start
        )

    # Rendering, per speaker (run concurrently by the engine).
    def capture_speaker(self, speaker: Speaker) -> None:
        """Record output settings before anything pauses: reads cost no silence.

        As inspect: all of them for a chime that will pause, else first its
        level and model, which choose the way.
        """
        start = time.monotonic()
        try:
            speaker.level = Level.capture(speaker.soco)
        except Exception as err:  # isolation per speaker
            reason, detail = describe(err, speaker.zone.host)
            speaker.fail(reason, f"snapshot: {detail}")
        speaker.result.timings["snapshot"] = time.monotonic() - start
        if self.request.mode is ChimeMode.INTERRUPT:
            self.capture_rendering(speaker)
        elif speaker.level is not None:
            speaker.model = model_name(speaker.soco)

    def capture_rendering(self, speaker: Speaker) -> None:
        """The rest of a speaker's settings, a restore's: its group will pause."""
        if not self.active or speaker.level is None or speaker.rendering is not None:
            return
        start = time.monotonic()
        try:
            speaker.rendering = Rendering.capture(speaker.soco, speaker.level)
        except Exception as err:  # isolation per speaker
            reason, detail = describe(err, speaker.zone.host)
            speaker.fail(reason, f"snapshot: {detail}")
        timings = speaker.result.timings
        timings["snapshot"] = timings.get("snapshot", 0.0) + time.monotonic() - start

    def chime_settings(self, speaker: Speaker) -> dict[str, int | bool]:
        """What the chime sets on a speaker: audible, or silent when left out."""
        if speaker.rendering is None:
            return {}
        silence = speaker.zone.uid in self.request.exclude_uids
        volume = self.request.volume_for(speaker.zone.uid, speaker.rendering.volume)
        return speaker.rendering.chime_settings(volume, silence=silence)

    def prepare_speaker(self, speaker: Speaker) -> None:
        """Make the chime audible on a speaker, or keep an excluded zone quiet."""
        if not self.active or speaker.rendering is None:
            return
        plan = self.chime_settings(speaker)
        try:
            for name, value in plan.items():
                speaker.changed.add(name)  # recorded first: a failure still restores
                set_field(speaker.soco, name, value)
        except Exception as err:  # isolation per speaker
            reason, detail = describe(err)
            speaker.fail(reason, f"prepare: {detail}")
            return
        if speaker.zone.uid in self.request.exclude_uids:
            # Its group chimes, but this zone asked for quiet.
            speaker.settle(
                Outcome.SKIPPED, Reason.EXCLUDED, "Muted while its group chimed"
            )

    def get_ready(
        self,
        together: Callable[[Iterable[Callable[[], None]]], None],
        first: ChimeMedia,
    ) -> None:
        """Pause and record, then set the chime's volumes and load it at once."""
        self.interrupt()
        together(
            [
                *(partial(self.prepare_speaker, speaker) for speaker in self.speakers),
                partial(self.load, first),
            ]
        )

    def put_back(
        self, together: Callable[[Iterable[Callable[[], None]]], None]
    ) -> None:
        """Source and volumes back together, then play (or pause) again.

        Nothing plays before every speaker of the group has its own volume and
        mute back, so no group is heard at chime level. A group that must play
        to get back to its state (paused, or a file that seeks only while
        playing) stays muted until it is there.
        """
        quiet = self._needs_quiet_start()
        together(
            [
                self.restore_source,
                *(
                    partial(self.restore_speaker, speaker, hold_muted=quiet)
                    for speaker in self.speakers
                ),
            ]
        )
        self.resume(quiet=quiet)

    # Phase 3 to 5, once per piece: load, play in step with the other groups, end.
    def load(self, piece: ChimeMedia) -> None:
        """Load a piece without starting it, so every group can start at once."""
        if self.active:
            run = PieceRun(piece)
            self.runs.append(run)
            self._guard(self._located("load"), partial(self._load, run))

    def _load(self, run: PieceRun) -> None:
        self.loaded = True  # recorded first: from here on the source may be gone
        run.load(self.coordinator.soco)

    def play(self) -> None:
        """Start the loaded piece."""
        if self.active and self.runs:
            self._guard(self._located("start"), self._play)

    def _play(self) -> None:
        run = self.runs[-1]
        run.play(self.coordinator.soco)
        if self.play_times is None:
            self.play_times = run.play_times

    def wait_end(self, margin: float, poll: float, stop: threading.Event) -> None:
        """Until the speaker says the piece is over; a failure ends the group."""
        run = self.runs[-1] if self.runs else None
        if self.active and run is not None and run.play_times:
            self._guard(
                self._located("playback"),
                partial(self._wait_end, run, margin, poll, stop),
            )

    def _wait_end(
        self, run: PieceRun, margin: float, poll: float, stop: threading.Event
    ) -> None:
        failure = run.wait_end(self.coordinator.soco, margin, poll, stop)
        if self.play_times is not None and run.ended_at is not None:
            # From the first piece's start: the whole sequence, gaps included.
            self.wait["end"] = run.ended_at - self.play_times[1]
        if failure is not None:
            reason, detail = failure
            self._end(Outcome.FAILED, reason, self._located(detail))

    def _located(self, text: str) -> str:
        """Which piece a failure came from, once there is more than one."""
        return text if len(self.runs) <= 1 else f"{text} (piece {len(self.runs)})"

    # Phase 6: restore, always.
    def stop_chime(self) -> None:
        """Silence the chime if it is still sounding (time-out, error)."""
        if not self.loaded or (self.runs and self.runs[-1].ended):
            return
        try:
            device = self.coordinator.soco
            state = device.get_current_transport_info()["current_transport_state"]
            if state in (PLAYING, TRANSITIONING):
                device.stop()
        except Exception as err:  # best effort before the real restore
            _LOGGER.debug(
                "Could not stop the chime on %s: %s", self.coordinator.zone.name, err
            )

    def restore_source(self) -> None:
        """Load the old source back (not playing yet: volumes come first)."""
        if self.transport is None or not self.loaded:
            return  # The chime never replaced the source.
        transport, device = self.transport, self.coordinator.soco
        uid = self.coordinator.zone.uid
        self.source_restored = self._retry(
            "restore source", lambda: transport.load_source(device, uid)
        )
        seek = transport.seeks_while_stopped and not transport.at_start
        if self.source_restored and seek:
            self._retry("restore position", lambda: transport.seek(device))

    def restore_speaker(self, speaker: Speaker, *, hold_muted: bool = False) -> None:
        """Give a speaker back, field by field, the volume and mute the chime changed.

        One field failing never skips another. ``hold_muted`` keeps it muted
        for a quiet start; unmute_held gives the mute back afterwards.
        """
        rendering = speaker.rendering
        if rendering is None:
            return
        if hold_muted and not rendering.mute:
            speaker.changed.add(MUTE)
        start = time.monotonic()
        for name in FIELDS:
            if name not in speaker.changed:
                continue
            value = True if name == MUTE and hold_muted else rendering.original(name)
            self._restore_field(speaker, name, value)
        if speaker.changed:
            speaker.result.timings["restore"] = time.monotonic() - start

    def _restore_field(self, speaker: Speaker, name: str, value: int | bool) -> None:
        if not self._retry(
            f"restore {name}", lambda: set_field(speaker.soco, name, value), speaker
        ):
            speaker.unrestored.append(name)

    def unmute_held(self) -> None:
        """The mute a quiet start held, back as it was."""
        for speaker in self.speakers:
            if speaker.rendering is not None and not speaker.rendering.mute:
                self._restore_field(speaker, MUTE, value=False)

    def restore_eq(self, speaker: Speaker) -> None:
        """EQ, play mode and crossfade once playback is back: they cost no silence."""
        if speaker.rendering is not None:
            rendering = speaker.rendering
            self._retry("restore", lambda: rendering.restore_eq(speaker.soco), speaker)
        transport = self.transport
        if speaker is self.coordinator and transport is not None and self.loaded:
            self._retry(
                "restore", lambda: transport.restore_settings(speaker.soco), speaker
            )

    def _needs_quiet_start(self) -> bool:
        """Whether getting back means playing first: paused, or a file's position."""
        transport = self.transport
        if transport is None or not self.loaded or transport.clears:
            return False
        if transport.state == PAUSED:
            return transport.kind in SEEKABLE
        return (
            transport.state == PLAYING
            and not transport.seeks_while_stopped
            and not transport.at_start
        )

    def resume(self, *, quiet: bool = False) -> None:
        """Play again what was playing, never at chime settings, never the chime."""
        start = time.monotonic()
        held = [name for speaker in self.speakers for name in speaker.unrestored]
        if held:
            self._hold_back(
                f"{', '.join(sorted(set(held)))} could not be restored;"
                " the zone was left paused rather than play at chime settings"
            )
        elif self.transport is None or not self.loaded:
            # Never recorded, or the chime never loaded: the source, whatever
            # it is (an app's session too), was only paused.
            if self.paused:
                self._play_again(self.coordinator.soco.play)
        elif not self.transport.resumable:
            self._cannot_resume(self.transport.kind)
        elif self.source_restored:
            self._back_to(self.transport, quiet=quiet)
        # else: the source could not be loaded back; _retry reported it.
        if quiet:
            self.unmute_held()
        if self.interrupted_at is not None:
            interruption = time.monotonic() - self.interrupted_at
            for speaker in self.speakers:
                speaker.result.timings["interruption"] = interruption
        self.coordinator.result.timings["resume"] = time.monotonic() - start

    def _back_to(self, transport: Transport, *, quiet: bool) -> None:
        """The loaded source back in its state: playing, paused or stopped."""
        device = self.coordinator.soco
        if transport.state == PLAYING and transport.kind is not SourceKind.NONE:
            if not quiet:
                self._play_again(device.play)
            elif self._play_again(lambda: start_playing(device)):
                self._retry("restore position", lambda: transport.seek(device))
        elif transport.state == PAUSED and quiet:
            self._retry("restore pause", lambda: _pause_at(device, transport))

    def _play_again(self, play: Callable[[], object]) -> bool:
        """Play; every zone that plays again says so."""
        if not self._retry("resume", play):
            return False
        for speaker in self.speakers:
            speaker.resumed(True)
        return True

    def _hold_back(self, detail: str) -> None:
        """Leave the group paused and say why on every zone."""
        for speaker in self.speakers:
            speaker.resumed(False)
            speaker.fail(Reason.RESTORE_FAILED, detail)

    def _cannot_resume(self, kind: SourceKind) -> None:
        for speaker in self.speakers:
            speaker.resumed(False)
            speaker.note(
                Reason.CANNOT_RESUME,
                f"The {kind} source cannot be resumed over UPnP;"
                " the zone was left stopped",
            )

    def _retry(
        self, step: str, action: Callable[[], object], speaker: Speaker | None = None
    ) -> bool:
        """Restore steps get a second try: a transient fault must not lose a zone."""
        for attempt in range(1, RESTORE_ATTEMPTS + 1):
            try:
                action()
            except Exception as err:  # isolation: report, never raise
                reason, detail = describe(err)
                if attempt < RESTORE_ATTEMPTS:
                    time.sleep(RESTORE_RETRY_DELAY)
                    continue
                _LOGGER.warning(
                    "Chime %s failed on %s: %s",
                    step,
                    self.coordinator.zone.name,
                    detail,
                )
                for target in [speaker] if speaker else self.speakers:
                    target.fail(Reason.RESTORE_FAILED, f"{step}: {reason}: {detail}")
                return False
            else:
                return True
        return False

    def finish_timings(self, first_play: float | None) -> None:
        """Copy the group's timings onto each of its zones."""
        for speaker in self.speakers:
            speaker.result.timings["snapshot"] = speaker.result.timings.get(
                "snapshot", 0.0
            ) + self.wait.get("snapshot", 0.0)
            if self.play_times and first_play is not None:
                speaker.result.timings["start"] = self.play_times[1] - first_play
            if "end" in self.wait:
                speaker.result.timings["end"] = self.wait["end"]
            if (gaps := _gaps(self.runs)) is not None:
                speaker.result.timings["gaps"] = gaps


def _gaps(runs: list[PieceRun]) -> float | None:
    """Silence between pieces, all together: what a sequence costs over one file."""
    gaps = [
        after.played_at - before.ended_at
        for before, after in pairwise(runs)
        if before.ended_at is not None and after.played_at is not None
    ]
    return sum(gaps) if gaps else None


def _pause_at(device: SoCo, transport: Transport) -> None:
    """Paused at the recorded position: a stopped speaker can only pause by playing."""
    start_playing(device)
    device.pause()
    if not transport.at_start:
        transport.seek(device)


def new_speaker(zone: Zone) -> Speaker:
    """A speaker about to chime; CHIMED until something says otherwise."""
    return Speaker(
        zone=zone,
        soco=SoCo(zone.host),
        result=ZoneResult(name=zone.name, uid=zone.uid, outcome=Outcome.CHIMED),
    )


__all__ = ["GroupChime", "SourceKind", "Speaker", "new_speaker"]
