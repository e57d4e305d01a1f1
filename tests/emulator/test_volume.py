"""Volume channels (balance) and RampToVolume as real speakers do them."""

from collections.abc import Callable
import time

import pytest
from soco.exceptions import SoCoUPnPException

from sonos_emulator import Household, Speaker

from .conftest import soco, wait_until


def _volumes(speaker: Speaker) -> list[tuple[float, int]]:
    """(time, volume) of every volume change on the timeline."""
    return [(e["t"], e["volume"]) for e in speaker.events() if e["kind"] == "volume"]


def _ramp(speaker: Speaker, volume: int, ramp_type: str, *, reset: bool) -> int:
    """RampToVolume with ResetVolumeAfter, which SoCo's ramp_to_volume never sets."""
    answer = soco(speaker).renderingControl.RampToVolume(
        [
            ("InstanceID", 0),
            ("Channel", "Master"),
            ("RampType", ramp_type),
            ("DesiredVolume", volume),
            ("ResetVolumeAfter", reset),
            ("ProgramURI", ""),
        ]
    )
    return int(answer["RampTime"])


def test_balance_reads_and_writes_the_lf_rf_channels(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    assert device.balance == (100, 100)  # centred
    device.balance = (100, 40)
    assert device.balance == (100, 40)
    assert kitchen.channel_volumes == {"LF": 100, "RF": 40}
    assert device.volume == 20  # the master volume is a channel of its own
    sound = [e["channel_volumes"] for e in kitchen.events() if e["kind"] == "sound"]
    assert sound == [{"LF": 100, "RF": 40}]  # LF was already 100: one change
    rc = device.renderingControl
    assert rc.SetRelativeVolume(
        [("InstanceID", 0), ("Channel", "RF"), ("Adjustment", 80)]
    ) == {"NewVolume": "100"}
    with pytest.raises(SoCoUPnPException) as err:
        rc.GetVolume([("InstanceID", 0), ("Channel", "Centre")])
    assert err.value.error_code == "402"


def test_fixed_output_refuses_balance_changes(household: Household) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_fixed_volume(True)
    device = soco(kitchen)
    assert device.balance == (100, 100)
    with pytest.raises(SoCoUPnPException) as err:
        device.balance = (50, 100)
    assert err.value.error_code == "501"


def test_ramp_moves_the_volume_step_by_step_and_lands(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    # AUTOPLAY drops to 0 and climbs 50 steps a second: 40 steps take 0.8 s.
    assert device.ramp_to_volume(40, "AUTOPLAY_RAMP_TYPE") == 0  # 0.8 s, rounded down
    assert device.volume < 40
    wait_until(lambda: device.volume == 40, timeout=3)
    wait_until(lambda: kitchen.ramp is None)
    ramp = _volumes(kitchen)
    levels = [volume for _, volume in ramp]
    assert levels[0] == 0
    assert levels[-1] == 40
    assert levels == sorted(levels)
    assert len(levels) > 10  # in steps, not a jump
    assert 0.79 <= ramp[-1][0] - ramp[0][0] < 1.5


def test_sleep_timer_ramp_rate_and_ramp_time(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    kitchen.set_volume(30)
    assert device.ramp_to_volume(28) == 1  # 2 steps at 1.25 a second: 1.6 s
    wait_until(lambda: device.volume == 28, timeout=4)
    (t0, _), *steps = _volumes(kitchen)
    assert [volume for _, volume in steps] == [29, 28]
    assert steps[0][0] - t0 == pytest.approx(0.8, abs=0.15)
    assert steps[1][0] - t0 == pytest.approx(1.6, abs=0.15)


def test_a_volume_change_supersedes_the_ramp(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    assert device.ramp_to_volume(10) == 8  # 20 -> 10 at 1.25 a second
    device.volume = 33
    wait_until(lambda: kitchen.ramp is None)  # it noticed at its first step
    assert device.volume == 33
    assert [volume for _, volume in _volumes(kitchen)] == [33]


def test_a_new_ramp_replaces_the_running_one(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.ramp_to_volume(60, "AUTOPLAY_RAMP_TYPE")
    device.ramp_to_volume(10, "AUTOPLAY_RAMP_TYPE")
    wait_until(lambda: kitchen.ramp is None, timeout=3)
    assert device.volume == 10
    levels = [volume for _, volume in _volumes(kitchen)]
    second = len(levels) - 1 - levels[::-1].index(0)  # the second ramp's drop to 0
    assert levels[second:] == sorted(levels[second:])
    assert max(levels[second:]) == 10


def test_reset_volume_after_restores_when_playback_stops(
    household: Household,
) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.play_uri("x-rincon-mp3radio://radio.example/stream", title="Radio")
    assert _ramp(kitchen, 10, "AUTOPLAY_RAMP_TYPE", reset=True) == 0
    wait_until(lambda: device.volume == 10, timeout=3)
    assert kitchen.ramp is not None  # still waiting for the program to end
    device.stop()
    wait_until(lambda: device.volume == 20, timeout=3)  # back to the level before
    wait_until(lambda: kitchen.ramp is None)


def test_without_reset_the_ramped_volume_stays(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.play_uri("x-rincon-mp3radio://radio.example/stream", title="Radio")
    _ramp(kitchen, 10, "AUTOPLAY_RAMP_TYPE", reset=False)
    wait_until(lambda: kitchen.ramp is None, timeout=3)
    device.stop()
    assert device.volume == 10


def test_household_stop_ends_a_waiting_alarm_ramp(
    household_factory: Callable[..., Household],
) -> None:
    household = household_factory()
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    # ALARM drops to 0 and waits 30 s before climbing 2.5 steps a second.
    assert device.ramp_to_volume(40, "ALARM_RAMP_TYPE") == 16
    assert device.volume == 0
    started = time.monotonic()
    household.stop()
    assert time.monotonic() - started < 1.0
    assert kitchen.volume == 0
