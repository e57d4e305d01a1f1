"""What each speaker was doing, and putting it back.

Rendering (volume, mute, EQ) is per speaker, so every member is recorded;
transport (source, track, position, play mode) lives on the coordinator.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
import time

from soco import SoCo
from soco.exceptions import SoCoUPnPException

from .sources import NOT_RESUMABLE, SourceKind, classify

PLAYING = "PLAYING"
TRANSITIONING = "TRANSITIONING"
SETTLE_TIMEOUT = 5.0
SETTLE_POLL = 0.05


@dataclass(frozen=True, slots=True)
class Rendering:
    """A speaker's own output settings."""

    volume: int
    mute: bool
    bass: int
    treble: int
    loudness: bool
    fixed_volume: bool

    @classmethod
    def capture(cls, speaker: SoCo) -> Rendering:
        """Read every setting the chime may change or a restore must keep."""
        return cls(
            volume=speaker.volume,
            mute=speaker.mute,
            bass=speaker.bass,
            treble=speaker.treble,
            loudness=speaker.loudness,
            fixed_volume=speaker.fixed_volume,
        )

    def prepare_chime(
        self, speaker: SoCo, volume: int | None, *, silence: bool = False
    ) -> frozenset[str]:
        """Make the chime audible, or an excluded zone quiet; say what changed."""
        if silence:
            if self.mute:
                return frozenset()
            speaker.mute = True
            return frozenset({"mute"})
        changed = set()
        if self.mute:
            speaker.mute = False
            changed.add("mute")
        if volume is not None and not self.fixed_volume and volume != self.volume:
            speaker.volume = volume
            changed.add("volume")
        return frozenset(changed)

    def restore(self, speaker: SoCo, changed: frozenset[str]) -> None:
        """Undo what the chime changed, before playback resumes."""
        if "volume" in changed:
            speaker.volume = self.volume
        if "mute" in changed:
            speaker.mute = self.mute

    def restore_eq(self, speaker: SoCo) -> None:
        """The chime never sets EQ; put back whatever changed meanwhile.

        Runs after playback resumed, so its reads cost no silence.
        """
        if self.fixed_volume:
            return  # fixed outputs refuse EQ changes
        if speaker.bass != self.bass:
            speaker.bass = self.bass
        if speaker.treble != self.treble:
            speaker.treble = self.treble
        if speaker.loudness != self.loudness:
            speaker.loudness = self.loudness


def wait_settled(speaker: SoCo, timeout: float = SETTLE_TIMEOUT) -> str:
    """Transport state once it is not TRANSITIONING, which never resumes as such."""
    deadline = time.monotonic() + timeout
    while True:
        state = speaker.get_current_transport_info()["current_transport_state"]
        if state != TRANSITIONING or time.monotonic() >= deadline:
            return state
        time.sleep(SETTLE_POLL)


@dataclass(frozen=True, slots=True)
class Transport:
    """A coordinator's source and where it was in it."""

    state: str
    uri: str
    metadata: str
    kind: SourceKind
    track: int
    position: str
    play_mode: str
    crossfade: bool

    @property
    def resumable(self) -> bool:
        """Whether UPnP can put this source back."""
        return self.kind not in NOT_RESUMABLE

    @classmethod
    def capture(
        cls,
        speaker: SoCo,
        state: str,
        media: tuple[str, str],
        settings: tuple[str, bool],
    ) -> Transport:
        """Record the source after playback is paused, so the position is exact.

        ``media`` (URI, metadata) and ``settings`` (play mode, crossfade) were
        read before the pause: pausing changes neither, and reads before it
        cost no silence.
        """
        track = speaker.get_current_track_info()
        uri, metadata = media
        play_mode, crossfade = settings
        return cls(
            state=state,
            uri=uri,
            metadata=metadata,
            kind=classify(uri),
            track=int(track["playlist_position"] or 0),
            position=track["position"] or "0:00:00",
            play_mode=play_mode,
            crossfade=crossfade,
        )

    def restore_source(self, speaker: SoCo) -> None:
        """Load the old source again at the same track and position, not playing."""
        if self.kind is SourceKind.QUEUE:
            if self.track > 0:
                speaker.play_from_queue(self.track - 1, start=False)
            else:
                _set_uri(speaker, self.uri, self.metadata)
            if self.position != "0:00:00" and self.track > 0:
                speaker.seek(self.position)
        elif self.kind not in NOT_RESUMABLE and self.kind is not SourceKind.NONE:
            _set_uri(speaker, self.uri, self.metadata)
            if self.kind is SourceKind.STREAM and self.position != "0:00:00":
                # Some streams cannot seek (UPnP 701/711): start over rather than fail.
                with suppress(SoCoUPnPException):
                    speaker.seek(self.position)

    def restore_settings(self, speaker: SoCo) -> None:
        """Play mode and crossfade as they were; set once playback is back.

        Neither changes what plays now, so they cost no silence there.
        """
        if self.kind is SourceKind.QUEUE:
            speaker.play_mode = self.play_mode
        if bool(speaker.cross_fade) != self.crossfade:
            speaker.cross_fade = self.crossfade

    def resume(self, speaker: SoCo) -> None:
        """Play again only what was playing, and never a source we could not load."""
        if (
            self.state == PLAYING
            and self.resumable
            and self.kind is not SourceKind.NONE
        ):
            speaker.play()


def _set_uri(speaker: SoCo, uri: str, metadata: str) -> None:
    speaker.avTransport.SetAVTransportURI(
        [("InstanceID", 0), ("CurrentURI", uri), ("CurrentURIMetaData", metadata)]
    )
