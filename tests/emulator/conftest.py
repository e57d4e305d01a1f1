"""Helpers for the emulator tests (fixtures come from tests/conftest.py)."""

from collections.abc import Callable
import time

from soco import SoCo

from sonos_emulator import Household, Speaker


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
