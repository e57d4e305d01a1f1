"""A real Home Assistant, core's Sonos and ours, as a user runs them: the lane's check.

Run by ``scripts/newest`` with the newest release's venv, once what
``start_requirements.py`` lists is installed; never with ``--skip-pip``:

- the emulated household (realistic timing) on 127.0.0.2-4, with music set up;
- ``hass`` on a config dir of its own: core's Sonos from configuration.yaml
  ``hosts``, ours as ``scripts/develop`` seeds it, network adapters limited
  to loopback so that discovery stays on this machine;

and fails unless Home Assistant installed nothing, every speaker is one
device carrying core's media player and our zone switch, ``sonos_chime.play``
over the REST API chimes every zone and puts each back, the README's first
automation (a floor but one area, with ``exclude``) leaves the excluded zone
untouched, and the log has no error from either integration, no "Detected ..."
report about us (frame helper, blocking call) and no deprecation warning
naming our code.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
import contextlib
from importlib import metadata
import json
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from homeassistant.components.network import const as network_const  # noqa: E402
from homeassistant.const import __version__ as ha_version  # noqa: E402

from scripts import develop  # noqa: E402
from sonos_emulator import Household, Track  # noqa: E402

HASS = Path(sys.executable).with_name("hass")
START_TIMEOUT = 180.0
CHIME_TIMEOUT = 60.0
QUEUE = [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}", 180.0) for n in (1, 2)]
RADIO = "x-sonosapi-stream:s24896?sid=254&flags=8224&sn=0"
OUR_LOGGERS = ("custom_components.sonos_chime", "homeassistant.components.sonos")
USER = {"name": "Lane", "username": "lane", "password": "lane-lane", "language": "en"}


def free_port() -> int:
    """A port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(config: Path, port: int, household: Household) -> None:
    """Core's Sonos from YAML, ours as scripts/develop seeds it, loopback only."""
    hosts = [speaker.ip for speaker in household.speakers]
    (config / "custom_components").mkdir(parents=True)
    (config / "custom_components" / "sonos_chime").symlink_to(
        ROOT / "custom_components" / "sonos_chime"
    )
    (config / "configuration.yaml").write_text(
        yaml.safe_dump(
            {
                "homeassistant": {
                    "name": "Newest release",
                    "internal_url": f"http://127.0.0.1:{port}",
                    "time_zone": "UTC",
                },
                "api": {},
                "logger": {"default": "info"},
                "sonos": {"media_player": {"hosts": hosts}},
            }
        )
    )
    develop.seed_http(config, port)
    develop.seed(config)
    network = {
        "version": network_const.STORAGE_VERSION,
        "key": network_const.STORAGE_KEY,
        "data": {network_const.ATTR_CONFIGURED_ADAPTERS: ["lo"]},
    }
    (config / ".storage" / network_const.STORAGE_KEY).write_text(json.dumps(network))


def installed() -> dict[str, str]:
    """Every distribution in this venv, by name."""
    return {
        dist.metadata["Name"].lower(): dist.version for dist in metadata.distributions()
    }


def set_music(household: Household) -> None:
    """A group on its queue, a paused zone, and one muted."""
    kitchen, room, coop = (
        household[name] for name in ("Kitchen", "Living Room", "Chicken Coop")
    )
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0)
    kitchen.set_volume(12)
    household.join(room, kitchen)
    room.set_volume(9)
    room.set_mute(True)
    coop.set_queue(QUEUE)
    coop.play_queue(track=1, position=20.0, state="PAUSED_PLAYBACK")
    coop.set_volume(7)


FIELDS = ("coordinator_uid", "current_uri", "track_number", "volume", "mute")


def snapshot(household: Household) -> dict[str, dict[str, Any]]:
    """What every speaker reports, position and state included."""
    return {speaker.name: speaker.state() for speaker in household.speakers}


