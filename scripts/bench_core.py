"""Home Assistant core's chime recipe, run by a real Home Assistant on core's Sonos.

Most users who want a chime write it as a script: ``sonos.snapshot``, set the
volume, ``media_player.play_media``, wait until the chime has played,
``sonos.restore``. The bench runs that very script in Home Assistant's own
script engine, against core's own Sonos integration, so the baseline is what
those users get, not an imitation of it. Home Assistant runs in-process on its
own event loop in a background thread, configured as Home Assistant's runner
configures it; the bench's thread only hands it work and waits for results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from concurrent.futures import Future
from contextlib import ExitStack
import json
import logging
import socket
from tempfile import TemporaryDirectory
import threading
import time
from typing import Any
from unittest.mock import patch
import urllib.request

from aiohttp.resolver import ThreadedResolver
from homeassistant import loader
from homeassistant.bootstrap import async_load_base_functionality
from homeassistant.components.http import DOMAIN as HTTP_DOMAIN
from homeassistant.components.media_player import DOMAIN as MP_DOMAIN
from homeassistant.config_entries import ConfigEntries, ConfigEntryState
from homeassistant.core import DOMAIN as HA_DOMAIN, Context, HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.helpers import config_validation as cv, entity_registry as er
from homeassistant.helpers.script import Script, async_validate_actions_config
from homeassistant.runner import create_event_loop
from homeassistant.setup import async_setup_component
from soco import config as soco_config, zonegroupstate

SONOS = "sonos"
# The services core subscribes to on every speaker (its speaker.py's
# SUBSCRIPTION_SERVICES), as the emulator names them.
CORE_SERVICES = frozenset(
    {
        "AlarmClock",
        "AVTransport",
        "ContentDirectory",
        "DeviceProperties",
        "RenderingControl",
        "ZoneGroupTopology",
    }
)
# What core's set-up changes in SoCo for the whole process; the engine runs
# in the same process afterwards and must find SoCo as it was.
SOCO_SETTINGS = (
    (soco_config, "EVENTS_MODULE"),
    (soco_config, "REQUEST_TIMEOUT"),
    (soco_config, "ZGT_EVENT_FALLBACK"),
    (soco_config, "EVENT_LISTENER_IP"),
    (soco_config, "EVENT_ADVERTISE_IP"),
    (zonegroupstate, "EVENT_CACHE_TIMEOUT"),
)
# SSDP's network I/O, silenced as core's own Sonos tests do: multicast would
# find real speakers on the LAN, which have no place in the bench.
SILENT_SSDP = (
    "homeassistant.components.ssdp.Scanner._async_start_ssdp_listeners",
    "homeassistant.components.ssdp.Scanner._async_stop_ssdp_listeners",
    "homeassistant.components.ssdp.Scanner.async_scan",
    "homeassistant.components.ssdp.Server._async_start_upnp_servers",
    "homeassistant.components.ssdp.Server._async_stop_upnp_servers",
)
# Home Assistant resolves names for its HTTP clients over mDNS too, which
# starts a Zeroconf instance on the LAN (and, once one exists, a process-wide
# guard that hands it to the next Home Assistant): plain DNS instead, as core's
# tests do. The speakers and the chime are addressed by IP anyway.
MDNS_RESOLVER = "homeassistant.helpers.aiohttp_client._async_make_resolver"
READY_TIMEOUT = 30.0  # core waits 4 s for topology events before it gives up
STARTED_TIMEOUT = 10.0  # from play_media until every zone plays the chime
END_MARGIN = 10.0  # beyond the chime's length, until none plays any more
CALL_TIMEOUT = 120.0

# Every zone plays the chime (not the queue it played before play_media).
CHIME_PLAYING = (
    "{{ zones | reject('is_state', 'playing') | list == []"
    " and zones | reject('is_state_attr', 'media_content_id', chime) | list == [] }}"
)
CHIME_ENDED = "{{ zones | select('is_state', 'playing') | list == [] }}"

_MISSING = object()
_LOGGER = logging.getLogger(__name__)


def recipe(volume: float, chime_len: float) -> list[dict[str, Any]]:
    """The script, in the form a user writes it in YAML."""
    zones = {"entity_id": "{{ zones }}"}
    return [
        {"action": "sonos.snapshot", "target": zones, "data": {"with_group": True}},
        {
            "action": "media_player.volume_set",
            "target": zones,
            "data": {"volume_level": volume},
        },
        {
            "action": "media_player.play_media",
            "target": zones,
            "data": {"media_content_id": "{{ chime }}", "media_content_type": "music"},
        },
        {"wait_template": CHIME_PLAYING, "timeout": STARTED_TIMEOUT},
        # Bookkeeping for the bench: a wait that timed out is reported.
        {"variables": {"chime_started": "{{ wait.completed }}"}},
        {"wait_template": CHIME_ENDED, "timeout": chime_len + END_MARGIN},
        {"action": "sonos.restore", "target": zones, "data": {"with_group": True}},
    ]


def announce(volume: float) -> list[dict[str, Any]]:
    """Core's own overlay: one play_media with announce, as a user writes it."""
    return [
        {
            "action": "media_player.play_media",
            "target": {"entity_id": "{{ zones }}"},
            "data": {
                "media_content_id": "{{ chime }}",
                "media_content_type": "music",
                "announce": True,
                "extra": {"volume": round(volume * 100)},
            },
        }
    ]


