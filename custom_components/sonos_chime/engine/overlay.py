"""Chimes over the music where a speaker can: audioClip on its local websocket.

Nothing is paused, so nothing has to be put back. A clip belongs to a player,
not to a group (Sonos Control API), so every speaker of a group gets its own.
sonos-websocket sends the commands; a second connection per speaker,
subscribed to audioClipStatus, says when its clip has ended, so a chime
returns when the speakers say so, not after a sleep. (sonos-websocket reads
the next message after a command as its answer: events must not arrive on
the connection that sends commands.)

The engine blocks and sonos-websocket is asyncio: an OverlaySession runs the
clips on the event loop it is handed, with the client session it is handed
(Home Assistant's own, inside Home Assistant), from the engine's worker
thread. There it lives as long as the engine, and its connections stay open
from chime to chime, as core's Sonos keeps its websocket to every speaker:
a chime then loads its clips at once. Standing alone, it runs an event loop
in a thread of its own, and a session of its own, for the length of one chime.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
import logging
from pathlib import PurePosixPath
import threading
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
from sonos_websocket import SonosWebsocket
from sonos_websocket.const import API_KEY
from sonos_websocket.exception import SonosWebsocketError

from .models import Zone

_LOGGER = logging.getLogger(__name__)

NAMESPACE: Final = "audioClip:1"
# The player's local API, where sonos-websocket also connects.
LOCAL_API_PORT: Final = 1443
INFO_PATH: Final = "/api/v1/players/local/info"
# A speaker that cannot answer this fast is no overlay candidate: it falls
# back to pause-and-resume, which has its own, longer bounds.
CONNECT_TIMEOUT: Final = 3
# How a clip ends (audioClipStatus); anything else is still under way.
ENDED: Final = frozenset({"DONE", "ERROR", "INTERRUPTED", "DISMISSED"})
_ERRORS = (SonosWebsocketError, aiohttp.ClientError, OSError, TimeoutError)
# "Sonos supports only MP3 or WAV files as audio clips" (Sonos Control API,
# loadAudioClip); others end ERROR_AUDIO_CLIP_MEDIA_ERROR, unheard.
CLIP_SUFFIXES: Final = frozenset({".mp3", ".wav"})
# Ours are chimes, not alerts: another app's announcement (LOW or HIGH) cuts
# them, and they never hold one back: "LOW cannot interrupt HIGH" (same docs).
PRIORITY: Final = "LOW"
APP_ID: Final = "io.github.sonos_chime"
# Models that state AUDIO_CLIP yet do not play a clip over the music: a
# Play:1's clip pauses its whole group (home-assistant/core#182047), and on
# Play:1 and Play:3 a clip breaks the stream that plays (music-assistant
# support #3907, #5132, #4548; Music Assistant sends them none since its
# PR #3009). Names as the speakers' device descriptions give them.
NO_OVERLAY_MODELS: Final = frozenset({"Sonos Play:1", "Sonos Play:3"})


def takes_as_clip(url: str) -> bool:
    """Whether a speaker plays this URL as a clip: an .mp3 or .wav file.

    Judged by the path, as the speaker's own check is unknown before it
    fails; a URL that does not say (a stream, an API) chimes in place.
    """
    return PurePosixPath(urlsplit(url).path).suffix.lower() in CLIP_SUFFIXES


@dataclass(slots=True)
class Clip:
    """One speaker's clip, from load to its last status."""

    zone: Zone
    commands: SonosWebsocket
    events: SonosWebsocket
    clip_id: str | None = None
    status: str | None = None
    error: str | None = None
    seen: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    reader: asyncio.Task[None] | None = None