def compare(
    before: dict[str, dict[str, Any]],
    after: dict[str, dict[str, Any]],
    elapsed: float,
) -> list[str]:
    """Every field that did not come back; a playing zone may have moved on."""
    wrong: list[str] = []
    for name, was in before.items():
        now = after[name]
        wrong.extend(
            f"{name}: {field} {was[field]!r} became {now[field]!r}"
            for field in (*FIELDS, "transport_state")
            if now[field] != was[field]
        )
        moved = now["position"] - was["position"]
        limit = elapsed + 1.0 if was["transport_state"] == "PLAYING" else 1.0
        if not -1.0 <= moved <= limit:
            wrong.append(f"{name}: position {was['position']} became {now['position']}")
    return wrong


class Instance:
    """The running Home Assistant, over its REST and websocket APIs."""

    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        """Talk to base; log in with onboard()."""
        self.base = base
        self.session = session
        self.token = ""
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._id = 0

    async def request(self, path: str, data: Any = None, *, form: bool = False) -> Any:
        """GET, or POST data as JSON (or a form); the decoded answer."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        method = "GET" if data is None else "POST"
        kwargs: dict[str, Any] = {"data": data} if form else {"json": data}
        async with self.session.request(
            method, f"{self.base}{path}", headers=headers, **kwargs
        ) as response:
            text = await response.text()
            if response.status >= 400:
                raise RuntimeError(f"{method} {path}: {response.status} {text}")
            return json.loads(text) if text else None

    async def onboard(self) -> None:
        """Create the owner, as a new user does, and keep its token."""
        client_id = f"{self.base}/"
        code = await self.request(
            "/api/onboarding/users", USER | {"client_id": client_id}
        )
        tokens = await self.request(
            "/auth/token",
            {
                "grant_type": "authorization_code",
                "code": code["auth_code"],
                "client_id": client_id,
            },
            form=True,
        )
        self.token = tokens["access_token"]

    async def ws(self, message: dict[str, Any]) -> Any:
        """One websocket command's result."""
        if self._ws is None:
            self._ws = await self.session.ws_connect(f"{self.base}/api/websocket")
            await self._ws.receive_json()
            await self._ws.send_json({"type": "auth", "access_token": self.token})
            if (await self._ws.receive_json())["type"] != "auth_ok":
                raise RuntimeError("websocket: not authenticated")
        self._id += 1
        await self._ws.send_json({"id": self._id, **message})
        while True:
            answer = await self._ws.receive_json()
            if answer.get("id") == self._id and answer["type"] == "result":
                break
        if not answer["success"]:
            raise RuntimeError(f"{message['type']}: {answer['error']}")
        return answer["result"]

    async def play(self, data: dict[str, Any]) -> dict[str, Any]:
        """sonos_chime.play over REST, its response data."""
        answer = await self.request(
            "/api/services/sonos_chime/play?return_response", data
        )
        return dict(answer["service_response"])


async def wait_for[T](
    what: str, probe: Callable[[], Awaitable[T | None]], limit: float
) -> T:
    """Await probe until it answers, for limit seconds; errors count as not yet."""
    deadline = time.monotonic() + limit
    while True:
        with contextlib.suppress(OSError, RuntimeError, aiohttp.ClientError):
            if (value := await probe()) is not None:
                return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit:.0f} s")
        await asyncio.sleep(0.5)


def readme_automation_action() -> dict[str, Any]:
    """The sonos_chime.play step of the README's first automation."""
    readme = (ROOT / "README.md").read_text()
    first = next(
        block
        for block in re.findall(r"```yaml\n(.*?)```", readme, re.DOTALL)
        if "automation:" in block
    )
    [automation] = yaml.safe_load(first)["automation"]
    [action] = [
        step
        for step in automation["actions"]
        if step.get("action") == "sonos_chime.play"
    ]
    return dict(action)


