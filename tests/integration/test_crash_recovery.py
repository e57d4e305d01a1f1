"""Home Assistant stopped mid-chime, started again: every zone is put back.

The first Home Assistant is a real process (`hass`) on a config dir of its
own, chiming at start-up. Killed with SIGKILL while the speakers play the
chime, it leaves a record that the next start restores from (that second
start is this test's Home Assistant, given the storage left behind). Stopped
gracefully with SIGTERM (a restart, an update, a container stop), it cuts the
chime short and puts every zone back before it exits; stopped while the chime
is still being prepared, it touches nothing and leaves no record.
"""

from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import sys
import threading
import time
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import SOURCE_USER, STORAGE_KEY, ConfigEntry
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.config_flow import SonosChimeConfigFlow
from custom_components.sonos_chime.const import CONF_ALL_ZONES, CONF_HOSTS, DOMAIN
from custom_components.sonos_chime.recovery import MAX_AGE
from sonos_emulator import Household, Track
from tests.conftest import MEDIA_DIR
from tests.engine.conftest import (
    assert_at_work,
    chime_sounding,
    put_to_work,
    wait_for,
)

from .helpers import (
    state_changing_actions,
)

ROOT = Path(__file__).parents[2]
HASS = Path(sys.executable).with_name("hass")
ENTRY_ID = "01KCRASHTEST0000000000000"
RECORD_KEY = f"{DOMAIN}.{ENTRY_ID}.chime_record"
QUEUE = [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}", 180.0) for n in (1, 2)]
RADIO = "x-sonosapi-stream:s24896?sid=254&flags=8224&sn=0"
# A whole Home Assistant start, every package installed: a few seconds.
START_TIMEOUT = 60.0
# A graceful stop: its stages are bounded at 20 + 100 + 60 + 30 s; ours takes seconds.
STOP_TIMEOUT = 60.0


def entry_data(household: Household) -> dict[str, Any]:
    """The household's entry, as Home Assistant stores it."""
    return {
        "domain": DOMAIN,
        "title": "Sonos household",
        "data": {CONF_HOSTS: [speaker.ip for speaker in household.speakers]},
        "options": {CONF_ALL_ZONES: True},
        "unique_id": household.household_id,
    }


