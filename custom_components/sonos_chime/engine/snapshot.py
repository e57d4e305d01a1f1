"""What each speaker was doing, and putting it back.

Rendering (volume, mute, EQ) is per speaker, so every member is recorded;
transport (source, track, position, play mode) lives on the coordinator.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
import time

from soco import SoCo

from .sources import NOT_RESUMABLE, SourceKind, classify

PLAYING = "PLAYING"
PAUSED = "PAUSED_PLAYBACK"
TRANSITIONING = "TRANSITIONING"
START = "0:00:00"
# The rendering fields a chime may change, restored in this order.
VOLUME = "volume"
MUTE = "mute"
FIELDS = (VOLUME, MUTE)
SETTLE_TIMEOUT = 5.0
SETTLE_POLL = 0.05
# Sources with a position worth going back to.
SEEKABLE = frozenset({SourceKind.QUEUE, SourceKind.STREAM})


@dataclass(frozen=True, slots=True)
class Level:
    """How loud a speaker plays: read first, and all a clip over music needs."""

    volume: int
    mute: bool

    @classmethod
    def capture(cls, speaker: SoCo) -> Level:
        """Two reads; the rest of the rendering waits until a pause is chosen."""
        return cls(volume=speaker.volume, mute=speaker.mute)


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
    def capture(cls, speaker: SoCo, level: Level) -> Rendering:
        """Read every other setting the chime may change or a restore must keep."""
        return cls(
            volume=level.volume,
            mute=level.mute,
            bass=speaker.bass,
            treble=speaker.treble,
            loudness=speaker.loudness,
            fixed_volume=speaker.fixed_volume,
        )

    def chime_settings(
        self, volume: int | None, *, silence: bool = False
    ) -> dict[str, int | bool]:
        """What the chime changes: audible at its volume, or an excluded zone quiet."""
        if silence:
            return {} if self.mute else {MUTE: True}
        changes: dict[str, int | bool] = {}
        if self.mute:
            changes[MUTE] = False
        if volume is not None and not self.fixed_volume and volume != self.volume:
            changes[VOLUME] = volume
        return changes

    def original(self, name: str) -> int | bool:
        """The value a field had before the chime."""
        return self.volume if name == VOLUME else self.mute

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


def set_field(speaker: SoCo, name: str, value: int | bool) -> None:
    """Write one rendering field."""
    if name == VOLUME:
        speaker.volume = value
    else:
        speaker.mute = value


def start_playing(speaker: SoCo, timeout: float = SETTLE_TIMEOUT) -> None:
    """Play, and return once the speaker really plays (buffered, seekable)."""
    speaker.play()
    if wait_settled(speaker, timeout) != PLAYING:
        raise TimeoutError("The speaker did not start playing")


def wait_settled(speaker: SoCo, timeout: float = SETTLE_TIMEOUT) -> str:
    """Transport state once it is not TRANSITIONING, which never resumes as such."""
    deadline = time.monotonic() + timeout
    while True:
        # SoCo is untyped: its transport info is a dict of str.
        state: str = speaker.get_current_transport_info()["current_transport_state"]
        if state != TRANSITIONING or time.monotonic() >= deadline:
            return state
        time.sleep(SETTLE_POLL)


@dataclass(frozen=True, slots=True)
class Source:
    """What a coordinator plays, and whether: read first, to choose the way."""

    state: str
    uri: str
    metadata: str

    @property
    def kind(self) -> SourceKind:
        """The kind of source its URI names."""
        return classify(self.uri)

    @property
    def resumable(self) -> bool:
        """Whether UPnP can put this source back."""
        return self.kind not in NOT_RESUMABLE


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
    def capture(cls, speaker: SoCo, source: Source) -> Transport:
        """Record where the source is, and how it plays, before anything is touched.

        Reads before the pause cost no silence. A playing zone's position
        runs on: repositioned reads it again once paused.
        """
        play_mode, crossfade = speaker.play_mode, bool(speaker.cross_fade)
        track = speaker.get_current_track_info()
        return cls(
            state=source.state,
            uri=source.uri,
            metadata=source.metadata,
            kind=source.kind,
            track=int(track["playlist_position"] or 0),
            position=track["position"] or START,
            play_mode=play_mode,
            crossfade=crossfade,
        )

    def repositioned(self, speaker: SoCo) -> Transport:
        """The same source at the track and position it was paused at."""
        track = speaker.get_current_track_info()
        return replace(
            self,
            track=int(track["playlist_position"] or 0),
            position=track["position"] or START,
        )

    @property
    def clears(self) -> bool:
        """Whether the restore can only clear the chime away, not reload a source."""
        return self.kind is SourceKind.NONE or not self.resumable

    @property
    def seeks_while_stopped(self) -> bool:
        """Queue tracks accept a seek once loaded; a plain file only once playing."""
        return self.kind is SourceKind.QUEUE and self.track > 0

    @property
    def at_start(self) -> bool:
        """Whether there is no position to go back to."""
        return self.position == START or self.kind not in SEEKABLE

    def load_source(self, speaker: SoCo, uid: str) -> None:
        """The old source loaded again, not playing, or at least not the chime.

        What UPnP cannot load back (nothing, an app's session) gets the
        zone's own queue instead: pressing play must never replay the chime.
        """
        if self.clears:
            _set_uri(speaker, f"x-rincon-queue:{uid}#0", "")
        elif self.seeks_while_stopped:
            speaker.play_from_queue(self.track - 1, start=False)
        else:
            _set_uri(speaker, self.uri, self.metadata)

    def seek(self, speaker: SoCo) -> None:
        """Back to the recorded position in the loaded track."""
        speaker.seek(self.position)

    def restore_settings(self, speaker: SoCo) -> None:
        """Play mode and crossfade as they were; set once playback is back.

        Neither changes what plays now, so they cost no silence there.
        """
        if self.kind is SourceKind.QUEUE:
            speaker.play_mode = self.play_mode
        if bool(speaker.cross_fade) != self.crossfade:
            speaker.cross_fade = self.crossfade


def _set_uri(speaker: SoCo, uri: str, metadata: str) -> None:
    speaker.avTransport.SetAVTransportURI(
        [("InstanceID", 0), ("CurrentURI", uri), ("CurrentURIMetaData", metadata)]
    )
