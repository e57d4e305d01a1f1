"""RenderingControl (per speaker) and GroupRenderingControl (per group)."""

from ..soap import UPnPError
from . import FIXED_VOLUME_ERROR, Call, action

RC = "RenderingControl"
GRC = "GroupRenderingControl"
_RAMP_RATES = {"SLEEP_TIMER_RAMP_TYPE": 1.25, "ALARM_RAMP_TYPE": 2.5}
_AUTOPLAY_RATE = 50.0


def _adjustable(call: Call) -> None:
    """Fixed-output speakers refuse volume and EQ changes."""
    if call.speaker.fixed_volume:
        raise UPnPError(FIXED_VOLUME_ERROR, "output is fixed")


def _clamp(value: int, low: int, high: int) -> int:
    """Keep a level in range, as speakers do for relative changes."""
    return max(low, min(high, value))


@action(RC)
def GetVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Fixed-output speakers read 100."""
    return {"CurrentVolume": call.speaker.reported_volume()}


@action(RC)
def SetVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """0..100."""
    _adjustable(call)
    call.speaker.change(volume=call.int_arg("DesiredVolume", 0, 100))
    return {}


@action(RC)
def SetRelativeVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """Out-of-range results are clamped, not refused."""
    _adjustable(call)
    volume = _clamp(call.speaker.volume + call.int_arg("Adjustment"), 0, 100)
    call.speaker.change(volume=volume)
    return {"NewVolume": volume}


@action(RC)
def RampToVolume(call: Call) -> dict[str, object]:  # noqa: N802
    """The volume lands at once; RampTime says how long a real ramp would take."""
    _adjustable(call)
    ramp_type = call.arg("RampType")
    target = call.int_arg("DesiredVolume", 0, 100)
    if ramp_type in _RAMP_RATES:
        base = call.speaker.volume if ramp_type == "SLEEP_TIMER_RAMP_TYPE" else 0
        seconds = abs(target - base) / _RAMP_RATES[ramp_type]
    elif ramp_type == "AUTOPLAY_RAMP_TYPE":
        seconds = target / _AUTOPLAY_RATE
    else:
        raise UPnPError(402, "unknown ramp type")
    call.speaker.change(volume=target)
    return {"RampTime": int(seconds)}


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
    call.require_coordinator()
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
    call.require_coordinator()
    return {"CurrentMute": all(sp.mute for sp in call.speaker.group_members())}


@action(GRC)
def SetGroupMute(call: Call) -> dict[str, object]:  # noqa: N802
    """Mute or unmute every member."""
    call.require_coordinator()
    mute = call.bool_arg("DesiredMute")
    for sp in call.speaker.group_members():
        sp.change(mute=mute)
    return {}
