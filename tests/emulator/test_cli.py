"""``python -m sonos_emulator`` as a separate process, found and driven by SoCo."""

from pathlib import Path
import signal
import subprocess
import sys

import requests
from soco import SoCo
from soco.discovery import scan_network

from tests.conftest import EMULATOR_NET

from .conftest import wait_until

ROOT = Path(__file__).parents[2]


def test_cli_household_is_found_and_driven(emulator_network: None) -> None:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable,
            "-m",
            "sonos_emulator",
            "--first-ip",
            f"{EMULATOR_NET}.10",
            "--speakers",
            "Attic,Cellar",
            "--household-id",
            "Sonos_cli",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().rstrip("\n") for _ in range(3)]
        assert lines[-1] == "ready"
        rows = [line.split("\t") for line in lines[:-1]]
        assert [row[:2] for row in rows] == [
            ["Attic", f"{EMULATOR_NET}.10:1400"],
            ["Cellar", f"{EMULATOR_NET}.11:1400"],
        ]

        zones = scan_network(networks_to_scan=[f"{EMULATOR_NET}.8/29"])
        assert zones is not None
        assert {zone.player_name for zone in zones} == {"Attic", "Cellar"}
        attic = SoCo(f"{EMULATOR_NET}.10")
        assert attic.uid == rows[0][2]
        assert attic.household_id == "Sonos_cli"
        state = requests.get(f"http://{EMULATOR_NET}.10:1400/emulator/state", timeout=5)
        assert state.json()["timing"]["name"] == "realistic"  # the CLI's default
        attic.play_uri("x-rincon-mp3radio:https://radio.example/stream", title="R")
        wait_until(
            lambda: (
                attic.get_current_transport_info()["current_transport_state"]
                == "PLAYING"
            )
        )
        attic.pause()  # a radio stream stops when paused, as on real speakers
        assert attic.get_current_transport_info()["current_transport_state"] == (
            "STOPPED"
        )
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        if process.stdout is not None:
            process.stdout.close()
