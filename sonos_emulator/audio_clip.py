"""A speaker's local websocket API on wss port 1443, as far as audioClip goes.

Real Sonos S2 speakers serve the Sonos Control API on
``wss://IP:1443/websocket/api`` with a self-signed certificate. Home Assistant
core's Sonos ``announce`` goes through it (library ``sonos-websocket``): it
plays a clip *over* the music, which the speaker ducks meanwhile and brings
back afterwards, without touching the transport. This module emulates that
for one speaker; the protocol follows Sonos's Control API documentation
(docs.sonos.com: control, globalError, audioClip, loadAudioClip,
audioClipStatus) and what sonos-websocket 0.2.0 sends and reads.

Protocol. The handshake needs ``X-Sonos-Api-Key`` (the key of Sonos's own
sample app, which every local client uses; anything else gets HTTP 401) and
the subprotocol ``v1.api.smartspeaker.audio`` (else HTTP 400). Messages are a
JSON pair ``[header, body]``. Answers echo ``namespace``, ``cmdId`` and the
target ids, add ``householdId``, ``response`` (the command), ``success`` and
``type`` (the body's object type). Failures are ``globalError`` answers with
``errorCode`` and ``reason`` in the body and ``success: false``. Served:

- ``audioClip:1`` ``loadAudioClip`` (``name``, ``appId``, optional
  ``streamUrl``, ``volume``, ``priority``, ``clipType``): answers at once with
  the ``audioClip`` object (``id``, ``name``, ``appId``, ``priority``,
  ``clipType``, ``status: ACTIVE``). The speaker then really fetches
  ``streamUrl`` (:func:`media.fetch`, the fault ``media_fetch_delay``
  applies) and plays the clip for its real duration at its own volume (the
  ``volume`` given, else the speaker's); without ``streamUrl`` it plays its
  built-in chime (:data:`BUILTIN_CHIME_SECONDS`, a guess). A clip ends
  ``DONE``, ``ERROR`` (fetch failed, or the file is neither MP3 nor WAV:
  :data:`CLIP_FORMATS`; ``errorCode`` ERROR_AUDIO_CLIP_MEDIA_ERROR),
  ``INTERRUPTED`` (a newer clip, the speaker going away) or ``DISMISSED``.
  A clip that may not cut the one playing (:func:`interrupts`, the LOW/HIGH
  rules of the docs) waits for it to end, then plays.
- ``audioClip:1`` ``cancelAudioClip`` (``id``), ``subscribe``, ``unsubscribe``.
  Only subscribed connections get ``audioClipStatus`` events (type and name
  ``audioClipStatus``, body ``audioClips``), as the docs say and as clients
  need: sonos-websocket reads the next message after a command as its
  answer, so unsolicited events would be taken for answers.
- ``GET /api/v1/players/local/info`` (REST, same port and key): the
  ``discoveryInfo`` object, ``AUDIO_CLIP`` among ``device.capabilities``
  where the speaker takes clips.
- ``groups:1`` ``getGroups`` (sonos-websocket's way to find the player id and
  its ``AUDIO_CLIP`` capability) and the empty command ``[{}, {}]``, whose
  globalError still carries ``householdId`` (sonos-websocket relies on that).

A clip belongs to the player, not the group: a member plays its own. Music is
ducked only in the listener's ear: volumes and the transport (state, track,
position) are left exactly as they were. The clip shows in
``Speaker.state()["clip"]`` and in the timeline as ``clip`` events (``status``
ACTIVE at load, then DONE/ERROR/INTERRUPTED/DISMISSED at the moment it
happened) next to a ``media_fetch`` event carrying ``clip``.

Capability (``Speaker.set_audio_clip`` / ``Household(audio_clip={name: mode})``):
``"supported"`` (default); ``"unsupported"``, an S2 player without
``AUDIO_CLIP`` (older hardware): the websocket is up, getGroups omits the
capability and audioClip commands get a globalError (ERROR_UNSUPPORTED_NAMESPACE;
Home Assistant reads only the ``type`` and then plays the file normally);
``"none"``, an S1 speaker: nothing listens on the port (connection refused).

Models (``Speaker.set_model`` / ``Household(models={name: model})``, the
``modelName`` of the device description): a ``Sonos Play:1`` that loads a
clip while its group plays pauses the whole group for
:data:`CLIP_GROUP_PAUSE` s, which then plays on by itself
(home-assistant/core#182047); other models play clips over the music.

Faults (``Speaker.set_websocket_fault``, ``{"websocket": ...}`` in POST
/emulator/faults): ``"refuse"`` closes the listening socket and every open
connection (clients get a connection error); ``"error"`` answers every
command with a globalError ERROR_COMMAND_FAILED; ``null`` heals.

The server runs aiohttp in its own thread and event loop and is started and
stopped with the speaker's HTTP server. TLS uses one self-signed certificate
for every speaker of the process (:func:`tls_context`), made at first use
with ``cryptography`` and kept only in memory (the PEM files live in a temporary directory just long enough to be
loaded).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import datetime
import functools
import itertools
import json
from pathlib import Path
import ssl
import tempfile
import threading
import time
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from . import media
from .transport import PAUSED, PLAYING

if TYPE_CHECKING:
    from .household import Household
    from .speaker import Speaker
    from .transport import Transport

API_KEY = "123e4567-e89b-12d3-a456-426655440000"
SUBPROTOCOL = "v1.api.smartspeaker.audio"
PATH = "/websocket/api"
INFO_PATH = "/api/v1/players/local/info"
# Authentication switched on (Sonos app: Privacy & Security): "applies to
# third-party integrations that use the Sonos cloud and local area network
# (LAN) APIs" (Sonos support, "Adjust connection security settings"; off by
# default). What a speaker answers a client without it is not reported: the
# local API's own 401, which it gives a handshake without a key, stands in.
LAN_AUTH_REFUSAL = "authentication required"
NAMESPACE = "audioClip:1"
SUPPORTED, UNSUPPORTED, NONE = "supported", "unsupported", "none"
MODES = (SUPPORTED, UNSUPPORTED, NONE)
REFUSE, ERROR = "refuse", "error"
WEBSOCKET_FAULTS = (REFUSE, ERROR)
BUILTIN_CHIME_SECONDS = 1.5
_PRIORITIES = frozenset({"LOW", "HIGH"})
# "Sonos supports only MP3 or WAV files as audio clips" (Sonos Control API,
# loadAudioClip); others end ERROR with ERROR_AUDIO_CLIP_MEDIA_ERROR, "the
# media type is not supported" (audioClip object docs).
CLIP_FORMATS = frozenset({"mp3", "wav"})
# "A High priority audio clip can interrupt another high priority audio clip
# if the latter has played for more then 10 seconds" (loadAudioClip docs).
HIGH_HOLDS = 10.0


def interrupts(new: Clip, playing: Clip, now: float) -> bool:
    """Whether a clip loaded now cuts the one playing, by Sonos's priority rules.

    LOW cuts LOW, HIGH cuts LOW, HIGH cuts HIGH after HIGH_HOLDS, "LOW cannot
    interrupt HIGH" (Sonos Control API, loadAudioClip). One that may not
    waits, and plays once the other has ended: "the player can handle
    multiple audio clips and implements a simple priority system to
    determine playback order" (same page). How its load is answered is not
    documented: as any other's.
    """
    if new.priority == "LOW":
        return playing.priority == "LOW"
    if playing.priority == "LOW":
        return True
    played = 0.0 if playing.started is None else now - playing.started
    return played > HIGH_HOLDS


# Models whose clip pauses the whole playing group they are in, and for how
# long (home-assistant/core#182047, Play:1; ~3.3 s).
CLIP_PAUSES_GROUP = frozenset({"Sonos Play:1"})
CLIP_GROUP_PAUSE = 3.3
_CLIP_TYPES = frozenset({"CHIME", "CUSTOM"})
_CAPABILITIES = ["CLOUD", "PLAYBACK", "AIRPLAY", "VOICE"]
_API_VERSION = "1.40.0"

Message = tuple[dict[str, Any], dict[str, Any]]
Then = Callable[[], Awaitable[None]] | None


def mode_of(value: str | bool) -> str:
    """Normalise a capability setting; a bool means supported or unsupported."""
    if isinstance(value, bool):
        return SUPPORTED if value else UNSUPPORTED
    if value not in MODES:
        raise ValueError(f"audio_clip must be one of {MODES} or a bool")
    return value


def should_listen(speaker: Speaker) -> bool:
    """Whether the wss port is open: running, online, S2, not refusing."""
    return (
        speaker.household.running
        and not speaker.offline
        and speaker.audio_clip != NONE
        and speaker.faults.websocket != REFUSE
    )


# ------------------------------------------------------------------- TLS
@functools.cache
def tls_context() -> ssl.SSLContext:
    """The server context every emulated speaker serves (clients do not verify it).

    Made once per process, at first use: a test runner can make it before any
    test freezes the clock, as cryptography takes no datetime a freezer swapped.
    """
    return _self_signed()


def _self_signed() -> ssl.SSLContext:
    """A fresh EC key and certificate for the emulator's speakers."""
    from cryptography import x509  # noqa: PLC0415 - only needed for wss
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sonos (emulated)")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory(prefix="sonos-emulator-tls-") as folder:
        cert_file, key_file = Path(folder, "cert.pem"), Path(folder, "key.pem")
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context.load_cert_chain(cert_file, key_file)
    return context


