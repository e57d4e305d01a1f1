"""Fixtures for engine tests: an engine bound to the emulated household."""

from collections.abc import Callable
import time

import pytest

from custom_components.sonos_chime.engine import ChimeEngine
from sonos_emulator import Household, Speaker, Track

# A local queue: five tracks of three minutes.
QUEUE = [
    Track(f"x-file-cifs://nas/music/{n:02}.mp3", f"Song {n}", 180.0)
    for n in range(1, 6)
]
RADIO = "x-sonosapi-stream:s24896?sid=254&flags=8224&sn=0"

# SOAP actions that change a speaker; reads are allowed anywhere.
CHANGES = frozenset(
    {
        "SetAVTransportURI",
        "Play",
        "Pause",
        "Stop",
        "Seek",
        "SetVolume",
        "SetMute",
        "SetBass",
        "SetTreble",
        "SetLoudness",
        "SetPlayMode",
        "SetCrossfadeMode",
        "BecomeCoordinatorOfStandaloneGroup",
        "RemoveAllTracksFromQueue",
        "AddURIToQueue",
    }
)


def soap_actions(speaker: Speaker) -> list[str]:
    """Every SOAP action the speaker received, in order."""
    return [e["action"] for e in speaker.events() if e["kind"] == "soap"]


def changes(speaker: Speaker) -> list[str]:
    """The state-changing SOAP actions the speaker received."""
    return [action for action in soap_actions(speaker) if action in CHANGES]


def played_uris(speaker: Speaker) -> list[str]:
    """URIs the speaker reported PLAYING, in order, without repeats."""
    uris: list[str] = []
    for event in speaker.events():
        playing = event["kind"] == "transport" and event["state"] == "PLAYING"
        if playing and (not uris or uris[-1] != event["uri"]):
            uris.append(event["uri"])
    return uris


PROFILES = ("fast", "realistic")
both_profiles = pytest.mark.parametrize("household", PROFILES, indirect=True)
"""Run a test on a household that answers at once and on one timed like real ones."""


def settled(household: Household) -> None:
    """Wait until no speaker is still buffering what it was told to play."""
    wait_for(
        lambda: all(
            speaker.state()["transport_state"] != "TRANSITIONING"
            for speaker in household.speakers
        )
    )


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until the speakers report what the test waits for."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


@pytest.fixture
def engine_for() -> Callable[[Household], ChimeEngine]:
    """An engine on a household, polling fast so tests stay short."""

    def make(household: Household, **kwargs: float) -> ChimeEngine:
        return ChimeEngine(
            [speaker.ip for speaker in household.speakers],
            poll_interval=kwargs.pop("poll_interval", 0.05),
            **kwargs,
        )

    return make


@pytest.fixture
def engine(household: Household, engine_for) -> ChimeEngine:
    """The engine on the default three-zone household."""
    return engine_for(household)


def put_to_work(household: Household) -> None:
    """A queue mid-track in a group, a muted radio, quiet volumes."""
    kitchen, room, coop = (
        household[name] for name in ("Kitchen", "Living Room", "Chicken Coop")
    )
    kitchen.set_queue(QUEUE)
    kitchen.set_play_mode("REPEAT_ALL")
    kitchen.set_volume(12)
    room.set_volume(9)
    kitchen.play_queue(track=2, position=30.0)
    household.join("Living Room", "Kitchen")
    coop.set_source(RADIO, state="PLAYING")
    coop.set_volume(7)
    coop.set_mute(True)


def assert_at_work(household: Household, chime: str) -> None:
    """Every field put_to_work set, as the speakers report it, and no chime."""
    kitchen, room, coop = (
        household[name] for name in ("Kitchen", "Living Room", "Chicken Coop")
    )
    state = kitchen.state()
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert (state["track_number"], state["transport_state"]) == (2, "PLAYING")
    assert state["position"] >= 30.0
    assert (state["volume"], state["mute"], state["play_mode"]) == (
        12,
        False,
        "REPEAT_ALL",
    )
    assert room.state()["coordinator_uid"] == kitchen.uid
    assert (room.state()["volume"], room.state()["mute"]) == (9, False)
    coop_state = coop.state()
    assert (coop_state["current_uri"], coop_state["transport_state"]) == (
        RADIO,
        "PLAYING",
    )
    assert (coop_state["volume"], coop_state["mute"]) == (7, True)
    assert all(s.state()["track_uri"] != chime for s in household.speakers)


def chime_sounding(household: Household, url: str) -> Callable[[], bool]:
    """Whether every group's coordinator plays the chime now."""
    return lambda: all(
        speaker.state()["track_uri"] == url
        and speaker.state()["transport_state"] == "PLAYING"
        for speaker in household.speakers
        if speaker.state()["coordinator_uid"] == speaker.uid
    )


@pytest.fixture
def household_at_work(household: Household) -> Household:
    """The default household at work (put_to_work), settled."""
    put_to_work(household)
    settled(household)
    return household
