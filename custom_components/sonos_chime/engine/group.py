"""One zone group's chime, from snapshot to restore.

Every method runs in a worker thread and records failures instead of raising,
so one group's trouble never stops another group's restore.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
import logging
import time

from soco import SoCo
from soco.exceptions import SoCoUPnPException

from .models import ChimeRequest, Outcome, Reason, TvMode, Zone, ZoneResult
from .snapshot import PLAYING, TRANSITIONING, Rendering, Transport, wait_settled
from .sources import INPUTS, SourceKind, classify
from .topology import SPEAKER_ERRORS

_LOGGER = logging.getLogger(__name__)

START_TIMEOUT = 10.0  # Play until PLAYING: covers the speaker's fetch of the file.
RESTORE_ATTEMPTS = 2
RESTORE_RETRY_DELAY = 0.25


def describe(err: BaseException) -> tuple[Reason, str]:
    """A machine reason and a human detail for a speaker error."""
    if isinstance(err, SoCoUPnPException):
        return Reason.UPNP_ERROR, f"UPnP error {err.error_code}"
    if isinstance(err, SPEAKER_ERRORS):
        return Reason.UNREACHABLE, f"{type(err).__name__}: {err}"
    return Reason.INTERNAL_ERROR, f"{type(err).__name__}: {err}"


@dataclass(slots=True)
class Speaker:
    """A speaker of the group and what the chime did to it."""

    zone: Zone
    soco: SoCo
    result: ZoneResult
    rendering: Rendering | None = None
    changed: frozenset[str] = frozenset()

    def fail(self, reason: Reason, detail: str) -> None:
        """Mark this zone failed, keeping the first cause."""
        if self.result.outcome is not Outcome.FAILED:
            self.result.outcome = Outcome.FAILED
            self.result.reason = reason
            self.result.detail = detail


@dataclass(frozen=True, slots=True)
class Seen:
    """What the coordinator was doing before anything was touched."""

    state: str
    media: tuple[str, str]
    kind: SourceKind
    settings: tuple[str, bool]


@dataclass(slots=True)
class GroupChime:
    """A coordinator and its members, chimed and restored as one."""

    coordinator: Speaker
    members: list[Speaker]
    request: ChimeRequest
    transport: Transport | None = None
    paused: bool = False
    loaded: bool = False
    seen: Seen | None = None
    source_restored: bool = False
    ended: bool = False
    active: bool = True
    play_times: tuple[float, float] | None = None
    played_at: float | None = None
    interrupted_at: float | None = None
    wait: dict[str, float] = field(default_factory=dict)

    @property
    def speakers(self) -> list[Speaker]:
        """Coordinator first, then members."""
        return [self.coordinator, *self.members]

    def _end(self, outcome: Outcome, reason: Reason, detail: str) -> None:
        """Stop this group's chime; every zone of it gets the same outcome."""
        self.active = False
        for speaker in self.speakers:
            if speaker.result.outcome is Outcome.CHIMED:
                speaker.result.outcome = outcome
                speaker.result.reason = reason
                speaker.result.detail = detail

    def _guard(self, step: str, action: Callable[[], None]) -> None:
        """Run a group step; a failure ends the group's chime, never the others'."""
        try:
            action()
        except Exception as err:  # isolation: any error stays in this group
            reason, detail = describe(err)
            _LOGGER.warning(
                "Chime %s failed on %s: %s", step, self.coordinator.zone.name, detail
            )
            self._end(Outcome.FAILED, reason, f"{step}: {detail}")

    # Phase 1: coordinator transport.
    def inspect(self) -> None:
        """Settle and decide whether to chime; every read here costs no silence."""
        self._guard("snapshot", self._inspect)

    def _inspect(self) -> None:
        start = time.monotonic()
        device = self.coordinator.soco
        state = wait_settled(device)
        if state == TRANSITIONING:
            self._end(Outcome.SKIPPED, Reason.TRANSITIONING, "Zone did not settle")
            return
        media = device.avTransport.GetMediaInfo([("InstanceID", 0)])
        uri, metadata = media["CurrentURI"], media["CurrentURIMetaData"]
        kind = classify(uri)
        if kind in INPUTS and self.request.tv is TvMode.SKIP:
            reason = (
                Reason.TV_SOURCE if kind is SourceKind.TV else Reason.LINE_IN_SOURCE
            )
            self._end(Outcome.SKIPPED, reason, f"Zone plays its {kind} input")
            return
        settings = (device.play_mode, bool(device.cross_fade))
        self.seen = Seen(state, (uri, metadata), kind, settings)
        self.wait["snapshot"] = time.monotonic() - start

    def interrupt(self) -> None:
        """Pause, then record the exact position (the group falls silent here)."""
        if self.active:
            self._guard("snapshot", self._interrupt)

    def _interrupt(self) -> None:
        start = time.monotonic()
        device, seen = self.coordinator.soco, self.seen
        if seen is None:
            return
        if seen.state == PLAYING:
            self.interrupted_at = time.monotonic()
            # Inputs refuse pause and stop (UPnP 701): loading the chime is what
            # interrupts them, and the restore hands the input back.
            if seen.kind not in INPUTS:
                device.pause()
                self.paused = True
        self.transport = Transport.capture(
            device, seen.state, seen.media, seen.settings
        )
        self.wait["snapshot"] = self.wait.get("snapshot", 0.0) + (
            time.monotonic() - start
        )

    # Rendering, per speaker (run concurrently by the engine).
    def capture_speaker(self, speaker: Speaker) -> None:
        """Record output settings before anything pauses: reads cost no silence."""
        start = time.monotonic()
        try:
            speaker.rendering = Rendering.capture(speaker.soco)
        except Exception as err:  # isolation per speaker
            reason, detail = describe(err)
            speaker.fail(reason, f"snapshot: {detail}")
        speaker.result.timings["snapshot"] = time.monotonic() - start

    def prepare_speaker(self, speaker: Speaker) -> None:
        """Make the chime audible on a speaker, or keep an excluded zone quiet."""
        if not self.active or speaker.rendering is None:
            return
        silence = speaker.zone.name.casefold() in {
            name.casefold() for name in self.request.exclude
        }
        try:
            speaker.changed = speaker.rendering.prepare_chime(
                speaker.soco, self.request.volume, silence=silence
            )
        except Exception as err:  # isolation per speaker
            reason, detail = describe(err)
            speaker.fail(reason, f"prepare: {detail}")
            return
        if silence:  # Its group chimes, but this zone asked for quiet.
            speaker.result.outcome = Outcome.SKIPPED
            speaker.result.reason = Reason.EXCLUDED
            speaker.result.detail = "Muted while its group chimed"

    def get_ready(
        self, together: Callable[[Iterable[Callable[[], None]]], None]
    ) -> None:
        """Pause and record, then set the chime's volumes and load it at once."""
        self.interrupt()
        together(
            [
                *(partial(self.prepare_speaker, speaker) for speaker in self.speakers),
                self.load,
            ]
        )

    def put_back(
        self, together: Callable[[Iterable[Callable[[], None]]], None]
    ) -> None:
        """Source and volumes back together, then play.

        Nothing plays before every speaker of the group has its own volume and
        mute back, so no group is heard at chime level.
        """
        together(
            [
                self.restore_source,
                *(partial(self.restore_speaker, speaker) for speaker in self.speakers),
            ]
        )
        self.resume()

    # Phase 3 and 4: load, then play in step with the other groups.
    def load(self) -> None:
        """Load the chime without starting it, so every group can start at once."""
        if self.active:
            self._guard("load", self._load)

    def _load(self) -> None:
        self.coordinator.soco.play_uri(
            self.request.media_url, title=self.request.title, start=False
        )
        self.loaded = True

    def play(self) -> None:
        """Start the loaded chime."""
        if self.active:
            self._guard("start", self._play)

    def _play(self) -> None:
        before = time.monotonic()
        self.coordinator.soco.play()
        self.play_times = (before, time.monotonic())

    # Phase 5: the real end.
    def wait_end(self, duration: float | None, margin: float, poll: float) -> None:
        """Poll until the speaker says the chime is over, bounded by its length."""
        if self.active and self.play_times:
            self._guard("playback", lambda: self._wait_end(duration, margin, poll))

    def _wait_end(self, duration: float | None, margin: float, poll: float) -> None:
        device = self.coordinator.soco
        started = self.play_times[1] if self.play_times else time.monotonic()
        deadline = started + START_TIMEOUT
        polls = 0
        while True:
            state = device.get_current_transport_info()["current_transport_state"]
            now = time.monotonic()
            if state == PLAYING and self.played_at is None:
                self.played_at = now
                deadline = now + (duration or START_TIMEOUT * 6) + margin
            if state not in (PLAYING, TRANSITIONING):
                self.ended = True
                break
            polls += 1
            if self.played_at is not None and polls % 3 == 0:
                track_uri = device.get_current_track_info()["uri"]
                if track_uri != self.request.media_url:
                    break
            if now >= deadline:
                self.wait["end"] = now - started
                self._end(Outcome.FAILED, Reason.TIMEOUT, "Chime did not end in time")
                return
            time.sleep(self._next_poll(duration, poll, now))
        self.wait["end"] = time.monotonic() - started
        if self.played_at is None and (
            duration is None or self.wait["end"] < duration / 2
        ):
            self._end(
                Outcome.FAILED,
                Reason.MEDIA_UNPLAYABLE,
                "The speaker could not play the chime",
            )

    def _next_poll(self, duration: float | None, poll: float, now: float) -> float:
        """Poll slowly while the chime plays and closely as its end draws near.

        Every poll costs the speaker a request; the end is what costs silence.
        """
        if self.played_at is None or duration is None:
            return poll
        remaining = self.played_at + duration - now
        if remaining > 2 * poll:
            return min(remaining - poll, 1.0)
        return poll / 3

    # Phase 6: restore, always.
    def stop_chime(self) -> None:
        """Silence the chime if it is still sounding (time-out, error)."""
        if not self.loaded or self.ended:
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
        transport = self.transport
        self.source_restored = self._retry(
            "restore", lambda: transport.restore_source(self.coordinator.soco)
        )

    def restore_speaker(self, speaker: Speaker) -> None:
        """Give a speaker back the volume and mute the chime changed."""
        if speaker.rendering is None or not speaker.changed:
            return
        rendering = speaker.rendering
        start = time.monotonic()
        if self._retry(
            "restore",
            lambda: rendering.restore(speaker.soco, speaker.changed),
            speaker,
        ):
            speaker.result.timings["restore"] = time.monotonic() - start

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

    def resume(self) -> None:
        """Play again what was playing; report sources UPnP cannot give back."""
        start = time.monotonic()
        transport = self.transport
        if transport is None:
            if (
                self.paused
            ):  # Paused but never recorded: at least do not leave it paused.
                self._retry("resume", self.coordinator.soco.play)
            return
        if not transport.resumable:
            for speaker in self.speakers:
                speaker.result.resumed = False
                if speaker.result.outcome is Outcome.CHIMED:
                    speaker.result.reason = Reason.CANNOT_RESUME
                    speaker.result.detail = (
                        f"The {transport.kind} source cannot be resumed over UPnP;"
                        " the zone was left stopped"
                    )
            return
        if not self.source_restored and self._chime_loaded():
            return  # Play would replay the chime: leave the zone stopped, reported.
        if self._retry("resume", lambda: transport.resume(self.coordinator.soco)):
            for speaker in self.speakers:
                speaker.result.resumed = (
                    speaker.result.reason is not Reason.RESTORE_FAILED
                )
        if self.interrupted_at is not None:
            interruption = time.monotonic() - self.interrupted_at
            for speaker in self.speakers:
                speaker.result.timings["interruption"] = interruption
        self.coordinator.result.timings["resume"] = time.monotonic() - start

    def _chime_loaded(self) -> bool:
        """Whether the chime is still the coordinator's source (or we cannot tell)."""
        try:
            media = self.coordinator.soco.avTransport.GetMediaInfo([("InstanceID", 0)])
        except Exception:  # unknown counts as loaded: never replay
            return True
        return media["CurrentURI"] == self.request.media_url

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
                    target.result.outcome = Outcome.FAILED
                    target.result.reason = Reason.RESTORE_FAILED
                    target.result.detail = f"{step}: {reason}: {detail}"
                    target.result.resumed = False
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


def new_speaker(zone: Zone) -> Speaker:
    """A speaker about to chime; CHIMED until something says otherwise."""
    return Speaker(
        zone=zone,
        soco=SoCo(zone.host),
        result=ZoneResult(zone=zone.name, uid=zone.uid, outcome=Outcome.CHIMED),
    )


__all__ = ["GroupChime", "SourceKind", "Speaker", "new_speaker"]
