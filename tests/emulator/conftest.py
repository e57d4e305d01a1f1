"""Helpers for the emulator tests (fixtures come from tests/conftest.py)."""

from collections.abc import Callable
import time

import pytest
import pytest_socket
from soco import SoCo

from sonos_emulator import Household, Speaker

# scan_network(["127.0.0.0/29"]) also probes the network address 127.0.0.0 and
# 127.0.0.7; pytest-socket must let those connects through (they are refused).
SCAN_HOSTS = [f"127.0.0.{n}" for n in range(32)]


@pytest.fixture
def scan_network_allowed(emulator_network: None) -> None:
    """Allow SoCo's network scan to probe every address of 127.0.0.0/27."""
    pytest_socket.socket_allow_hosts(SCAN_HOSTS, allow_unix_socket=True)


def wait_until[T](
    probe: Callable[[], T], *, timeout: float = 5.0, interval: float = 0.02
) -> T:
    """Poll ``probe`` until it returns something truthy, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {timeout} s: {probe}")
        time.sleep(interval)


def soco(speaker: Speaker) -> SoCo:
    """The SoCo instance for an emulated speaker."""
    return SoCo(speaker.ip)


def forget_topology() -> None:
    """Drop SoCo's 5 s topology cache after a state-level group change."""
    SoCo.zone_group_states.clear()


def state_of(speaker: Speaker) -> str:
    """Transport state as SoCo reads it."""
    return soco(speaker).get_current_transport_info()["current_transport_state"]


def transport_events(speaker: Speaker) -> list[tuple[str, str]]:
    """(state, uri) of every transport event, in order."""
    return [
        (event["state"], event["uri"])
        for event in speaker.events()
        if event["kind"] == "transport"
    ]


def kinds(household: Household, kind: str) -> list[dict]:
    """All events of one kind across the household."""
    return [event for event in household.events() if event["kind"] == kind]
