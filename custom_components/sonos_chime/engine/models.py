"""Value types shared by the engine and its callers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class TvMode(StrEnum):
    """What to do with a zone that plays its TV or line-in input."""

    SKIP = "skip"
    INTERRUPT = "interrupt"


class ChimeMode(StrEnum):
    """How a chime reaches the zones: over the music, or in its place."""

    # Pause, chime, put back: every speaker can.
    INTERRUPT = "interrupt"
    # A clip over the music where the speaker takes clips; pause elsewhere.
    OVERLAY = "overlay"
    # As overlay, but a group with a muted speaker is interrupted: a muted
    # speaker is only sure to be heard once it is unmuted for the chime.
    AUTO = "auto"


class Outcome(StrEnum):
    """What happened to one zone."""

    CHIMED = "chimed"
    SKIPPED = "skipped"
    FAILED = "failed"


class Reason(StrEnum):
    """Why a zone was skipped or failed, in words automations can test."""

    # Skipped on purpose.
    EXCLUDED = "excluded"
    TRANSITIONING = "transitioning"
    TV_SOURCE = "tv_source"
    LINE_IN_SOURCE = "line_in_source"
    # Left out by the caller: nobody is in the zone's area (an exclude_uid).
    UNOCCUPIED = "unoccupied"
    # The speaker could not be asked, or refused.
    UNREACHABLE = "unreachable"
    # UPnP switched off in the Sonos app: HTTP 403 to every UPnP request
    # (home-assistant/core#151258).
    UPNP_DISABLED = "upnp_disabled"
    UPNP_ERROR = "upnp_error"
    INTERNAL_ERROR = "internal_error"
    # The chime itself.
    MEDIA_UNPLAYABLE = "media_unplayable"
    TIMEOUT = "timeout"
    # Putting the zone back.
    CANNOT_RESUME = "cannot_resume"
    RESTORE_FAILED = "restore_failed"
    REGROUP_FAILED = "regroup_failed"
    # An overlay clip that ended before it had played (a newer clip, dismissed).
    CLIP_CUT_SHORT = "clip_cut_short"
    # The chime cut short, and the zone put back, because Home Assistant stops.
    STOPPED = "stopped"
    # After a crash: someone changed the zone since; it is left as it is.
    CHANGED_SINCE = "changed_since"
    # Chimed in place of the music although the mode allowed over it: why.
    # A speaker takes only MP3 and WAV clips (Sonos Control API, loadAudioClip).
    CLIP_FORMAT = "clip_format"
    # The speaker takes no clips (S1, no AUDIO_CLIP capability, no websocket).
    NO_CLIPS = "no_clips"
    # Its local API asks for authentication (switched on in the Sonos app).
    LAN_AUTH = "lan_auth"
    # Auto: a muted speaker of the group is unmuted for the chime to be heard.
    MUTED = "muted"
    # A model whose clips disturb the music (overlay.NO_OVERLAY_MODELS).
    CLIP_MODEL = "clip_model"
    # A stereo pair or home theater: a clip would sound on one speaker of it.
    BONDED = "bonded"


# Why a zone that chimed did so in place of the music: a later note (the
# zone could not be resumed, say) tells more and takes their place.
WAY_REASONS = frozenset(
    {
        Reason.CLIP_FORMAT,
        Reason.NO_CLIPS,
        Reason.LAN_AUTH,
        Reason.MUTED,
        Reason.CLIP_MODEL,
        Reason.BONDED,
    }
)


@dataclass(frozen=True, slots=True)
class Zone:
    """One speaker as the household reports it."""

    name: str
    uid: str
    host: str
    coordinator_uid: str
    model: str | None = None
    # A stereo pair or home theater: invisible speakers sound with this one.
    bonded: bool = False

    @property
    def is_coordinator(self) -> bool:
        """Transport commands are only accepted by a group's coordinator."""
        return self.uid == self.coordinator_uid


@dataclass(frozen=True, slots=True)
class HouseholdInfo:
    """A household and its visible zones."""

    household_id: str
    zones: tuple[Zone, ...]

    def groups(self) -> dict[str, list[Zone]]:
        """Zones by coordinator uid, the coordinator first."""
        groups: dict[str, list[Zone]] = {}
        for zone in sorted(self.zones, key=lambda z: not z.is_coordinator):
            groups.setdefault(zone.coordinator_uid, []).append(zone)
        return groups


def _check_url(url: str) -> None:
    """Speakers fetch media over http(s) only; anything else fails mid-chime."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"media must be an http(s) URL, got {url!r}")


@dataclass(frozen=True, slots=True)
class ChimeMedia:
    """One piece of a chime's sequence."""

    url: str
    duration: float | None = None
    title: str = "Chime"


