"""A chime cut short by a killed process: the record puts the household back."""

import json
from pathlib import Path
import signal
import subprocess
import sys
import textwrap

import pytest

from custom_components.sonos_chime.engine import (
    ChimeEngine,
    ChimeRequest,
    Outcome,
    Reason,
)
from custom_components.sonos_chime.engine.record import record_age
from sonos_emulator import Household

from .conftest import RADIO, both_profiles, chime_sounding, settled, wait_for

ROOT = Path(__file__).parents[2]
# A process that chimes on the household and writes the record where the
# test finds it, atomically, as Home Assistant's Store does.
CHIMER = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from custom_components.sonos_chime.engine import ChimeEngine, ChimeRequest

    record_path, url, hosts = sys.argv[2], sys.argv[3], sys.argv[4:]

    def keep(record):
        with open(record_path + ".tmp", "w") as out:
            json.dump(record, out)
        os.replace(record_path + ".tmp", record_path)

    ChimeEngine(hosts).chime(ChimeRequest(url, volume=45), on_record=keep)
    """
)


@pytest.fixture
def killed_mid_chime(household: Household, media_server, tmp_path: Path) -> dict:
    """Start the chiming process, kill -9 it while every zone plays the chime."""
    record_path = tmp_path / "record.json"
    url = media_server.url("chime_long.mp3")
    hosts = [speaker.ip for speaker in household.speakers]
    chimer = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", CHIMER, str(ROOT), str(record_path), url, *hosts]
    )
    try:
        wait_for(chime_sounding(household, url), timeout=15)
        chimer.send_signal(signal.SIGKILL)
    finally:
        chimer.wait(timeout=10)
    assert chimer.returncode == -signal.SIGKILL
    return json.loads(record_path.read_text())


@both_profiles
def test_recovery_after_kill_puts_every_zone_back(
    household_at_work: Household, killed_mid_chime: dict, media_server
) -> None:
    household = household_at_work
    kitchen, room, coop = (
        household[name] for name in ("Kitchen", "Living Room", "Chicken Coop")
    )
    # The kill left the household mid-chime: chime loaded, volumes raised.
    assert kitchen.state()["volume"] == 45
    assert coop.state()["mute"] is False
    assert record_age(killed_mid_chime) < 30

    result = ChimeEngine([kitchen.ip]).recover(killed_mid_chime)
    settled(household)

    assert {z.name: (z.outcome, z.resumed) for z in result.zones} == {
        "Kitchen": (Outcome.CHIMED, True),
        "Living Room": (Outcome.CHIMED, True),
        "Chicken Coop": (Outcome.CHIMED, True),
    }
    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert state["track_number"] == 2
    # Where it was paused (it played on while the process started).
    recorded = next(
        group["transport"]
        for group in killed_mid_chime["groups"]
        if group["transport"]["uri"] == state["current_uri"]
    )
    minutes, seconds = recorded["position"].split(":")[1:]
    assert state["position"] == pytest.approx(int(minutes) * 60 + int(seconds), abs=2.0)
    assert (state["volume"], state["play_mode"]) == (12, "REPEAT_ALL")
    assert room.state()["coordinator_uid"] == kitchen.uid
    assert room.state()["volume"] == 9
    coop_state = coop.state()
    assert coop_state["current_uri"] == RADIO
    assert coop_state["transport_state"] == "PLAYING"
    assert (coop_state["volume"], coop_state["mute"]) == (7, True)
    chime = media_server.url("chime_long.mp3")
    assert all(s.state()["track_uri"] != chime for s in household.speakers)


def test_a_zone_changed_since_is_left_as_it_is(
    household_at_work: Household, killed_mid_chime: dict
) -> None:
    household = household_at_work
    kitchen, coop = household["Kitchen"], household["Chicken Coop"]
    # Before Home Assistant is back, someone starts the radio in the coop
    # again, louder: the same source as recorded, but not the chime's doing.
    coop.set_source(RADIO, state="PLAYING")
    coop.set_volume(30)

    result = ChimeEngine([kitchen.ip]).recover(killed_mid_chime)

    coop_result = next(z for z in result.zones if z.name == "Chicken Coop")
    assert (coop_result.outcome, coop_result.reason) == (
        Outcome.SKIPPED,
        Reason.CHANGED_SINCE,
    )
    assert coop.state()["volume"] == 30  # not put back to 7 over the user
    assert kitchen.state()["track_number"] == 2
    assert kitchen.state()["volume"] == 12


def test_an_app_session_paused_before_the_chime_loaded_plays_again(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """Killed between pause and load, an app's session was only paused: play it."""
    kitchen = household["Kitchen"]
    app = "x-sonos-vli:RINCON_1:2,spotify:abc"
    kitchen.set_source(app, state="PLAYING")
    records: list[dict] = []
    engine.chime(
        ChimeRequest(media_server.url("chime_short.mp3"), zone_names=("Kitchen",)),
        on_record=records.append,
    )
    # As a process killed right after the pause would have left it.
    kitchen.set_source(app, state="PAUSED_PLAYBACK")

    result = ChimeEngine([kitchen.ip]).recover(records[0])

    assert [(z.name, z.resumed, z.reason) for z in result.zones] == [
        ("Kitchen", True, None)
    ]
    state = kitchen.state()
    assert (state["current_uri"], state["transport_state"]) == (app, "PLAYING")
