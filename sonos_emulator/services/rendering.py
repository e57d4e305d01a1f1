"""RenderingControl (per speaker) and GroupRenderingControl (per group).

Volume has three channels, as on real speakers: ``Master`` (the volume) and
``LF``/``RF``, the balance levels under it (100 each when centred; SoCo's
``balance`` reads and writes them). RampToVolume really ramps: a thread moves
the volume one step at a time at the rate of its RampType, until it lands, a
newer ramp replaces it, something else changes the volume, or the household
stops. With ResetVolumeAfter the volume goes back to its pre-ramp level when
the group stops playing (after having played since the ramp began).
"""

from dataclasses import dataclass
import time
from typing import TYPE_CHECKING

from ..soap import UPnPError
from ..transport import PLAYING, TRANSITIONING
from . import (
    FIXED_VOLUME_ERROR,
    GROUP_MEMBER_ERROR,
    Call,
    LastChange,
    action,
    element,
    evented,
)

if TYPE_CHECKING:
    from ..speaker import Speaker

RC = "RenderingControl"
GRC = "GroupRenderingControl"
CHANNELS = ("Master", "LF", "RF")
RAMP_RATES = {
    "SLEEP_TIMER_RAMP_TYPE": 1.25,
    "ALARM_RAMP_TYPE": 2.5,
    "AUTOPLAY_RAMP_TYPE": 50.0,
}
"""Volume steps per second, as SoCo documents them from hardware."""
ALARM_RAMP_WAIT = 30.0
"""ALARM_RAMP_TYPE holds the volume at 0 this long before ramping (SoCo's docs)."""
_RESET_POLL = 0.05
"""How often a landed ramp with ResetVolumeAfter looks whether playback ended."""


def _adjustable(call: Call) -> None:
    """Fixed-output speakers refuse volume and EQ changes."""
    if call.speaker.fixed_volume:
        raise UPnPError(FIXED_VOLUME_ERROR, "output is fixed")


def _clamp(value: int, low: int, high: int) -> int:
    """Keep a level in range, as speakers do for relative changes."""
    return max(low, min(high, value))


def _channel(call: Call) -> str:
    """Master, LF or RF; anything else is refused with 402."""
    channel = call.arg("Channel")
    if channel not in CHANNELS:
        raise UPnPError(402, f"no channel {channel!r}")
    return channel


def _level(speaker: Speaker, channel: str) -> int:
    """The volume (Master) or a balance level (LF, RF)."""
    if channel == "Master":
        return speaker.volume
    return speaker.channel_volumes[channel]


def _set_level(speaker: Speaker, channel: str, level: int) -> None:
    """Change one channel, recording the change like every other setting."""
    if channel == "Master":
        speaker.change(volume=level)
    else:
        speaker.change(channel_volumes={**speaker.channel_volumes, channel: level})


@action(RC)
def GetVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Fixed-output speakers read 100 on Master; LF/RF are the balance levels."""
    channel = _channel(call)
    if channel == "Master":
        return {"CurrentVolume": call.speaker.reported_volume()}
    return {"CurrentVolume": _level(call.speaker, channel)}


@action(RC)
def SetVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """0..100 on any channel; fixed output refuses."""
    channel = _channel(call)
    _adjustable(call)
    _set_level(call.speaker, channel, call.int_arg("DesiredVolume", 0, 100))
    return {}


@action(RC)
def SetRelativeVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Out-of-range results are clamped, not refused."""
    channel = _channel(call)
    _adjustable(call)
    level = _clamp(_level(call.speaker, channel) + call.int_arg("Adjustment"), 0, 100)
    _set_level(call.speaker, channel, level)
    return {"NewVolume": level}


@dataclass(slots=True, eq=False)
class _Ramp:
    """One RampToVolume: a straight line from ``base`` at ``start`` to ``target``."""

    speaker: Speaker
    base: int
    target: int
    rate: float
    start: float
    prior: int | None
    """The volume to go back to when the program ends (ResetVolumeAfter)."""
    last: int
    """The level this ramp set last: any other level means someone else changed it."""
    played: bool = False

    def level(self, now: float) -> int:
        """Where the volume is at ``now`` (whole steps only, as speakers do)."""
        steps = int(max(0.0, now - self.start) * self.rate)
        if self.target >= self.base:
            return min(self.target, self.base + steps)
        return max(self.target, self.base - steps)

    def next_step(self, now: float) -> float | None:
        """When the volume moves next; None once it has landed."""
        done = abs(self.level(now) - self.base)
        if done == abs(self.target - self.base):
            return None
        return self.start + (done + 1) / self.rate

    def superseded(self) -> bool:
        """A newer ramp took over, or the volume was set by someone else."""
        return self.speaker.ramp is not self or self.speaker.volume != self.last

    def step(self, now: float) -> float | None:
        """Apply the level due at ``now``; the next moment to look again, or None."""
        speaker = self.speaker
        self.last = self.level(now)
        speaker.change(volume=self.last)
        wake = self.next_step(now)
        if self.prior is not None:
            state = speaker.effective_transport().reported_state(now)
            playing = state in {PLAYING, TRANSITIONING}
            if self.played and not playing:
                speaker.change(volume=self.prior)
                return None
            self.played = self.played or playing
            return wake if wake is not None else now + _RESET_POLL
        return wake

    def run(self) -> None:
        """Thread body: step until landed, superseded or the household stops."""
        household = self.speaker.household
        while True:
            with household.lock:
                now = time.monotonic()
                household.settle_all(now)
                wake = None if self.superseded() else self.step(now)
                if wake is None:
                    if self.speaker.ramp is self:
                        self.speaker.ramp = None
                    return
            if household.stopping.wait(max(0.0, wake - time.monotonic())):
                return


