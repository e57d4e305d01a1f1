"""scripts/develop: a configured emulated household beside a running instance."""

from collections.abc import Callable, Iterator
import importlib.util
import json
import os
from pathlib import Path
import signal
import socket
import subprocess
import time
from typing import Any
import urllib.error
import urllib.request

from homeassistant.components import persistent_notification
from homeassistant.components.http import config as http_config
from homeassistant.config import load_yaml_config_file
from homeassistant.config_entries import STORAGE_KEY, ConfigEntryState
from homeassistant.const import EVENT_HOMEASSISTANT_STARTED
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_HOSTS,
    DOMAIN,
    SUBENTRY_CHIME,
)
from scripts import develop
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET
from tests.integration.conftest import ha_server  # noqa: F401 - a fixture used here

ROOT = Path(__file__).resolve().parent.parent
EMULATED_HOSTS = [f"{EMULATOR_NET}.{n}" for n in (2, 3, 4)]
# Bounds for a start with every package installed (it takes a few seconds).
START_TIMEOUT = 60.0
STOP_TIMEOUT = 60.0


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Seed into a config dir of the test's own."""
    return hass_tmp_config_dir


def test_seed_writes_the_emulated_household(tmp_path: Path) -> None:
    assert develop.seed(tmp_path) is True

    stored = json.loads(develop.storage_path(tmp_path).read_text())
    assert stored["key"] == STORAGE_KEY
    (entry,) = stored["data"]["entries"]
    assert entry["domain"] == DOMAIN
    assert entry["unique_id"] == "Sonos_emulated"
    assert entry["data"] == {CONF_HOSTS: EMULATED_HOSTS}
    assert entry["options"] == {CONF_ALL_ZONES: True}
    assert entry["title"] == "Sonos household"
    chimes = {sub["title"]: sub for sub in entry["subentries"]}
    assert set(chimes) == {"Morning bell", "Evening westminster"}
    assert {sub["subentry_type"] for sub in entry["subentries"]} == {SUBENTRY_CHIME}
    morning = chimes["Morning bell"]["data"]
    assert morning["media"] == "bell.mp3"
    assert morning["volume"] == 30
    assert morning["time"] == "07:00:00"
    assert morning["weekdays"] == ["mon", "tue", "wed", "thu", "fri"]
    evening = chimes["Evening westminster"]["data"]
    assert evening["media"] == "westminster.mp3"
    assert evening["time"] == "19:00:00"
    assert len(evening["weekdays"]) == 7
    assert "volume" not in evening
    assert len(evening["zones"]) == 2


def test_seed_leaves_an_existing_household_and_other_entries(tmp_path: Path) -> None:
    path = develop.storage_path(tmp_path)
    path.parent.mkdir()
    other = develop.emulated_entry() | {"domain": "other", "entry_id": "other"}
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "minor_version": 5,
                "key": STORAGE_KEY,
                "data": {"entries": [other]},
            }
        )
    )

    assert develop.seed(tmp_path) is True
    entries = json.loads(path.read_text())["data"]["entries"]
    assert [entry["domain"] for entry in entries] == ["other", DOMAIN]

    # Edited in the UI since: a second start keeps the edit.
    entries[1]["title"] = "Renamed"
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "minor_version": 5,
                "key": STORAGE_KEY,
                "data": {"entries": entries},
            }
        )
    )
    assert develop.seed(tmp_path) is False
    assert json.loads(path.read_text())["data"]["entries"][1]["title"] == "Renamed"


def test_seed_http_stores_confirmed_settings(tmp_path: Path) -> None:
    develop.seed_http(tmp_path, 18123)
    path = develop.http_storage_path(tmp_path)
    stored = json.loads(path.read_text())
    assert stored["version"] == http_config.STORAGE_VERSION
    data = stored["data"]
    assert data["pending"] is None
    assert data["yaml_migration_done"] is True
    assert data["stable"]["server_host"] == ["127.0.0.1"]
    assert data["stable"]["server_port"] == 18123

    # A later start on another port keeps what else was set in the UI.
    data["stable"]["use_x_frame_options"] = False
    path.write_text(json.dumps(stored))
    develop.seed_http(tmp_path, 18124)
    stable = json.loads(path.read_text())["data"]["stable"]
    assert stable["server_port"] == 18124
    assert stable["use_x_frame_options"] is False