async def arrange_floors(instance: Instance, household: Household) -> None:
    """Floors and areas as the README's first automation expects them.

    Onboarding made some areas already (a Kitchen, a Living Room): they are
    put on their floor, the others made.
    """
    for name in ("Ground floor", "First floor"):
        await instance.ws({"type": "config/floor_registry/create", "name": name})
    where = {
        "Kitchen": "ground_floor",
        "Living Room": "ground_floor",
        "Chicken Coop": "first_floor",
    }
    areas = {
        area["name"]: area["area_id"]
        for area in await instance.ws({"type": "config/area_registry/list"})
    }
    devices = await instance.ws({"type": "config/device_registry/list"})
    for name, floor in where.items():
        if name in areas:
            await instance.ws(
                {
                    "type": "config/area_registry/update",
                    "area_id": areas[name],
                    "floor_id": floor,
                }
            )
        else:
            area = await instance.ws(
                {"type": "config/area_registry/create", "name": name, "floor_id": floor}
            )
            areas[name] = area["area_id"]
        uid = household[name].uid
        [device] = [d for d in devices if ["sonos", uid] in d["identifiers"]]
        await instance.ws(
            {
                "type": "config/device_registry/update",
                "device_id": device["id"],
                "area_id": areas[name],
            }
        )


async def check_devices(instance: Instance, household: Household) -> list[str]:
    """One device per speaker, with core's media player and our zone switch."""
    devices = await instance.ws({"type": "config/device_registry/list"})
    entities = await instance.ws({"type": "config/entity_registry/list"})
    wrong: list[str] = []
    for speaker in household.speakers:
        mine = [
            d
            for d in devices
            if ["sonos", speaker.uid] in d["identifiers"]
            or ["sonos_chime", speaker.uid] in d["identifiers"]
        ]
        if len(mine) != 1:
            wrong.append(f"{speaker.name}: {len(mine)} devices")
            continue
        on_it = {
            (e["platform"], e["entity_id"].split(".")[0])
            for e in entities
            if e["device_id"] == mine[0]["id"]
        }
        wrong.extend(
            f"{speaker.name}: no {platform} {domain}"
            for platform, domain in (
                ("sonos", "media_player"),
                ("sonos_chime", "switch"),
            )
            if (platform, domain) not in on_it
        )
    return wrong


async def check_core_actions(instance: Instance, household: Household) -> list[str]:
    """Core's sonos.snapshot and sonos.restore still work, with their own schema.

    Ours wraps them to wait for chimes: they must still take with_group,
    refuse what core refuses, and a restore bring back what was saved.
    """
    devices = await instance.ws({"type": "config/device_registry/list"})
    entities = await instance.ws({"type": "config/entity_registry/list"})
    coop = household["Chicken Coop"]
    device = next(d["id"] for d in devices if ["sonos", coop.uid] in d["identifiers"])
    player = next(
        e["entity_id"]
        for e in entities
        if e["device_id"] == device
        and e["platform"] == "sonos"
        and e["entity_id"].startswith("media_player.")
    )
    wrong: list[str] = []
    volume = coop.state()["volume"]
    target = {"entity_id": player, "with_group": False}
    await instance.request("/api/services/sonos/snapshot", target)
    coop.set_volume(volume + 20)
    await instance.request("/api/services/sonos/restore", target)

    async def restored() -> bool | None:
        return True if coop.state()["volume"] == volume else None

    try:
        await wait_for("core's restore", restored, 10.0)
    except AssertionError:
        wrong.append(f"sonos.restore: volume {coop.state()['volume']}, not {volume}")
    try:
        await instance.request(
            "/api/services/sonos/snapshot", {"entity_id": player, "with_group": "often"}
        )
    except RuntimeError as err:
        if ": 400 " not in str(err):
            wrong.append(f"sonos.snapshot refused with_group oddly: {err}")
    else:
        wrong.append("sonos.snapshot took with_group: often")
    return wrong


def log_problems(log: str) -> list[str]:
    """Errors of either integration, reports about us, warnings on our code."""
    return [
        line
        for line in log.splitlines()
        if (" ERROR " in line and any(name in line for name in OUR_LOGGERS))
        or ("Detected" in line and "integration 'sonos_chime'" in line)
        or ("Warning" in line and "custom_components/sonos_chime" in line)
    ]


def start_hass(
    config: Path, household: Household
) -> tuple[subprocess.Popen[bytes], str]:
    """Write the config and start ``hass`` on it, pip allowed; it and its URL."""
    port = free_port()
    write_config(config, port, household)
    with (config.parent / "hass.log").open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - Home Assistant, from this venv
            [str(HASS), "--config", str(config)],
            # Python hides deprecation warnings outside __main__: show them all,
            # so that one raised by our code reaches the log.
            env={**os.environ, "PYTHONWARNINGS": "default::DeprecationWarning"},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, f"http://127.0.0.1:{port}"


