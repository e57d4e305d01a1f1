"""Fixtures shared by every test: the emulated Sonos household and a media server."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
import os
from pathlib import Path
import threading
import time
from typing import Any

import pytest
import pytest_socket
from soco import SoCo, config as soco_config
from soco.core import soco_reset

from sonos_emulator import DEFAULT_NAMES, Household, audio_clip

MEDIA_DIR = Path(__file__).parent / "media"


def _emulator_net() -> str:
    """This process's loopback block: speakers bind .2 and up of it.

    SONOS_EMULATOR_NET moves the block (127.0.5: two suites side by side);
    each pytest-xdist worker then takes a block of its own, one up in the
    second octet per worker, so parallel tests never share an address. The
    block is exported, so that scripts a test starts use it too.
    """
    base = os.environ.get("SONOS_EMULATOR_NET", "127.0.0")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        return base
    first, second, third = base.split(".")
    return f"{first}.{int(second) + 1 + int(worker.removeprefix('gw'))}.{third}"


# 127.0.0.1 serves media, on ports the system picks.
EMULATOR_NET = _emulator_net()
os.environ["SONOS_EMULATOR_NET"] = EMULATOR_NET
# scan_network probes the whole /27, .0 included.
EMULATOR_HOSTS = ["127.0.0.1", *(f"{EMULATOR_NET}.{n}" for n in range(32))]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The bench's end-to-end run first: a minute long, it would otherwise be
    the last test a worker takes, and every other worker done long before."""
    items.sort(key=lambda item: item.path.name != "test_bench.py")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Make the speakers' TLS certificate before any test freezes the clock.

    Frozen, the clock's datetime class is one cryptography will not take.
    """
    audio_clip.tls_context()


def _reset_soco() -> None:
    """Forget SoCo's process-wide speaker singletons and cached topology."""
    soco_reset()
    SoCo.zone_group_states.clear()


@pytest.fixture
def emulator_network(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Let tests reach the emulated speakers, which pytest-socket would block.

    SoCo's event listener binds .1 of this process's block, not 127.0.0.1
    that every worker shares: its stop wakes it with a request to its own
    address, which another worker's listener would take and never answer.
    """
    pytest_socket.socket_allow_hosts(EMULATOR_HOSTS, allow_unix_socket=True)
    monkeypatch.setattr(soco_config, "EVENT_LISTENER_IP", f"{EMULATOR_NET}.1")
    _reset_soco()
    yield
    _reset_soco()


@pytest.fixture
def household_factory(
    emulator_network: None,
) -> Iterator[Callable[..., Household]]:
    """Start households on demand; every one is stopped when the test ends.

    Households answer at once (the fast profile) unless a test asks for the
    realistic one, which the emulator itself defaults to.
    """
    started: list[Household] = []

    def start(
        names: Sequence[str] = DEFAULT_NAMES,
        first_ip: str = f"{EMULATOR_NET}.2",
        profile: str = "fast",
        models: Mapping[str, str] | None = None,
    ) -> Household:
        household = Household(
            names=names, first_ip=first_ip, profile=profile, models=models
        )
        household.start()
        started.append(household)
        return household

    yield start
    for household in started:
        household.stop()


@pytest.fixture
def household(
    request: pytest.FixtureRequest, household_factory: Callable[..., Household]
) -> Household:
    """The default household: Kitchen, Living Room and Chicken Coop.

    Fast unless a test is parametrized indirectly with a profile name.
    """
    return household_factory(profile=getattr(request, "param", "fast"))


class MediaServer:
    """Serves tests/media over plain HTTP on 127.0.0.1, as Home Assistant would."""

    def __init__(self, directory: Path = MEDIA_DIR) -> None:
        """Bind to a free port; start() begins serving."""
        handler = partial(_QuietHandler, directory=str(directory))
        self._server = _BackloggedServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits for one poll
            name="test-media-server",
        )

    @property
    def base_url(self) -> str:
        """Where the speakers fetch from."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, name: str) -> str:
        """Absolute URL of a file in the served directory."""
        return f"{self.base_url}/{name}"

    def start(self) -> MediaServer:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and join the thread, leaving nothing behind."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class _BackloggedServer(ThreadingHTTPServer):
    """Takes many speakers' fetches at once, as Home Assistant's server does."""

    request_queue_size = 128


class _QuietHandler(SimpleHTTPRequestHandler):
    """Keeps request logs out of the test output."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Discard."""


@pytest.fixture
def media_server(emulator_network: None) -> Iterator[MediaServer]:
    """Short real chimes on 127.0.0.1 for the speakers to fetch."""
    server = MediaServer().start()
    yield server
    server.stop()


def assert_resumed(
    state: dict[str, Any], position: float, since: float, silent: float = 0.0
) -> None:
    """Playing again where it was paused, whatever the speakers' pace made that.

    The music played from position at since (monotonic) until the pause, and
    again since the resume, but stood still for at least silent seconds (the
    chime). A fixed tolerance would fail whenever the speakers are slow.
    """
    assert state["transport_state"] == "PLAYING"
    moved = state["position"] - position
    bound = time.monotonic() - since - silent + 0.5
    assert -0.5 <= moved <= bound, (state["position"], position, bound)