@action(RC)
def RampToVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Start a ramp; RampTime is its length in whole seconds (waits excluded)."""
    if _channel(call) != "Master":
        raise UPnPError(402, "ramps move the Master volume only")
    _adjustable(call)
    ramp_type = call.arg("RampType")
    target = call.int_arg("DesiredVolume", 0, 100)
    reset_after = call.bool_arg("ResetVolumeAfter")
    if ramp_type not in RAMP_RATES:
        raise UPnPError(402, "unknown ramp type")
    speaker = call.speaker
    prior = speaker.volume
    base = prior if ramp_type == "SLEEP_TIMER_RAMP_TYPE" else 0
    rate = RAMP_RATES[ramp_type]
    wait = ALARM_RAMP_WAIT if ramp_type == "ALARM_RAMP_TYPE" else 0.0
    speaker.change(volume=base)
    ramp = _Ramp(
        speaker=speaker,
        base=base,
        target=target,
        rate=rate,
        start=call.now + wait,
        prior=prior if reset_after else None,
        last=base,
    )
    speaker.ramp = ramp
    speaker.household.spawn(ramp.run, f"sonos-emulator-ramp-{speaker.name}")
    return {"RampTime": int(abs(target - base) / rate)}


@action(RC)
def GetMute(call: Call) -> dict[str, object]:  # noqa: N802
    """Mute works on fixed-output speakers too."""
    return {"CurrentMute": call.speaker.mute}


@action(RC)
def SetMute(call: Call) -> dict[str, object]:  # noqa: N802
    """Mute or unmute."""
    call.speaker.change(mute=call.bool_arg("DesiredMute"))
    return {}


@action(RC)
def GetBass(call: Call) -> dict[str, object]:  # noqa: N802
    """-10..10."""
    return {"CurrentBass": call.speaker.bass}


@action(RC)
def SetBass(call: Call) -> dict[str, object]:  # noqa: N802
    """-10..10; fixed output refuses."""
    _adjustable(call)
    call.speaker.change(bass=call.int_arg("DesiredBass", -10, 10))
    return {}


@action(RC)
def GetTreble(call: Call) -> dict[str, object]:  # noqa: N802
    """-10..10."""
    return {"CurrentTreble": call.speaker.treble}


@action(RC)
def SetTreble(call: Call) -> dict[str, object]:  # noqa: N802
    """-10..10; fixed output refuses."""
    _adjustable(call)
    call.speaker.change(treble=call.int_arg("DesiredTreble", -10, 10))
    return {}


@action(RC)
def GetLoudness(call: Call) -> dict[str, object]:  # noqa: N802
    """Loudness compensation flag."""
    return {"CurrentLoudness": call.speaker.loudness}


@action(RC)
def SetLoudness(call: Call) -> dict[str, object]:  # noqa: N802
    """Fixed output refuses."""
    _adjustable(call)
    call.speaker.change(loudness=call.bool_arg("DesiredLoudness"))
    return {}


@action(RC)
def GetOutputFixed(call: Call) -> dict[str, object]:  # noqa: N802
    """1 on fixed-output speakers."""
    return {"CurrentFixed": call.speaker.fixed_volume}


@action(RC)
def GetSupportsOutputFixed(call: Call) -> dict[str, object]:  # noqa: N802
    """Only speakers made fixed-capable by the test support it."""
    return {"CurrentSupportsFixed": call.speaker.supports_fixed}


@action(RC)
def SetOutputFixed(call: Call) -> dict[str, object]:  # noqa: N802
    """Speakers without a line-out refuse with 402."""
    if not call.speaker.supports_fixed:
        raise UPnPError(402, "fixed output not supported")
    call.speaker.change(fixed_volume=call.bool_arg("DesiredFixed"))
    return {}


# ------------------------------------------------------ GroupRenderingControl
def _group(call: Call) -> list:
    """The group's adjustable members (fixed-output speakers do not count)."""
    call.require_coordinator(GROUP_MEMBER_ERROR)
    return [sp for sp in call.speaker.group_members() if not sp.fixed_volume]