# ------------------------------------------------------------------ clips
@dataclass(slots=True)
class Clip:
    """One audio clip on one player."""

    id: str
    name: str
    app_id: str
    priority: str
    clip_type: str
    url: str | None
    volume: int
    status: str = "ACTIVE"
    duration: float | None = None
    started: float | None = None  # monotonic, once the audio is there

    def as_object(self, error: str | None = None) -> dict[str, Any]:
        """The API's ``audioClip`` object."""
        body = {
            "_objectType": "audioClip",
            "id": self.id,
            "name": self.name,
            "appId": self.app_id,
            "priority": self.priority,
            "clipType": self.clip_type,
            "status": self.status,
        }
        if error is not None:
            body["errorCode"] = error
        return body

    def describe(self, household: Household) -> dict[str, Any]:
        """JSON-able view for ``Speaker.state()``."""
        started = None if self.started is None else household.wall(self.started)
        return {
            "id": self.id,
            "name": self.name,
            "app_id": self.app_id,
            "priority": self.priority,
            "clip_type": self.clip_type,
            "url": self.url,
            "volume": self.volume,
            "status": self.status,
            "duration": self.duration,
            "started": started,
            "ends": None if started is None else started + (self.duration or 0.0),
        }


class _CommandError(Exception):
    """A command answered with a globalError."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


# ----------------------------------------------------------------- server
class ClipServer:
    """The wss server of one speaker, in its own thread and event loop."""

    def __init__(self, speaker: Speaker) -> None:
        """Prepare; nothing listens until :meth:`start`."""
        self.speaker = speaker
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._run, name=f"sonos-emulator-wss-{speaker.name}", daemon=True
        )
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._closing = threading.Event()
        self._runner: web.AppRunner | None = None
        self._sockets: dict[web.WebSocketResponse, web.Request] = {}
        self._subscribers: set[web.WebSocketResponse] = set()
        self._tasks: dict[str, asyncio.Task[None]] = {}
        # Clips that could not interrupt the one playing, oldest first.
        self._waiting: list[Clip] = []
        # Groups a Play:1's clip paused, waiting to play again.
        self._resumes: set[asyncio.Task[None]] = set()
        self._ids = itertools.count(1)

    # -------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Bind now (a busy port fails here) and serve in the background."""
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            self._thread.join()
            raise self._failure

    def stop(self) -> None:
        """Drop every connection and clip, close the socket, join the thread."""
        loop = self._loop
        if not self._thread.is_alive():
            return
        self._closing.set()
        try:
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(10.0)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join()

    def _run(self) -> None:
        """Thread body: bind, serve until stopped, then release everything."""
        loop = self._loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._setup())
        except BaseException as err:  # handed to start()
            self._failure = err
            loop.run_until_complete(self._release())
        finally:
            self._ready.set()
        try:
            if self._failure is None:
                loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _setup(self) -> None:
        """Listen on (ip, ws_port) with TLS."""
        app = web.Application()
        app.router.add_get(PATH, self._handle)
        app.router.add_get(INFO_PATH, self._info)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner,
            self.speaker.ip,
            self.speaker.household.ws_port,
            ssl_context=tls_context(),
            reuse_address=True,
        )
        await site.start()

    async def _shutdown(self) -> None:
        """Cut connections as a vanishing speaker does, end clips, close."""
        for request in self._sockets.values():
            if request.transport is not None:
                request.transport.abort()
        self._waiting.clear()  # a vanishing speaker forgets what was to come
        tasks = [*self._tasks.values(), *self._resumes]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        speaker = self.speaker
        with speaker.household.lock:
            if speaker.clip is not None:  # only this server sets it
                self._end(speaker.clip, "INTERRUPTED", time.monotonic())
        await self._release()

    async def _release(self) -> None:
        """Close the listening socket and the handlers."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---------------------------------------------------------- REST
    async def _info(self, request: web.Request) -> web.Response:
        """GET /api/v1/players/local/info: who the player is, what it can.

        The ``discoveryInfo`` object (Sonos's types, as aiosonos models it);
        Music Assistant and other local clients read ``device.capabilities``
        for ``AUDIO_CLIP`` here. Without the API key a speaker answers 403
        ERROR_API_KEY_VALIDATION_FAILED, as a probe of an S2 One did.
        """
        if self.speaker.lan_auth:
            raise web.HTTPUnauthorized(text=LAN_AUTH_REFUSAL)
        if request.headers.get("X-Sonos-Api-Key") != API_KEY:
            return web.json_response(
                {"errorCode": "ERROR_API_KEY_VALIDATION_FAILED"}, status=403
            )
        speaker = self.speaker
        speaker.record("info")
        household = speaker.household
        with household.lock:
            port = household.ws_port
            websocket_url = f"wss://{speaker.ip}:{port}{PATH}"
            info = {
                "_objectType": "discoveryInfo",
                "device": {
                    "_objectType": "deviceInfo",
                    "id": speaker.uid,
                    "primaryDeviceId": speaker.uid,
                    "modelDisplayName": speaker.model.removeprefix("Sonos "),
                    "capabilities": _CAPABILITIES
                    + (["AUDIO_CLIP"] if speaker.supports_audio_clip else []),
                    "apiVersion": _API_VERSION,
                    "minApiVersion": "1.1.0",
                    "name": speaker.name,
                    "websocketUrl": websocket_url,
                    "swGen": 2,
                },
                "householdId": household.household_id,
                "locationId": household.household_id,
                "playerId": speaker.uid,
                "groupId": household.group_id(speaker.coordinator_uid),
                "websocketUrl": websocket_url,
                "restUrl": f"https://{speaker.ip}:{port}/api",
            }
        return web.json_response(info)

    # ------------------------------------------------------- websocket
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        """Check the handshake like a speaker, then answer commands."""
        if self.speaker.lan_auth:
            raise web.HTTPUnauthorized(text=LAN_AUTH_REFUSAL)
        if request.headers.get("X-Sonos-Api-Key") != API_KEY:
            raise web.HTTPUnauthorized(text="missing or unknown X-Sonos-Api-Key")
        offered = request.headers.get("Sec-WebSocket-Protocol", "")
        if SUBPROTOCOL not in (p.strip() for p in offered.split(",")):
            raise web.HTTPBadRequest(text=f"subprotocol {SUBPROTOCOL} required")
        ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,))
        # Recorded as the handshake is accepted: a client's connect() returns
        # once the answer reaches it, and must find the connection on record.
        self.speaker.record("websocket", action="opened")
        try:
            await ws.prepare(request)
            self._sockets[ws] = request
            async for message in ws:
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                reply, then = self._command(message.data, ws)
                await ws.send_json(list(reply))
                if then is not None:
                    await then()
        except ConnectionError:
            pass  # the client went away mid-answer
        finally:
            self._sockets.pop(ws, None)
            self._subscribers.discard(ws)
            self.speaker.record("websocket", action="closed")
        return ws

    def _command(
        self, raw: str | bytes, ws: web.WebSocketResponse
    ) -> tuple[Message, Then]:
        """Answer one ``[header, body]``; maybe with work to do once answered."""
        message = _parse(raw)
        if message is None:
            reason = "expected [header, body]"
            return self._error({}, "ERROR_INVALID_SYNTAX", reason), None
        header, body = message
        try:
            return self._dispatch(header, body, ws)
        except _CommandError as err:
            return self._error(header, err.code, err.reason), None

    def _dispatch(
        self, header: dict[str, Any], body: dict[str, Any], ws: web.WebSocketResponse
    ) -> tuple[Message, Then]:
        """Route by namespace; refusals raise :class:`_CommandError`."""
        speaker = self.speaker
        namespace, command = header.get("namespace"), header.get("command")
        if speaker.faults.websocket == ERROR:
            raise _CommandError("ERROR_COMMAND_FAILED", "injected")
        if not namespace or not command:
            raise _CommandError(
                "ERROR_MISSING_PARAMETERS", "Missing required value:[0].namespace"
            )
        if namespace == "groups:1" and command == "getGroups":
            return self._answer(header, self._groups()), None
        if namespace != NAMESPACE:
            raise _CommandError("ERROR_UNSUPPORTED_NAMESPACE", str(namespace))
        if speaker.audio_clip != SUPPORTED:
            raise _CommandError(
                "ERROR_UNSUPPORTED_NAMESPACE", f"{NAMESPACE} is not supported"
            )
        self._check_player(header)
        return self._audio_clip(str(command), header, body, ws)

    def _answer(self, header: dict[str, Any], body: dict[str, Any]) -> Message:
        """A successful answer to ``header``."""
        return self._header(header, True, body.get("_objectType", "none")), body

    def _error(self, header: dict[str, Any], code: str, reason: str) -> Message:
        """A globalError answer to ``header``."""
        body = {"_objectType": "globalError", "errorCode": code, "reason": reason}
        return self._header(header, False, "globalError"), body

    def _header(
        self, header: dict[str, Any], success: bool, kind: str
    ) -> dict[str, Any]:
        """The answer header: echoes of the command plus the outcome."""
        reply: dict[str, Any] = {}
        if "namespace" in header:
            reply["namespace"] = header["namespace"]
        reply["householdId"] = self.speaker.household.household_id
        for key in ("groupId", "playerId", "sessionId", "cmdId"):
            if key in header:
                reply[key] = header[key]
        if "command" in header:
            reply["response"] = header["command"]
        reply["success"] = success
        reply["type"] = kind
        return reply

    def _check_player(self, header: dict[str, Any]) -> None:
        """A speaker's own websocket only targets its own player."""
        player = header.get("playerId")
        if not player:
            raise _CommandError(
                "ERROR_MISSING_PARAMETERS", "Missing required value:[0].playerId"
            )
        if player != self.speaker.uid:
            raise _CommandError("ERROR_INVALID_PARAMETER", f"unknown player {player}")

    def _groups(self) -> dict[str, Any]:
        """The getGroups body: the household's groups and players."""
        household = self.speaker.household
        port = household.ws_port
        with household.lock:
            groups = [
                {
                    "_objectType": "group",
                    "id": household.group_id(coordinator.uid),
                    "name": coordinator.name,
                    "coordinatorId": coordinator.uid,
                    "playerIds": [sp.uid for sp in household.members_of(coordinator)],
                }
                for coordinator in household.coordinators()
            ]
            players = [
                {
                    "_objectType": "player",
                    "id": sp.uid,
                    "name": sp.name,
                    "websocketUrl": f"wss://{sp.ip}:{port}{PATH}",
                    "apiVersion": _API_VERSION,
                    "minApiVersion": "1.1.0",
                    "capabilities": _CAPABILITIES
                    + (["AUDIO_CLIP"] if sp.supports_audio_clip else []),
                }
                for sp in household
                if sp.audio_clip != NONE
            ]
        return {"_objectType": "groups", "groups": groups, "players": players}

    # ------------------------------------------------------- audioClip
    def _audio_clip(
        self,
        command: str,
        header: dict[str, Any],
        body: dict[str, Any],
        ws: web.WebSocketResponse,
    ) -> tuple[Message, Then]:
        """The commands of the audioClip namespace."""
        if command == "loadAudioClip":
            clip, after = self._load(body)
            return self._answer(header, clip.as_object()), after
        if command == "cancelAudioClip":
            after = self._cancel(str(body.get("id", "")))
            return self._answer(header, {}), after
        if command == "subscribe":
            self._subscribers.add(ws)
            return self._answer(header, {}), None
        if command == "unsubscribe":
            self._subscribers.discard(ws)
            return self._answer(header, {}), None
        raise _CommandError("ERROR_UNSUPPORTED_COMMAND", command)

    def _load(self, body: dict[str, Any]) -> tuple[Clip, Then]:
        """Validate, interrupt the clip playing, start the new one."""
        for required in ("name", "appId"):
            if not isinstance(body.get(required), str) or not body[required]:
                raise _CommandError(
                    "ERROR_MISSING_PARAMETERS", f"Missing required value:[1].{required}"
                )
        url = body.get("streamUrl")
        if url is not None and not isinstance(url, str):
            raise _CommandError("ERROR_INVALID_PARAMETER", "streamUrl")
        priority = body.get("priority", "LOW")
        clip_type = body.get("clipType", "CUSTOM" if url else "CHIME")
        if priority not in _PRIORITIES or clip_type not in _CLIP_TYPES:
            raise _CommandError("ERROR_INVALID_PARAMETER", "priority or clipType")
        volume = body.get("volume")
        if volume is not None and (
            isinstance(volume, bool) or not isinstance(volume, int)
        ):
            raise _CommandError("ERROR_INVALID_PARAMETER", "volume")
        speaker = self.speaker
        with speaker.household.lock:
            now = time.monotonic()
            clip = Clip(
                id=str(next(self._ids)),
                name=body["name"],
                app_id=body["appId"],
                priority=priority,
                clip_type=clip_type,
                url=url or None,
                volume=speaker.volume if volume is None else max(0, min(100, volume)),
            )
            previous = speaker.clip
            if previous is not None and not interrupts(clip, previous, now):
                # It plays once the one before has ended (see interrupts).
                self._waiting.append(clip)
                speaker.record("clip", now, clip_id=clip.id, status="WAITING")
                return clip, None
            if previous is not None:
                self._end(previous, "INTERRUPTED", now)
            return clip, self._begin(clip, now, previous)

    def _begin(self, clip: Clip, now: float, previous: Clip | None = None) -> Then:
        """The clip becomes the speaker's (household lock held); then it plays."""
        speaker = self.speaker
        speaker.clip = clip
        paused = self._pause_group_for(speaker, now)
        speaker.record(
            "clip",
            now,
            clip_id=clip.id,
            status=clip.status,
            url=clip.url,
            volume=clip.volume,
            name=clip.name,
            # A clip sounds on the speaker it was sent to alone: of a pair
            # only the left, of a home theater only the soundbar
            # (sonos_cloud's README; home-assistant/core#94584).
            heard_on=[speaker.uid],
            silent_on=list(speaker.bond.hosts) if speaker.bond else [],
        )
        delay = speaker.faults.fetch_delay

        async def then() -> None:
            self._tasks[clip.id] = asyncio.create_task(self._play(clip, delay))
            if paused is not None:
                resume = asyncio.create_task(self._resume_group(paused))
                self._resumes.add(resume)
                resume.add_done_callback(self._resumes.discard)
            if previous is not None:
                await self._broadcast(previous)
            await self._broadcast(clip)

        return then

    async def _next(self) -> None:
        """The speaker is free: the clip that waited longest plays now."""
        with self.speaker.household.lock:
            if self.speaker.clip is not None or not self._waiting:
                return
            then = self._begin(self._waiting.pop(0), time.monotonic())
        await then()

    @staticmethod
    def _pause_group_for(speaker: Speaker, now: float) -> Transport | None:
        """A Play:1 in a playing group pauses the whole group for a clip.

        home-assistant/core#182047: the group pauses for about 3.3 s and
        resumes by itself, whichever speaker leads it; a Sonos One in the
        same place does not. The paused transport, to resume; None otherwise.
        """
        transport = speaker.effective_transport()
        if (
            speaker.model not in CLIP_PAUSES_GROUP
            or len(speaker.group_members()) < 2
            or transport.state != PLAYING
        ):
            return None
        transport.pause(now)
        speaker.record("clip_pauses_group", now, coordinator=speaker.coordinator_uid)
        return transport

    async def _resume_group(self, transport: Transport) -> None:
        """The group plays again once the model's pause is over."""
        await asyncio.sleep(CLIP_GROUP_PAUSE)
        with self.speaker.household.lock:
            if transport.state == PAUSED:
                transport.play(time.monotonic())

    def _cancel(self, clip_id: str) -> Then:
        """Dismiss the clip ``clip_id`` (real players forget finished ones)."""
        speaker = self.speaker
        with speaker.household.lock:
            clip = speaker.clip
            if clip is None or clip.id != clip_id:
                raise _CommandError(
                    "ERROR_AUDIO_CLIP_ID_NOT_FOUND", f"no audio clip {clip_id}"
                )
            self._end(clip, "DISMISSED", time.monotonic())

        async def then() -> None:
            await self._broadcast(clip)
            await self._next()

        return then

    async def _play(self, clip: Clip, delay: float) -> None:
        """Fetch for real, play for the real duration, then end DONE."""
        speaker = self.speaker
        try:
            if clip.url is None:
                now, duration = time.monotonic(), BUILTIN_CHIME_SECONDS
            else:
                result = await asyncio.to_thread(
                    media.fetch, clip.url, cancel=self._closing, delay=delay
                )
                now = time.monotonic()
                speaker.record("media_fetch", now, clip=clip.id, **result.as_event())
                if result.ok and result.audio_format not in CLIP_FORMATS:
                    result = media.FetchResult(
                        result.url,
                        result.status,
                        result.content_type,
                        error=f"only MP3 or WAV play as clips: {result.audio_format}",
                    )
                if not result.ok:
                    with speaker.household.lock:
                        if speaker.clip is not clip:
                            return
                        self._end(clip, "ERROR", now, error=result.error)
                    await self._broadcast(clip, "ERROR_AUDIO_CLIP_MEDIA_ERROR")
                    await self._next()
                    return
                duration = result.duration or 0.0
            with speaker.household.lock:
                if speaker.clip is not clip:
                    return
                clip.started, clip.duration = now, duration
            await asyncio.sleep(max(0.0, now + duration - time.monotonic()))
            with speaker.household.lock:
                if speaker.clip is not clip:
                    return
                self._end(clip, "DONE", now + duration)
            await self._broadcast(clip)
            await self._next()
        finally:
            if self._tasks.get(clip.id) is asyncio.current_task():
                del self._tasks[clip.id]

    def _end(
        self, clip: Clip, status: str, when: float, error: str | None = None
    ) -> None:
        """Finish ``clip`` (household lock held): record it, drop its task."""
        speaker = self.speaker
        clip.status = status
        if speaker.clip is clip:
            speaker.clip = None
        extra = {} if error is None else {"error": error}
        speaker.record(
            "clip",
            when,
            clip_id=clip.id,
            status=status,
            url=clip.url,
            volume=clip.volume,
            duration=clip.duration,
            **extra,
        )
        task = self._tasks.pop(clip.id, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _broadcast(self, clip: Clip, error: str | None = None) -> None:
        """Send an audioClipStatus event to every subscribed connection."""
        header = {
            "namespace": NAMESPACE,
            "householdId": self.speaker.household.household_id,
            "playerId": self.speaker.uid,
            "name": "audioClipStatus",
            "type": "audioClipStatus",
        }
        body = {"_objectType": "audioClipStatus", "audioClips": [clip.as_object(error)]}
        for ws in list(self._subscribers):
            if ws.closed:
                continue
            try:
                await ws.send_json([header, body])
            except ConnectionError:
                self._subscribers.discard(ws)  # gone meanwhile: it misses the event


def _parse(raw: str | bytes) -> Message | None:
    """The ``[header, body]`` pair of a message; None when it is not one."""
    try:
        message = json.loads(raw)
    except ValueError:
        return None
    if (
        isinstance(message, list)
        and len(message) == 2
        and all(isinstance(part, dict) for part in message)
    ):
        return message[0], message[1]
    return None