async def test_home_assistant_takes_the_seeded_http_settings_as_confirmed(
    hass: HomeAssistant, hass_storage: dict[str, Any], tmp_path: Path
) -> None:
    """Home Assistant's own loader runs the stored settings, with no trial to revert.

    A trial (YAML moved into storage, or a change not confirmed) schedules a
    revert and a restart five minutes on; stable settings schedule nothing.
    """
    develop.seed_http(tmp_path, 18125)
    hass_storage[http_config.STORAGE_KEY] = json.loads(
        develop.http_storage_path(tmp_path).read_text()
    )

    conf = await http_config.async_load_config(hass, {})

    store = hass.data[http_config.DATA_STORE]
    assert store.active_config_type is http_config.ActiveConfigType.STABLE
    assert store.revert_deadline is None
    assert conf["server_host"] == ["127.0.0.1"]
    assert conf["server_port"] == 18125


@pytest.mark.usefixtures("enable_custom_integrations")
async def test_home_assistant_loads_the_seed(
    hass: HomeAssistant, hass_storage: dict[str, Any], household: Household
) -> None:
    """Home Assistant's own loader reads the file; the entry sets up as stored."""
    assert await async_setup_component(hass, "http", {})
    entry_id = await _load_seeded_entry(hass, hass_storage)
    entry = hass.config_entries.async_get_known_entry(entry_id)
    assert entry.unique_id == household.household_id
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.LOADED
    manager = entry.runtime_data.manager
    assert [zone.name for zone in manager.chime_zones()] == [
        "Chicken Coop",
        "Kitchen",
        "Living Room",
    ]
    chimes = manager.chime_subentries()
    assert sorted(chime.title for chime in chimes) == [
        "Evening westminster",
        "Morning bell",
    ]
    for chime in chimes:
        assert manager.next_fire(chime.subentry_id) is not None
    assert await hass.config_entries.async_unload(entry.entry_id)


async def _load_seeded_entry(hass: HomeAssistant, hass_storage: dict[str, Any]) -> str:
    """Seed the test's config dir and let Home Assistant load it; the entry id."""
    config_dir = Path(hass.config.config_dir)
    assert develop.seed(config_dir)
    hass_storage[STORAGE_KEY] = json.loads(develop.storage_path(config_dir).read_text())
    await hass.config_entries.async_initialize()
    (entry,) = hass.config_entries.async_entries(DOMAIN)
    return entry.entry_id


@pytest.mark.usefixtures("enable_custom_integrations", "ha_server")
async def test_template_chimes_at_start_and_shows_the_result(
    hass: HomeAssistant, hass_storage: dict[str, Any], household: Household
) -> None:
    """The committed configuration.yaml's automations, as scripts/develop runs them."""
    config_dir = Path(hass.config.config_dir)
    (config_dir / "configuration.yaml").write_text(
        (ROOT / "config" / "configuration.yaml").read_text()
    )
    (config_dir / "automations.yaml").write_text("[]\n")
    config = await hass.async_add_executor_job(
        load_yaml_config_file, str(config_dir / "configuration.yaml")
    )
    # The HTTP settings are stored by seed_http, never staged from YAML.
    assert "http" not in config
    entry_id = await _load_seeded_entry(hass, hass_storage)
    assert await hass.config_entries.async_setup(entry_id)
    # A full instance always has notifications; the test harness sets up only
    # what it is asked for.
    assert await async_setup_component(hass, "persistent_notification", {})
    assert await async_setup_component(hass, "automation", config)
    household.clear_events()

    hass.bus.async_fire(EVENT_HOMEASSISTANT_STARTED)
    await hass.async_block_till_done()

    url = f"{hass.config.internal_url}/local/sonos_chime/ding_dong.mp3"
    for speaker in household.speakers:
        assert [
            event["status"]
            for event in speaker.events()
            if event["kind"] == "media_fetch" and event["url"] == url
        ] == [200], speaker.name
    notification = persistent_notification._async_get_or_create_notifications(hass)[
        "sonos_chime_played"
    ]
    assert notification["title"] == "Chime (action)"
    assert notification["message"].splitlines() == [
        "- Chicken Coop: chimed",
        "- Kitchen: chimed",
        "- Living Room: chimed",
    ]