def _group_volume(members: list) -> int:
    """Average of the members' volumes, 100 when all outputs are fixed."""
    if not members:
        return 100
    return round(sum(sp.volume for sp in members) / len(members))


def _set_group_volume(call: Call, target: int) -> int:
    """Scale every member proportionally, like the Sonos app's group slider."""
    members = _group(call)
    if not members:
        raise UPnPError(FIXED_VOLUME_ERROR, "every output is fixed")
    snapshot: dict[str, int] = call.speaker.group_volume_snapshot
    if set(snapshot) != {sp.uid for sp in members}:
        snapshot = {sp.uid: sp.volume for sp in members}
    base = sum(snapshot.values()) / len(snapshot)
    for sp in members:
        level = target if base == 0 else round(snapshot[sp.uid] * target / base)
        sp.change(volume=_clamp(level, 0, 100))
    return _group_volume(members)


@action(GRC)
def SnapshotGroupVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Remember the members' ratios for the next group volume change."""
    call.speaker.group_volume_snapshot = {sp.uid: sp.volume for sp in _group(call)}
    return {}


@action(GRC)
def GetGroupVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Average member volume."""
    return {"CurrentVolume": _group_volume(_group(call))}


@action(GRC)
def SetGroupVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Members scale proportionally."""
    _set_group_volume(call, call.int_arg("DesiredVolume", 0, 100))
    return {}


@action(GRC)
def SetRelativeGroupVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Relative change of the group volume, clamped."""
    current = _group_volume(_group(call))
    target = _clamp(current + call.int_arg("Adjustment"), 0, 100)
    return {"NewVolume": _set_group_volume(call, target)}


@action(GRC)
def GetGroupMute(call: Call) -> dict[str, object]:  # noqa: N802
    """Muted when every member is muted."""
    call.require_coordinator(GROUP_MEMBER_ERROR)
    return {"CurrentMute": all(sp.mute for sp in call.speaker.group_members())}


@action(GRC)
def SetGroupMute(call: Call) -> dict[str, object]:  # noqa: N802
    """Mute or unmute every member."""
    call.require_coordinator(GROUP_MEMBER_ERROR)
    mute = call.bool_arg("DesiredMute")
    for sp in call.speaker.group_members():
        sp.change(mute=mute)
    return {}


@evented(RC, LastChange("urn:schemas-upnp-org:metadata-1-0/RCS/", full=False))
def _rendering_events(speaker: Speaker) -> dict[str, str]:
    """RenderingControl's LastChange; after the first event only what changed."""
    channels = getattr(speaker, "channel_volumes", {"LF": 100, "RF": 100})
    return {
        "Volume/Master": element("Volume", speaker.reported_volume(), channel="Master"),
        **{
            f"Volume/{channel}": element("Volume", level, channel=channel)
            for channel, level in channels.items()
        },
        "Mute/Master": element("Mute", speaker.mute, channel="Master"),
        "Mute/LF": element("Mute", False, channel="LF"),
        "Mute/RF": element("Mute", False, channel="RF"),
        "Bass": element("Bass", speaker.bass),
        "Treble": element("Treble", speaker.treble),
        "Loudness/Master": element("Loudness", speaker.loudness, channel="Master"),
        "OutputFixed": element("OutputFixed", speaker.fixed_volume),
        "HeadphoneConnected": element("HeadphoneConnected", False),
        "SpeakerSize": element("SpeakerSize", 3),
        "SubGain": element("SubGain", 0),
        "SubCrossover": element("SubCrossover", 0),
        "SubPolarity": element("SubPolarity", 0),
        "SubEnabled": element("SubEnabled", True),
        "SonarEnabled": element("SonarEnabled", True),
        "SonarCalibrationAvailable": element("SonarCalibrationAvailable", True),
        "PresetNameList": element("PresetNameList", "FactoryDefaults"),
    }


@evented(GRC)
def _group_rendering_events(speaker: Speaker) -> dict[str, str]:
    """The group's volume and mute, as its coordinator sees them."""
    coordinator = speaker.coordinator()
    members = coordinator.group_members()
    adjustable = [sp for sp in members if not sp.fixed_volume]
    return {
        "GroupMute": "1" if all(sp.mute for sp in members) else "0",
        "GroupVolume": str(_group_volume(adjustable)),
        "GroupVolumeChangeable": "1" if adjustable else "0",
    }