@dataclass(frozen=True, slots=True)
class ChimeRequest:
    """One chime: what to play, where, how loud."""

    # The first piece; followed_by plays after it, in order.
    media_url: str
    duration: float | None = None
    # Where: zone names as a person types them, or uids as the household
    # knows them; neither means every zone.
    zone_names: tuple[str, ...] | None = None
    zone_uids: tuple[str, ...] | None = None
    volume: int | None = None
    # A volume of its own for some zones (uid: 0-100), over every other rule.
    zone_volumes: Mapping[str, int] = field(default_factory=dict)
    # Each speaker's own volume plus this (negative: minus), kept within
    # volume_range: heard over loud music, never blasting a quiet room.
    volume_offset: int | None = None
    volume_range: tuple[int, int] = (0, 100)
    tv: TvMode = TvMode.SKIP
    title: str = "Chime"
    mode: ChimeMode = ChimeMode.INTERRUPT
    # Zones that must not hear it: left out, or muted while their group chimes.
    exclude_uids: frozenset[str] = frozenset()
    followed_by: tuple[ChimeMedia, ...] = ()

    @property
    def sequence(self) -> tuple[ChimeMedia, ...]:
        """Every piece in the order it plays, the first one included."""
        first = ChimeMedia(url=self.media_url, duration=self.duration, title=self.title)
        return (first, *self.followed_by)

    def volume_for(self, uid: str, own: int) -> int | None:
        """The volume a speaker plays the chime at; None leaves its own."""
        if (volume := self.zone_volumes.get(uid)) is not None:
            return volume
        if self.volume_offset is not None:
            low, high = self.volume_range
            return max(low, min(high, own + self.volume_offset))
        return self.volume

    def __post_init__(self) -> None:
        """Refuse values a speaker would reject halfway through a chime."""
        for volume in (self.volume, *self.zone_volumes.values(), *self.volume_range):
            if volume is not None and not 0 <= volume <= 100:
                raise ValueError(f"volume must be 0-100, got {volume}")
        if self.volume_range[0] > self.volume_range[1]:
            raise ValueError(f"volume range {self.volume_range} is upside down")
        if self.volume_offset is not None and not -100 <= self.volume_offset <= 100:
            raise ValueError(
                f"volume offset must be -100-100, got {self.volume_offset}"
            )
        if self.volume is not None and self.volume_offset is not None:
            raise ValueError("a volume or an offset from each zone's own, not both")
        if self.zone_names is not None and self.zone_uids is not None:
            raise ValueError("zones are named or given by uid, not both")
        for piece in self.sequence:
            _check_url(piece.url)


@dataclass(slots=True)
class ZoneResult:
    """The outcome for one zone, with timings in seconds."""

    # The zone's name as the household called it, and its uid.
    name: str
    uid: str
    outcome: Outcome
    reason: Reason | None = None
    detail: str | None = None
    resumed: bool = False
    # How it was chimed: over the music (overlay) or in its place (interrupt).
    way: ChimeMode | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for action responses and events."""
        data = asdict(self)
        # Answered as "zone", as the README documents it.
        data = {"zone": data.pop("name"), **data}
        data["outcome"] = str(self.outcome)
        data["reason"] = None if self.reason is None else str(self.reason)
        data["way"] = None if self.way is None else str(self.way)
        data["timings"] = {k: round(v, 3) for k, v in self.timings.items()}
        return data


@dataclass(slots=True)
class ChimeResult:
    """Every zone's outcome for one chime."""

    zones: list[ZoneResult]
    started_at: datetime
    finished_at: datetime
    start_skew: float | None = None
    duration: float | None = None
    # Pieces after the first left out, by URL: why they could not be fetched.
    unplayed: dict[str, str] = field(default_factory=dict)

    def _with(self, outcome: Outcome) -> list[ZoneResult]:
        return [zone for zone in self.zones if zone.outcome is outcome]

    @property
    def chimed(self) -> list[ZoneResult]:
        """Zones that played the chime."""
        return self._with(Outcome.CHIMED)

    @property
    def skipped(self) -> list[ZoneResult]:
        """Zones left alone on purpose."""
        return self._with(Outcome.SKIPPED)

    @property
    def failed(self) -> list[ZoneResult]:
        """Zones where something went wrong."""
        return self._with(Outcome.FAILED)

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for action responses and events."""
        return {
            "zones": {zone.name: zone.as_dict() for zone in self.zones},
            "start_skew": None
            if self.start_skew is None
            else round(self.start_skew, 4),
            "duration": self.duration,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "unplayed": dict(self.unplayed),
        }