def stop_hass(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, as a restart sends; SIGKILL if it does not stop in a minute."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


async def run_check(
    process: subprocess.Popen[bytes],
    base: str,
    household: Household,
    failures: list[str],
) -> None:
    """Everything checked on the running Home Assistant, failures added to the list."""
    async with aiohttp.ClientSession() as session:
        instance = Instance(base, session)

        async def answering() -> bool | None:
            if process.poll() is not None:
                raise AssertionError(f"hass exited ({process.returncode})")
            await instance.request("/api/onboarding")
            return True

        await wait_for("Home Assistant to answer", answering, START_TIMEOUT)
        await instance.onboard()

        async def running() -> bool | None:
            state = (await instance.request("/api/config"))["state"]
            return True if state == "RUNNING" else None

        await wait_for("Home Assistant to run", running, START_TIMEOUT)

        async def both_loaded() -> bool | None:
            entries = await instance.ws({"type": "config_entries/get"})
            states = {e["domain"]: e["state"] for e in entries}
            ours = (states.get("sonos"), states.get("sonos_chime"))
            return True if ours == ("loaded", "loaded") else None

        await wait_for("both integrations to load", both_loaded, START_TIMEOUT)
        try:
            await wait_for(
                "a device per speaker",
                lambda: _none_if_wrong(check_devices(instance, household)),
                START_TIMEOUT,
            )
        except AssertionError:
            failures.extend(await check_devices(instance, household))
        print(f"newest: Home Assistant {ha_version} runs core's Sonos and ours")

        set_music(household)
        await asyncio.sleep(1.0)  # the speakers' own events reach core first
        before = snapshot(household)
        started = time.monotonic()
        response = await instance.play({"media": "ding_dong.mp3", "volume": 45})
        outcomes = {name: zone["outcome"] for name, zone in response["zones"].items()}
        if set(outcomes.values()) != {"chimed"} or len(outcomes) != 3:
            failures.append(f"play: {outcomes}")
        failures.extend(
            compare(before, snapshot(household), time.monotonic() - started)
        )
        print(f"newest: sonos_chime.play chimed {sorted(outcomes)} and put them back")

        failures.extend(await check_core_actions(instance, household))
        print("newest: core's sonos.snapshot and sonos.restore work, their schema kept")

        await arrange_floors(instance, household)
        action = readme_automation_action()
        household.clear_events()
        coop = household["Chicken Coop"]
        response = await instance.play({**action["data"], **action["target"]})
        if "Chicken Coop" in response["zones"]:
            failures.append(f"exclude: Chicken Coop in {sorted(response['zones'])}")
        if touched := [
            event["action"]
            for event in coop.events()
            if event["kind"] == "soap" and not event["action"].startswith("Get")
        ]:
            failures.append(f"exclude: Chicken Coop was told {touched}")
        print(f"newest: the README's automation chimed {sorted(response['zones'])}")


async def _none_if_wrong(check: Awaitable[list[str]]) -> bool | None:
    """None (not yet) while the check finds something wrong."""
    return None if await check else True


@contextlib.contextmanager
def emulated() -> Iterator[Household]:
    """The default household, as scripts/develop runs it."""
    with Household(profile="realistic") as household:
        yield household


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, emulated() as household:
        config = Path(tmp) / "config"
        before = installed()
        process, base = start_hass(config, household)
        failures: list[str] = []
        try:
            asyncio.run(run_check(process, base, household, failures))
        except (AssertionError, RuntimeError) as err:
            failures.append(f"{type(err).__name__}: {err}")
        finally:
            stop_hass(process)
        if changed := sorted(
            f"{name} {before.get(name)} -> {version}"
            for name, version in installed().items()
            if before.get(name) != version
        ):
            failures.append(f"Home Assistant installed: {', '.join(changed)}")
        log = (Path(tmp) / "hass.log").read_text(errors="replace")
        failures += log_problems(log)
        if failures:
            print("\n".join(log.splitlines()[-80:]), file=sys.stderr)
    for failure in failures:
        print(f"newest: FAILED {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