def subscribed(host: str) -> set[str]:
    """Services whose subscriber holds a live subscription and has had events.

    Read from the speaker's timeline: SUBSCRIBE, UNSUBSCRIBE, expiry and
    every NOTIFY are on it.
    """
    with urllib.request.urlopen(f"http://{host}:1400/emulator/events") as response:
        timeline = json.load(response)
    live: dict[str, str] = {}
    heard: set[str] = set()
    for event in timeline:
        if event["kind"] != "gena":
            continue
        sid = event["sid"]
        match event.get("action"):
            case "subscribe":
                live[sid] = event["service"]
            case "unsubscribe" | "expired":
                live.pop(sid, None)
            case None if event.get("delivered"):
                heard.add(sid)
    return {service for sid, service in live.items() if sid in heard}


class CoreSonos:
    """Home Assistant with core's Sonos set up for one household, until stopped.

    Used as a context manager: on exit core's entry is unloaded (its
    subscriptions ended, its listener stopped), Home Assistant stops, and
    SoCo's process-wide settings are put back.
    """

    def __init__(self, hosts: Sequence[str], uids: Sequence[str], net: str) -> None:
        """Remember the household; nothing runs until entered."""
        self.hosts = list(hosts)
        self.uids = list(uids)
        # Core's listener binds the address the speakers call back: .1 of the
        # household's block, so that a household on another block never sees it.
        self.listener_ip = f"{net}.1"
        self.entity_ids: list[str] = []
        self._loop = create_event_loop()
        self._thread = threading.Thread(target=self._run, name="bench-hass")
        self._config_dir = TemporaryDirectory(prefix="bench-hass-")
        self._http_port = free_port()
        self._patches = ExitStack()
        self._saved: list[tuple[Any, str, object]] = []
        self._hass: HomeAssistant | None = None

    def __enter__(self) -> CoreSonos:
        """Start Home Assistant, set up core's Sonos, wait until it follows events."""
        self._saved = [
            (module, name, getattr(module, name, _MISSING))
            for module, name in SOCO_SETTINGS
        ]
        soco_config.EVENT_LISTENER_IP = self.listener_ip
        for target in SILENT_SSDP:
            self._patches.enter_context(patch(target, _async_nothing))
        self._patches.enter_context(patch(MDNS_RESOLVER, PlainResolver))
        self._thread.start()
        try:
            self._call(self._async_start())
            self._wait_ready()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *_: object) -> None:
        """Unload core, stop Home Assistant and its loop, put SoCo back."""
        try:
            if self._hass is not None:
                self._call(self._async_stop())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
            self._patches.close()
            for module, name, value in self._saved:
                if value is _MISSING:
                    if hasattr(module, name):
                        delattr(module, name)
                else:
                    setattr(module, name, value)
            self._config_dir.cleanup()

    @property
    def hass(self) -> HomeAssistant:
        """The running instance."""
        if self._hass is None:
            raise RuntimeError("Home Assistant is not running")
        return self._hass

    def chime(self, url: str, volume: float, chime_len: float) -> None:
        """Run the recipe once on every zone; returns when the script has."""
        variables = self._call(self._async_chime(url, volume, chime_len))
        if not variables.get("chime_started"):
            _LOGGER.warning("ha core recipe: the chime was not seen playing everywhere")
        if not variables.get("wait", {}).get("completed"):
            _LOGGER.warning("ha core recipe: the chime was not seen ending everywhere")

    def announce(self, url: str, volume: float) -> None:
        """Core's announce on every zone; returns once core has sent the clips."""
        self._call(self._async_script(announce(volume), url))

    def _run(self) -> None:
        """The loop thread: run until stopped, then close as the runner does."""
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()
        self._loop.run_until_complete(self._loop.shutdown_default_executor())
        self._loop.close()

    def _call[T](self, coro: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on Home Assistant's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(CALL_TIMEOUT)

    def _wait_ready(self) -> None:
        """Until every zone has core's media player and all of core's subscriptions.

        Core adds its entities first and subscribes after; until the speakers
        hold its subscriptions, it would only learn of a chime by polling.
        """
        deadline = time.monotonic() + READY_TIMEOUT
        while not (
            (entity_ids := self._call(self._async_entity_ids()))
            and all(subscribed(host) >= CORE_SERVICES for host in self.hosts)
        ):
            if time.monotonic() > deadline:
                raise TimeoutError("core's Sonos did not take over every speaker")
            time.sleep(0.05)
        self.entity_ids = entity_ids

    async def _async_start(self) -> None:
        """A Home Assistant with nothing but core's Sonos and what it depends on.

        Set up in bootstrap's order. Media players depend on http, which
        binds a port at once: a free one on loopback, not 8123, which a
        development instance may hold.
        """
        hass = self._hass = HomeAssistant(self._config_dir.name)
        loader.async_setup(hass)
        self._custom_components(hass)
        hass.config.skip_pip = True
        config = {
            # The speakers fetch what Home Assistant serves at this address.
            HA_DOMAIN: {"internal_url": f"http://127.0.0.1:{self._http_port}"},
            HTTP_DOMAIN: {"server_host": ["127.0.0.1"], "server_port": self._http_port},
            SONOS: {MP_DOMAIN: {"hosts": self.hosts}},
        }
        hass.config_entries = ConfigEntries(hass, config)
        if not await async_load_base_functionality(hass):
            raise RuntimeError("Home Assistant did not load its registries")
        if not await async_setup_component(hass, HA_DOMAIN, config):
            raise RuntimeError("Home Assistant's core integration did not set up")
        await async_process_ha_core_config(hass, config[HA_DOMAIN])
        for domain in (HTTP_DOMAIN, SONOS):
            if not await async_setup_component(hass, domain, config):
                raise RuntimeError(f"{domain} did not set up")
        await hass.async_start()
        await hass.async_block_till_done()
        [entry] = hass.config_entries.async_entries(SONOS)
        if entry.state is not ConfigEntryState.LOADED:
            raise RuntimeError(f"core's Sonos entry is {entry.state}")
        await self._async_set_up_more(hass)

    def _custom_components(self, hass: HomeAssistant) -> None:
        """None: core's Sonos alone."""
        hass.data[loader.DATA_CUSTOM_COMPONENTS] = {}

    async def _async_set_up_more(self, hass: HomeAssistant) -> None:
        """Nothing but core's Sonos."""

    async def _async_entity_ids(self) -> list[str]:
        """Core's media player per zone, once every one has a state."""
        registry = er.async_get(self.hass)
        entity_ids = [
            registry.async_get_entity_id(MP_DOMAIN, SONOS, uid) for uid in self.uids
        ]
        if all(e and self.hass.states.get(e) for e in entity_ids):
            return [e for e in entity_ids if e]
        return []

    async def _async_chime(
        self, url: str, volume: float, chime_len: float
    ) -> dict[str, Any]:
        """Validate and run the recipe as Home Assistant runs a script."""
        return await self._async_script(recipe(volume, chime_len), url)

    async def _async_script(
        self, actions: list[dict[str, Any]], url: str
    ) -> dict[str, Any]:
        """Validate and run actions as Home Assistant runs a script."""
        hass = self.hass
        sequence = await async_validate_actions_config(hass, cv.SCRIPT_SCHEMA(actions))
        script = Script(hass, sequence, "Chime", "script")
        result = await script.async_run(
            {"zones": self.entity_ids, "chime": url}, Context()
        )
        return dict(result.variables) if result else {}

    async def _async_stop(self) -> None:
        """Unload every entry, stop Home Assistant, leave no task behind."""
        hass = self.hass
        for entry in hass.config_entries.async_entries():
            await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
        await hass.async_stop()
        # SoCo's listener defers its stop by a grace window; core stopped it
        # already, so what is left waits for nothing.
        current = asyncio.current_task()
        leftovers = [task for task in asyncio.all_tasks() if task is not current]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)


class PlainResolver(ThreadedResolver):
    """getaddrinfo, closed the way Home Assistant closes its resolver."""

    def __init__(self, _hass: HomeAssistant | None = None) -> None:
        """Stand in for Home Assistant's resolver factory."""
        super().__init__()

    async def real_close(self) -> None:
        """Home Assistant closes its resolver with this when it stops."""
        await self.close()


def free_port() -> int:
    """A TCP port on loopback that nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _async_nothing(*_: object, **__: object) -> None:
    """Stands in for SSDP's network I/O."""
