"""Home Assistant core's own Sonos integration, set up beside ours on the emulator.

Nearly every user runs it: it shares SoCo (one version, one process-wide set
of speaker singletons and zone group caches) and subscribes to every
speaker's events through SoCo's asyncio listener, an aiohttp server in Home
Assistant's loop. Here it finds the emulated household from configured hosts
(no SSDP traffic: the ssdp integration is set up with its network I/O
patched out) and is unloaded, with its listener, when the test ends.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
import logging

from homeassistant.components.media_player import DOMAIN as MP_DOMAIN
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from soco import config as soco_config, events_asyncio

# What core's Sonos subscribes to, what its set-up changes in SoCo for the
# whole process (put back after each test, so tests that drive SoCo without
# core see SoCo's defaults), and SSDP's network I/O: the bench runs core's
# Sonos too, and states them once.
from scripts.bench_core import CORE_SERVICES, SILENT_SSDP, SOCO_SETTINGS, SONOS
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET

# Core waits this long for the first topology event before it falls back to
# polling, and twice as long before set-up returns (2 s, so 4 s, on a real
# network). Loopback events take milliseconds; 1 s keeps a wide margin.
ZGS_SUBSCRIPTION_TIMEOUT = 1.0

# Loggers whose warnings count here: core's Sonos, SoCo, and ours.
WATCHED = ("homeassistant.components.sonos", "soco", "custom_components.sonos_chime")
# SoCo's listener takes the next port when one is taken: on the default block
# (127.0.0.1 shared with other suites) that is the machine, not a problem.
PORT_TAKEN = "Could not bind to"


def problems(records: list[logging.LogRecord]) -> list[str]:
    """Errors from anyone, warnings from core's Sonos, SoCo or us, frame reports."""
    return [
        f"{record.levelname} {record.name}: {message}"
        for record in records
        if (message := record.getMessage())
        and (
            record.levelno >= logging.ERROR
            or (
                record.levelno >= logging.WARNING
                and record.name.startswith(WATCHED)
                and not message.startswith(PORT_TAKEN)
            )
            or "Detected that custom integration" in message
        )
    ]


async def wait_for[T](
    hass: HomeAssistant, probe: Callable[[], T], *, within: float = 5.0
) -> T:
    """Let the loop run until ``probe`` returns something truthy.

    Core's entities change when a speaker's event reaches its listener, which
    runs in this loop: wait on the outcome, not on a fixed time.
    """
    try:
        async with asyncio.timeout(within):
            while not (value := probe()):
                await hass.async_block_till_done()
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"not reached within {within} s: {probe}") from None
    return value


@dataclass
class CoreSonos:
    """Core's Sonos entry for the emulated household, and its entities."""

    hass: HomeAssistant
    household: Household
    entry: ConfigEntry

    def entity_id(self, name: str) -> str | None:
        """Core's media player for the named speaker (unique id: its uid)."""
        return er.async_get(self.hass).async_get_entity_id(
            MP_DOMAIN, SONOS, self.household[name].uid
        )

    def state(self, name: str) -> State:
        """The named speaker's media player state as core shows it."""
        entity_id = self.entity_id(name)
        assert entity_id is not None, name
        state = self.hass.states.get(entity_id)
        assert state is not None, entity_id
        return state

    def ready(self) -> bool:
        """Every speaker has core's media player and all of core's subscriptions.

        Core adds the entities first and subscribes after; until the speakers
        hold its subscriptions, a change would only reach it by polling.
        """
        return all(
            (entity_id := self.entity_id(speaker.name)) is not None
            and self.hass.states.get(entity_id) is not None
            and {sub.service for sub in self.household.eventing.subscriptions(speaker)}
            >= CORE_SERVICES
            for speaker in self.household.speakers
        )


@pytest.fixture
async def core_sonos_factory(
    hass: HomeAssistant,
    household: Household,
    emulator_network: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> AsyncIterator[Callable[[], Awaitable[CoreSonos]]]:
    """Set up core's Sonos on demand, as configuration.yaml ``hosts`` would.

    A factory, so a test can choose whether ours or core's comes first.
    """
    for module, name in SOCO_SETTINGS:
        # raising=False: core also sets zonegroupstate.EVENT_CACHE_TIMEOUT,
        # which SoCo (0.31.2 or 0.32) neither has nor reads; deleted afterwards.
        monkeypatch.setattr(module, name, getattr(module, name, None), raising=False)
    # Core's listener binds the address the speakers route back to: on
    # loopback 127.0.0.1, shared by other suites. Our block's .1 keeps it ours.
    monkeypatch.setattr(soco_config, "EVENT_LISTENER_IP", f"{EMULATOR_NET}.1")
    monkeypatch.setattr(
        "homeassistant.components.sonos.ZGS_SUBSCRIPTION_TIMEOUT",
        ZGS_SUBSCRIPTION_TIMEOUT,
    )
    for target in SILENT_SSDP:
        monkeypatch.setattr(target, _async_nothing)
    entries: list[ConfigEntry] = []

    async def start() -> CoreSonos:
        hosts = [speaker.ip for speaker in household.speakers]
        config = {SONOS: {MP_DOMAIN: {"hosts": hosts}}}
        assert await async_setup_component(hass, SONOS, config)
        await hass.async_block_till_done()
        [entry] = hass.config_entries.async_entries(SONOS)
        entries.append(entry)
        assert entry.state is ConfigEntryState.LOADED
        core = CoreSonos(hass, household, entry)
        await wait_for(hass, core.ready)
        return core

    yield start

    for entry in entries:
        assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    listener = events_asyncio.event_listener
    # The last unsubscribe schedules a deferred listener stop (5 s grace);
    # core stopped the listener at once, so that task has nothing left to do.
    grace = listener._stop_grace_task
    if grace is not None and not grace.done():
        grace.cancel()
        with suppress(asyncio.CancelledError):
            await grace
    assert not listener.is_running
    # Unloading (unsubscribing, stopping the listener) must be as quiet.
    assert problems(caplog.records) == []


async def _async_nothing(*_: object, **__: object) -> None:
    """Stands in for SSDP's network I/O."""


@pytest.fixture
async def core_sonos(
    core_sonos_factory: Callable[[], Awaitable[CoreSonos]],
) -> CoreSonos:
    """Core's Sonos, set up for the emulated household."""
    return await core_sonos_factory()