class OverlaySession:
    """The clips of one chime, on the loop given or on one of their own."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        """Start a loop unless given one; speakers are connected by probe.

        A loop given keeps running after the chime, and a session given
        stays open: they belong to whoever gave them. Never call this
        session's methods from the loop given: they block until it answers.
        """
        self._thread: threading.Thread | None = None
        if loop is None:
            loop = asyncio.new_event_loop()
            self._thread = threading.Thread(
                target=loop.run_forever, name="sonos_chime_overlay", daemon=True
            )
            self._thread.start()
        self._loop = loop
        self._session: aiohttp.ClientSession | None = session
        self._own_session = session is None
        self._closed = False
        self._clips: dict[str, Clip] = {}
        # Speakers whose local API asks for authentication, by uid.
        self.locked: set[str] = set()

    def __enter__(self) -> OverlaySession:
        """Used as a context manager: close() runs whatever happens."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close every connection and stop the loop."""
        self.close()

    def _run[T](self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def probe(self, zones: Iterable[Zone]) -> set[str]:
        """The uids of the speakers that take clips, connected and listening."""
        zones = list(zones)
        return self._run(self._probe_all(zones), CONNECT_TIMEOUT * 3 + len(zones))

    def start(self, volumes: dict[str, int | None], url: str) -> dict[str, str]:
        """Load the clip on every speaker at once; the errors, by uid.

        Called once per piece of a sequence: wait() then follows this piece's
        clips only, on the speakers given here.
        """
        return self._run(self._start_all(volumes, url), CONNECT_TIMEOUT * 3)

    def wait(self, bound: float, stop: threading.Event) -> dict[str, str]:
        """Each clip's last status, once all have ended, ``bound`` s passed or stop."""
        return self._run(self._wait_all(bound, stop), bound + CONNECT_TIMEOUT)

    def dismiss(self, uids: Iterable[str]) -> None:
        """Cancel these speakers' clips that still sound: a sequence moved on."""
        uids = list(uids)
        if uids:
            self._run(self._dismiss_all(uids), CONNECT_TIMEOUT * 2)

    def close(self) -> None:
        """Every connection closed; a loop of its own stopped, its thread joined."""
        if self._loop.is_closed() or self._closed:
            return
        self._closed = True
        try:
            self._run(self._close_all(), CONNECT_TIMEOUT * 2)
        except Exception:  # closing is best effort: the speakers are done
            _LOGGER.debug("Closing the clip connections failed", exc_info=True)
        if self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CONNECT_TIMEOUT)
        self._loop.close()

    # ------------------------------------------------------ on the loop
    async def _probe_all(self, zones: list[Zone]) -> set[str]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        ready = await asyncio.gather(*(self._probe(zone) for zone in zones))
        return {zone.uid for zone, ok in zip(zones, ready, strict=True) if ok}

    async def _states_clips(self, zone: Zone) -> bool:
        """Whether the speaker says it takes clips: AUDIO_CLIP in its info.

        A speaker whose websocket answers may still have no clips (older
        S2 hardware); the player's own discoveryInfo says.
        """
        if self._session is None:  # probe() opens it first
            return False
        self.locked.discard(zone.uid)
        try:
            async with (
                asyncio.timeout(CONNECT_TIMEOUT),
                self._session.get(
                    f"https://{zone.host}:{LOCAL_API_PORT}{INFO_PATH}",
                    headers={"X-Sonos-Api-Key": API_KEY},
                    ssl=False,
                ) as response,
            ):
                if response.status == HTTPStatus.UNAUTHORIZED:
                    # The household switched on Authentication for its LAN APIs.
                    self.locked.add(zone.uid)
                if response.status != HTTPStatus.OK:
                    _LOGGER.debug("No info from %s: %s", zone.name, response.status)
                    return False
                info = await response.json()
        except (*_ERRORS, ValueError) as err:
            _LOGGER.debug("No info from %s: %s", zone.name, err)
            return False
        device = info.get("device") if isinstance(info, dict) else None
        capabilities = device.get("capabilities") if isinstance(device, dict) else None
        return isinstance(capabilities, list) and "AUDIO_CLIP" in capabilities

    async def _probe(self, zone: Zone) -> bool:
        """The speaker states clips, and its clip events are subscribed.

        A speaker still connected and subscribed from an earlier chime is
        asked nothing: its events still come. One whose connection went
        away (a restart, a new address) is connected again.
        """
        if (known := self._clips.get(zone.uid)) is not None:
            if known.zone.host == zone.host and _listening(known):
                known.zone = zone  # a renamed zone keeps its connections
                return True
            del self._clips[zone.uid]
            await _close_clip(known)
        if not await self._states_clips(zone):
            return False
        clip = Clip(
            zone=zone,
            commands=self._websocket(zone),
            events=self._websocket(zone),
        )
        self._clips[zone.uid] = clip
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                # Both connected now: the chime's first command only loads.
                (header, body), _ = await asyncio.gather(
                    clip.events.send_command(_command("subscribe", zone)),
                    clip.commands.connect(),
                )
        except _ERRORS as err:
            _LOGGER.debug("No clips on %s: %s", zone.name, err)
            return False
        if not header.get("success"):
            _LOGGER.debug("No clips on %s: %s", zone.name, body.get("errorCode"))
            return False
        clip.reader = asyncio.create_task(
            self._read(clip), name=f"sonos_chime clip events of {zone.name}"
        )
        return True

    def _websocket(self, zone: Zone) -> SonosWebsocket:
        return SonosWebsocket(
            zone.host,
            player_id=zone.uid,
            session=self._session,
            timeout=CONNECT_TIMEOUT,
        )

    async def _read(self, clip: Clip) -> None:
        """Follow the speaker's audioClipStatus events until its clip has ended."""
        websocket = clip.events.ws
        if websocket is None:  # subscribed, so connected: never the case
            clip.ended.set()
            return
        async for message in websocket:
            if message.type is not aiohttp.WSMsgType.TEXT:
                continue
            header, body = message.json()
            if header.get("name") != "audioClipStatus":
                continue
            for status in body.get("audioClips", []):
                clip.seen[status["id"]] = (status["status"], status.get("errorCode"))
            self._settle(clip)
        clip.ended.set()  # the connection went away: nothing more will come

    @staticmethod
    def _settle(clip: Clip) -> None:
        if clip.clip_id is None or clip.clip_id not in clip.seen:
            return
        clip.status, clip.error = clip.seen[clip.clip_id]
        if clip.status in ENDED:
            clip.ended.set()

    async def _start_all(
        self, volumes: dict[str, int | None], url: str
    ) -> dict[str, str]:
        for clip in self._clips.values():
            self._forget(clip)
        loads = {
            uid: self._load(self._clips[uid], url, volume)
            for uid, volume in volumes.items()
        }
        errors = await asyncio.gather(*loads.values())
        return {uid: error for uid, error in zip(loads, errors, strict=True) if error}

    @staticmethod
    def _forget(clip: Clip) -> None:
        """Ready for the next piece: the last clip's end no longer counts."""
        clip.clip_id = clip.status = clip.error = None
        clip.seen.clear()
        clip.ended = asyncio.Event()
        if clip.reader is None or clip.reader.done():
            clip.ended.set()  # no events will come to say it ended

    async def _load(self, clip: Clip, url: str, volume: int | None) -> str | None:
        """LoadAudioClip with every option set here.

        sonos-websocket's play_clip leaves out a volume of 0 (the speaker's
        own would sound) and sends no priority.
        """
        options: dict[str, Any] = {
            "name": "Sonos Chime",
            "appId": APP_ID,
            "streamUrl": url,
            "priority": PRIORITY,
        }
        if volume is not None:
            options["volume"] = volume
        try:
            header, body = await clip.commands.send_command(
                _command("loadAudioClip", clip.zone), options
            )
        except _ERRORS as err:
            return f"{type(err).__name__}: {err}"
        if not header.get("success"):
            return str(body.get("errorCode") or body.get("reason") or "refused")
        clip.clip_id, clip.status = body["id"], body.get("status")
        self._settle(clip)
        return None

    async def _wait_all(self, bound: float, stop: threading.Event) -> dict[str, str]:
        loaded = [clip for clip in self._clips.values() if clip.clip_id]
        ended = asyncio.ensure_future(
            asyncio.gather(*(clip.ended.wait() for clip in loaded))
        )
        stopped = asyncio.ensure_future(_until(stop))
        await asyncio.wait(
            (ended, stopped), timeout=bound, return_when="FIRST_COMPLETED"
        )
        for waiting in (ended, stopped):
            waiting.cancel()
        await asyncio.gather(ended, stopped, return_exceptions=True)
        return {
            clip.zone.uid: clip.error or clip.status or "UNKNOWN" for clip in loaded
        }

    async def _dismiss_all(self, uids: list[str]) -> None:
        clips = [self._clips[uid] for uid in uids if uid in self._clips]
        await asyncio.gather(
            *(self._dismiss(clip) for clip in clips if clip.clip_id is not None)
        )

    @staticmethod
    async def _dismiss(clip: Clip) -> None:
        if clip.clip_id is None or clip.status in ENDED:
            return
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                await clip.commands.send_command(
                    _command("cancelAudioClip", clip.zone), {"id": clip.clip_id}
                )
        except _ERRORS as err:
            _LOGGER.debug("Could not dismiss %s's clip: %s", clip.zone.name, err)

    async def _close_all(self) -> None:
        clips, self._clips = list(self._clips.values()), {}
        await asyncio.gather(*(_close_clip(clip) for clip in clips))
        if self._session is not None and self._own_session:
            await self._session.close()


def _listening(clip: Clip) -> bool:
    """Whether the clip's speaker is still connected and its events still read."""
    events = clip.events.ws
    return (
        clip.reader is not None
        and not clip.reader.done()
        and events is not None
        and not events.closed
    )


async def _close_clip(clip: Clip) -> None:
    """Stop reading the speaker's events and close both its connections."""
    if clip.reader is not None:
        clip.reader.cancel()
        await asyncio.gather(clip.reader, return_exceptions=True)
    for websocket in (clip.commands, clip.events):
        try:
            await websocket.close()
        except _ERRORS:
            _LOGGER.debug("Closing %s's websocket failed", clip.zone.name)


def _command(name: str, zone: Zone) -> dict[str, str]:
    """An audioClip command's header for the zone's player."""
    return {"namespace": NAMESPACE, "command": name, "playerId": zone.uid}


async def _until(stop: threading.Event) -> None:
    """Return once stop is set, looking every tenth of a second.

    A threading.Event, set from Home Assistant's thread: no awaitable to wait on.
    """
    while not stop.is_set():  # noqa: ASYNC110
        await asyncio.sleep(0.1)
