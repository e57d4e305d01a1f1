"""Injected faults (Python API and POST /emulator/faults) and the event log."""

import socket
import time

import pytest
import requests
from soco.exceptions import SoCoUPnPException

from sonos_emulator import Household
from tests.conftest import MediaServer

from .conftest import soco, state_of, transport_events, wait_until

RADIO = "x-sonosapi-stream:s24896?sid=254&flags=8224&sn=0"


def _refused(ip: str) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((ip, 1400)) != 0


def test_offline_refuses_connections_and_comes_back(household: Household) -> None:
    room = household["Living Room"]
    device = soco(room)
    assert device.volume == 20
    room.go_offline()
    assert _refused(room.ip)
    with pytest.raises(requests.exceptions.ConnectionError):
        device.volume  # noqa: B018
    assert room.state()["online"] is False
    room.go_online()
    assert device.volume == 20
    assert [e["fault"] for e in room.events() if e["kind"] == "fault"] == [
        "offline",
        "online",
    ]


def test_offline_over_http_for_a_while(household: Household) -> None:
    coop = household["Chicken Coop"]
    reply = requests.post(
        f"{coop.base_url}/emulator/faults",
        json={"offline": True, "offline_for": 0.3},
        timeout=5,
    )
    assert reply.status_code == 200
    wait_until(lambda: _refused(coop.ip), timeout=2)
    wait_until(lambda: not _refused(coop.ip), timeout=2)
    assert soco(coop).volume == 20


def test_latency_is_measurable(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.volume  # noqa: B018 - warm up the SCPD-free path
    kitchen.set_latency(0.3)
    started = time.monotonic()
    assert device.volume == 20
    assert time.monotonic() - started >= 0.3
    kitchen.clear_faults()
    started = time.monotonic()
    device.volume  # noqa: B018
    assert time.monotonic() - started < 0.2


def test_named_action_fails_with_its_code(household: Household) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_source(RADIO, state="PAUSED_PLAYBACK")
    device = soco(kitchen)
    kitchen.fail_action("Play", code=701, times=1)
    with pytest.raises(SoCoUPnPException) as err:
        device.play()
    assert err.value.error_code == "701"
    device.play()  # used up
    assert state_of(kitchen) == "PLAYING"

    kitchen.fail_action("SetVolume", code=402)  # times=None: always
    for _ in range(2):
        with pytest.raises(SoCoUPnPException) as err:
            device.volume = 30
        assert err.value.error_code == "402"
    faults = [e for e in kitchen.events() if e["kind"] == "fault"]
    assert [(e["action"], e["code"]) for e in faults] == [
        ("Play", 701),
        ("SetVolume", 402),
        ("SetVolume", 402),
    ]
    kitchen.clear_faults()
    device.volume = 30
    assert kitchen.state()["volume"] == 30


def test_named_action_fault_over_http(household: Household) -> None:
    room = household["Living Room"]
    requests.post(
        f"{room.base_url}/emulator/faults",
        json={"action": "GetVolume", "code": 714, "times": 2},
        timeout=5,
    ).raise_for_status()
    device = soco(room)
    for _ in range(2):
        with pytest.raises(SoCoUPnPException) as err:
            device.volume  # noqa: B018
        assert err.value.error_code == "714"
    assert device.volume == 20
    requests.post(f"{room.base_url}/emulator/faults", json={"latency": 0.2}, timeout=5)
    assert room.state()["faults"]["latency"] == 0.2
    requests.post(f"{room.base_url}/emulator/faults", json={"clear": True}, timeout=5)
    assert room.state()["faults"]["latency"] == 0.0
    bad = requests.post(f"{room.base_url}/emulator/faults", data=b"[1]", timeout=5)
    assert bad.status_code == 400


def test_slow_media_fetch_transitions_then_plays(
    household: Household, media_server: MediaServer
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_media_fetch_delay(0.4)
    device = soco(kitchen)
    device.play_uri(media_server.url("chime_short.wav"))
    assert state_of(kitchen) == "TRANSITIONING"
    wait_until(lambda: state_of(kitchen) == "PLAYING", timeout=2)
    events = [e for e in kitchen.events() if e["kind"] == "transport"]
    states = [e["state"] for e in events]
    started = states.index("TRANSITIONING")
    assert states[started : started + 2] == ["TRANSITIONING", "PLAYING"]
    assert events[started + 1]["t"] - events[started]["t"] >= 0.4


def test_transition_for_holds_the_clock(household: Household) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_source(RADIO)
    kitchen.transition_for(0.3)
    assert state_of(kitchen) == "TRANSITIONING"
    assert kitchen.state()["position"] == pytest.approx(0.0, abs=0.05)
    wait_until(lambda: state_of(kitchen) == "PLAYING", timeout=2)
    assert [s for s, _ in transport_events(kitchen)][-2:] == [
        "TRANSITIONING",
        "PLAYING",
    ]


def test_every_soap_action_is_an_event(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.volume = 25
    device.mute = True
    actions = [e["action"] for e in kitchen.events() if e["kind"] == "soap"]
    assert actions[-2:] == ["SetVolume", "SetMute"]
    assert not [e for e in household["Chicken Coop"].events() if e["kind"] == "soap"]
    assert [e["volume"] for e in kitchen.events() if e["kind"] == "volume"] == [25]
    over_http = requests.get(f"{kitchen.base_url}/emulator/events", timeout=5).json()
    assert [e["kind"] for e in over_http] == [e["kind"] for e in kitchen.events()]
    timeline = household.events()
    assert [e["t"] for e in timeline] == sorted(e["t"] for e in timeline)
    assert (
        requests.delete(f"{kitchen.base_url}/emulator/events", timeout=5).json() == []
    )
    assert kitchen.events() == []