def test_describe_keeps_what_changes_a_speaker() -> None:
    base = {"t": 1.0, "speaker": "Kitchen"}
    assert develop.describe(base | {"kind": "soap", "action": "GetVolume"}) is None
    line = develop.describe(
        base
        | {
            "kind": "soap",
            "service": "RenderingControl",
            "action": "SetVolume",
            "args": {"InstanceID": "0", "Channel": "Master", "DesiredVolume": "30"},
        }
    )
    assert line == "soap         SetVolume DesiredVolume=30"
    line = develop.describe(
        base
        | {
            "kind": "media_fetch",
            "url": "http://127.0.0.1:8123/local/sonos_chime/bell.mp3",
            "status": 200,
            "content_type": "audio/mpeg",
            "duration": 2.5,
            "error": None,
        }
    )
    assert line is not None
    assert line.startswith("media_fetch  url=http://127.0.0.1:8123/local/")
    assert "status=200" in line
    assert "error" not in line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for[T](probe: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while (value := probe()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.2)
    return value


def _get(url: str) -> tuple[int, bytes] | None:
    """Status and body; None while nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
    except OSError:
        return None


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def develop_process(
    tmp_path: Path,
) -> Iterator[tuple[subprocess.Popen[bytes], int, Path]]:
    """scripts/develop on a fresh config dir and a free port, in its own group."""
    port = _free_port()
    log = tmp_path / "develop.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own script
            [str(ROOT / "scripts" / "develop")],
            cwd=ROOT,
            env={
                **os.environ,
                "HA_PORT": str(port),
                "HA_CONFIG": str(tmp_path / "config"),
            },
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, port, log
    finally:
        if _group_alive(process.pid):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@pytest.mark.skipif(
    importlib.util.find_spec("hass_frontend") is None,
    reason="Home Assistant's frontend is not installed: run scripts/develop once",
)
@pytest.mark.usefixtures("emulator_network")
def test_develop_runs_a_configured_household(
    develop_process: tuple[subprocess.Popen[bytes], int, Path],
) -> None:
    """Both processes start, a chime plays at start-up, and both stop on TERM."""
    process, port, log = develop_process
    url = f"http://127.0.0.1:{port}"

    _wait_for(
        lambda: (
            True if f"develop: Home Assistant at {url}" in log.read_text() else None
        ),
        START_TIMEOUT,
        "the URL printed",
    )
    output = log.read_text()
    assert "develop: added the emulated household" in output
    for host in EMULATED_HOSTS:
        assert f"http://{host}:1400/emulator/events" in output

    status, body = _wait_for(
        lambda: _get(f"http://{EMULATED_HOSTS[0]}:1400/emulator/state"), 10, "emulator"
    )
    assert status == 200
    assert json.loads(body)["name"] == "Kitchen"
    status, _ = _wait_for(lambda: _get(f"{url}/api/"), START_TIMEOUT, "Home Assistant")
    assert status == 401

    # The start-up chime, fetched from this instance by every zone.
    chime = f"{url}/local/sonos_chime/ding_dong.mp3"

    def fetched() -> bool | None:
        events = develop.fetch_events(f"{host}:1400" for host in EMULATED_HOSTS)
        speakers = {
            event["speaker"]
            for event in events
            if event["kind"] == "media_fetch"
            and event["url"] == chime
            and event["status"] == 200
        }
        return True if len(speakers) == 3 else None

    _wait_for(fetched, START_TIMEOUT, "the start-up chime")

    # The HTTP settings it runs on are confirmed ones: nothing to revert later.
    config = log.parent / "config"
    assert "Using stable HTTP config" in (config / "home-assistant.log").read_text()
    http = json.loads(develop.http_storage_path(config).read_text())["data"]
    assert http["pending"] is None
    assert http["stable"]["server_port"] == port

    process.send_signal(signal.SIGTERM)
    process.wait(timeout=STOP_TIMEOUT)
    assert not _group_alive(process.pid), "a process of scripts/develop is left"
    assert _get(f"http://{EMULATED_HOSTS[0]}:1400/emulator/state") is None
    assert _get(f"{url}/api/") is None