def write_config(config: Path, household: Household, chime_url: str) -> None:
    """A minimal instance that chimes on every zone as soon as it has started."""
    port = _free_port()
    (config / "custom_components").mkdir(parents=True)
    (config / "custom_components" / DOMAIN).symlink_to(
        ROOT / "custom_components" / DOMAIN
    )
    (config / "configuration.yaml").write_text(
        f"""
homeassistant:
  name: Crash test
  internal_url: http://127.0.0.1:{port}
  time_zone: UTC
http:
  server_host: 127.0.0.1
  server_port: {port}
logger:
  default: warning
automation:
  - id: chime_at_start
    triggers:
      - trigger: homeassistant
        event: start
    actions:
      - action: sonos_chime.play
        data:
          media: {chime_url}
          volume: 45
"""
    )
    entry = ConfigEntry(
        **entry_data(household),
        entry_id=ENTRY_ID,
        source=SOURCE_USER,
        version=SonosChimeConfigFlow.VERSION,
        minor_version=SonosChimeConfigFlow.MINOR_VERSION,
        discovery_keys=MappingProxyType({}),
        subentries_data=[],
    )
    storage = config / ".storage"
    storage.mkdir()
    (storage / STORAGE_KEY).write_text(
        json.dumps(
            {
                "version": 1,
                "minor_version": 5,
                "key": STORAGE_KEY,
                "data": {"entries": [entry.as_dict()]},
            },
            default=str,
        )
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop_home_assistant(
    household: Household,
    chime: str,
    tmp_path: Path,
    sig: signal.Signals,
    when: Callable[[], bool],
) -> tuple[Path, int]:
    """A real Home Assistant chiming at start-up, sent sig once when() holds.

    Returns its config dir and exit code; SIGKILL goes to its whole group.
    """
    config = tmp_path / "config"
    write_config(config, household, chime)
    log = (tmp_path / "hass.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - Home Assistant, from this venv
        [str(HASS), "--config", str(config), "--skip-pip"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_for(when, timeout=START_TIMEOUT)
        if sig is signal.SIGKILL:
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
        code = process.wait(timeout=STOP_TIMEOUT)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()
    return config, code


def kill_home_assistant_mid_chime(
    household: Household, chime: str, tmp_path: Path
) -> Path:
    """A real Home Assistant killed while every zone plays its start-up chime."""
    config, code = stop_home_assistant(
        household, chime, tmp_path, signal.SIGKILL, chime_sounding(household, chime)
    )
    assert code == -signal.SIGKILL
    return config


@pytest.mark.usefixtures("ha_server")
async def test_killed_mid_chime_restored_at_the_next_start(
    hass: HomeAssistant,
    household: Household,
    hass_storage: dict[str, Any],
    media_server,
    tmp_path: Path,
) -> None:
    kitchen, room, coop = (
        household[name] for name in ("Kitchen", "Living Room", "Chicken Coop")
    )
    put_to_work(household)

    config = await hass.async_add_executor_job(
        kill_home_assistant_mid_chime,
        household,
        media_server.url("chime_long.mp3"),
        tmp_path,
    )
    # Killed mid-chime: the chime loaded everywhere, volumes at chime level.
    assert kitchen.state()["volume"] == 45
    assert coop.state()["mute"] is False
    stored = json.loads((config / ".storage" / RECORD_KEY).read_text())

    hass_storage[RECORD_KEY] = stored
    entry = MockConfigEntry(**entry_data(household), entry_id=ENTRY_ID)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert state["track_number"] == 2
    # Where it was paused (the queue played on until the killed instance started).
    [kitchen_group] = [
        group
        for group in stored["data"]["groups"]
        if group["transport"]["uri"] == state["current_uri"]
    ]
    hours, minutes, seconds = kitchen_group["transport"]["position"].split(":")
    paused_at = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    assert paused_at > 30
    assert abs(state["position"] - paused_at) < 2.0
    assert state["volume"] == 12
    assert room.state()["coordinator_uid"] == kitchen.uid
    assert room.state()["volume"] == 9
    coop_state = coop.state()
    assert (coop_state["current_uri"], coop_state["transport_state"]) == (
        RADIO,
        "PLAYING",
    )
    assert (coop_state["volume"], coop_state["mute"]) == (7, True)
    assert RECORD_KEY not in hass_storage  # restored once, then forgotten


def left_mid_chime(household: Household, chime: str, saved_at: float) -> dict:
    """Kitchen holding the chime, at chime volume, and the record of before."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0, state="STOPPED")
    kitchen.set_source(chime, state="STOPPED", duration=2.0)
    kitchen.set_volume(45)
    zone = {
        "name": "Kitchen",
        "uid": kitchen.uid,
        "host": kitchen.ip,
        "coordinator_uid": kitchen.uid,
        "model": None,
    }
    rendering = {
        "volume": 12,
        "mute": False,
        "bass": 0,
        "treble": 0,
        "loudness": True,
        "fixed_volume": False,
    }
    transport = {
        "state": "PLAYING",
        "uri": f"x-rincon-queue:{kitchen.uid}#0",
        "metadata": "",
        "kind": "queue",
        "track": 2,
        "position": "0:00:30",
        "play_mode": "NORMAL",
        "crossfade": False,
    }
    return {
        "version": 1,
        "minor_version": 1,
        "key": RECORD_KEY,
        "data": {
            "version": 1,
            "household_id": household.household_id,
            "saved_at": saved_at,
            "media_url": chime,
            "volume": 45,
            "exclude_uids": [],
            "groups": [
                {
                    "transport": transport,
                    "speakers": [{"zone": zone, "rendering": rendering}],
                }
            ],
        },
    }


@pytest.mark.parametrize(
    ("age", "restored"),
    [(60.0, True), (MAX_AGE + 60.0, False)],
    ids=["recent", "too_old"],
)
@pytest.mark.usefixtures("ha_server")
async def test_only_a_recent_record_is_replayed(
    hass: HomeAssistant,
    household: Household,
    hass_storage: dict[str, Any],
    *,
    media_server,
    caplog: pytest.LogCaptureFixture,
    age: float,
    restored: bool,
) -> None:
    """A quarter of an hour on, the household has been used: the record is dropped."""
    chime = media_server.url("chime_long.mp3")
    hass_storage[RECORD_KEY] = left_mid_chime(household, chime, time.time() - age)
    entry = MockConfigEntry(**entry_data(household), entry_id=ENTRY_ID)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    state = household["Kitchen"].state()
    if restored:
        assert (state["track_number"], state["volume"]) == (2, 12)
        assert state["transport_state"] == "PLAYING"
        assert "put back: Kitchen" in caplog.text
    else:
        assert (state["current_uri"], state["volume"]) == (chime, 45)
        assert "too long to restore" in caplog.text
    assert RECORD_KEY not in hass_storage


async def start_again(
    hass: HomeAssistant, hass_storage: dict[str, Any], config: Path
) -> None:
    """This test's Home Assistant on the storage the stopped one left."""
    if (record := config / ".storage" / RECORD_KEY).exists():
        hass_storage[RECORD_KEY] = json.loads(record.read_text())
    entry = MockConfigEntry(**entry_data_of(config), entry_id=ENTRY_ID)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


def entry_data_of(config: Path) -> dict[str, Any]:
    """The household entry as the stopped instance stored it."""
    stored = json.loads((config / ".storage" / STORAGE_KEY).read_text())
    [entry] = [e for e in stored["data"]["entries"] if e["domain"] == DOMAIN]
    return {
        key: entry[key] for key in ("domain", "title", "data", "options", "unique_id")
    }


@pytest.mark.parametrize("household", ["realistic"], indirect=True)
@pytest.mark.usefixtures("ha_server")
async def test_stopped_mid_chime_puts_every_zone_back_before_it_exits(
    hass: HomeAssistant,
    household: Household,
    hass_storage: dict[str, Any],
    media_server,
    tmp_path: Path,
) -> None:
    """SIGTERM, as a restart sends, while a 30 s chime plays on every zone."""
    put_to_work(household)
    chime = media_server.url("chime_silent_long.ogg")

    config, code = await hass.async_add_executor_job(
        stop_home_assistant,
        household,
        chime,
        tmp_path,
        signal.SIGTERM,
        chime_sounding(household, chime),
    )

    assert code >= 0  # it stopped by itself
    assert_at_work(household, chime)
    assert not (config / ".storage" / RECORD_KEY).exists()
    log = (tmp_path / "hass.log").read_text()
    assert "still running at shutdown" not in log
    assert "cut short and put back in" in log
    assert "Error executing script" not in log  # a restart is no failure

    # The next start finds nothing to undo, and undoes nothing.
    household.clear_events()
    await start_again(hass, hass_storage, config)
    assert state_changing_actions(household) == []
    assert_at_work(household, chime)


class _SlowMedia(SimpleHTTPRequestHandler):
    """Serves test media after a pause, saying when it was first asked."""

    asked = threading.Event()

    def do_GET(self) -> None:
        """Answer late: the chime is still being prepared meanwhile."""
        type(self).asked.set()
        time.sleep(3.0)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Discard."""


@pytest.mark.usefixtures("ha_server", "emulator_network")
async def test_stopped_while_preparing_touches_nothing(
    hass: HomeAssistant,
    household: Household,
    hass_storage: dict[str, Any],
    tmp_path: Path,
) -> None:
    """SIGTERM while the chime's media is still being measured: no trace at all."""
    put_to_work(household)
    household.clear_events()
    _SlowMedia.asked.clear()
    handler = partial(_SlowMedia, directory=str(MEDIA_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    chime = f"http://127.0.0.1:{server.server_address[1]}/chime_long.mp3"
    try:
        config, code = await hass.async_add_executor_job(
            stop_home_assistant,
            household,
            chime,
            tmp_path,
            signal.SIGTERM,
            _SlowMedia.asked.is_set,
        )
    finally:
        server.shutdown()
        server.server_close()

    assert code >= 0
    assert state_changing_actions(household) == []
    assert_at_work(household, chime)
    assert not (config / ".storage" / RECORD_KEY).exists()
