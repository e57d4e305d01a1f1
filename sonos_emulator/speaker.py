"""One emulated speaker: identity, sound settings, faults, events, Python API."""

from dataclasses import dataclass, field
import random
import threading
import time
from typing import TYPE_CHECKING, Any

from . import audio_clip, media
from .audio_clip import Clip, ClipServer
from .scpd import MODEL_NAME, MODELS, PLAY_MODES
from .server import SpeakerServer
from .sources import Kind, Track, hms, kind_of
from .transport import PAUSED, PLAYING, STOPPED, Transport

if TYPE_CHECKING:
    from .household import Household

_FORCED_STATES = frozenset({PLAYING, PAUSED, STOPPED})


@dataclass(frozen=True)
class Bond:
    """The invisible speakers bonded to a visible one, as ZoneGroupState shows them.

    ``kind`` is ``"pair"`` (one more speaker, the right channel) or
    ``"home_theater"`` (sub and surrounds as Satellite elements). The others
    are not emulated speakers and nothing answers at their addresses: they
    take no command of their own (their visible speaker leads them), and a
    pair's right channel, a sub and rears serve no local API (Hubitat's
    Sonos Advanced app notes it). ``channels`` maps every uid, this one's
    first, to its channel; ``hosts`` the others' uids to their addresses.
    """

    kind: str
    channels: dict[str, str]
    hosts: dict[str, str]

    def channel_map(self) -> str:
        """ChannelMapSet / HTSatChanMapSet, in the form SoCo documents."""
        return ";".join(f"{uid}:{channel}" for uid, channel in self.channels.items())


@dataclass(slots=True)
class Faults:
    """Injected faults; all cleared by ``clear_faults``."""

    latency: float = 0.0
    fetch_delay: float = 0.0
    actions: dict[str, list[Any]] = field(default_factory=dict)
    websocket: str | None = None  # audio_clip.REFUSE or ERROR

    def take(self, action: str) -> int | None:
        """The error code to answer ``action`` with, consuming one use."""
        entry = self.actions.get(action)
        if entry is None:
            return None
        code, times = entry
        if times is not None:
            if times <= 1:
                del self.actions[action]
            else:
                entry[1] = times - 1
        return code

    def describe(self) -> dict[str, object]:
        """JSON-able view for GET /emulator/state consumers."""
        return {
            "latency": self.latency,
            "media_fetch_delay": self.fetch_delay,
            "websocket": self.websocket,
            "actions": {
                name: {"code": code, "times": times}
                for name, (code, times) in self.actions.items()
            },
        }


class Speaker:
    """A Sonos speaker on its own loopback address (see the package docstring)."""

    def __init__(
        self, household: Household, name: str, ip: str, port: int, uid: str
    ) -> None:
        """Create it stopped, standalone, at volume 20 and not yet listening."""
        self.household = household
        self.name = name
        self.ip = ip
        self.port = port
        self.uid = uid
        self.coordinator_uid = uid
        self.transport = Transport(self)
        self.volume = 20
        self.mute = False
        self.bass = 0
        self.treble = 0
        self.loudness = True
        self.fixed_volume = False
        self.supports_fixed = False
        self.led_state = "On"
        self.button_lock = "Off"
        self.channel_volumes = {"LF": 100, "RF": 100}
        """Balance: per-channel levels under the master volume (replaced, not mutated)."""
        self.ramp: object | None = None
        """Token of the RampToVolume in progress; a new ramp replaces it."""
        self.group_volume_snapshot: dict[str, int] = {}
        self.faults = Faults()
        self.offline = False
        self.interrupt = threading.Event()
        self._events: list[dict[str, Any]] = []
        self._server: SpeakerServer | None = None
        self.audio_clip = audio_clip.SUPPORTED
        # modelName of the device description ("Sonos Play:1"): see MODELS.
        self.model = MODEL_NAME
        # The household's UPnP setting (Sonos app: Account > Privacy and
        # Security > UPnP); off, port 1400 answers 403 (server._upnp_refused).
        self.upnp = True
        # Authentication for the LAN APIs (same settings page): on, the local
        # API on port 1443 refuses us (audio_clip.LAN_AUTH_REFUSAL).
        self.lan_auth = False
        # A stereo pair or home theater this speaker leads (Household.bond).
        self.bond: Bond | None = None
        self.clip: Clip | None = None
        self._clip_server: ClipServer | None = None
        self.rng = random.Random(uid)  # noqa: S311 - timing jitter, not secrets
        concurrency = household.profile.concurrency
        self.slots = threading.BoundedSemaphore(concurrency) if concurrency else None

    def __repr__(self) -> str:
        """Name and address, enough to tell speakers apart in test output."""
        return f"<Speaker {self.name!r} {self.ip}:{self.port}>"

    @property
    def base_url(self) -> str:
        """Where SoCo reaches this speaker."""
        return f"http://{self.ip}:{self.port}"

    @property
    def _lock(self) -> threading.RLock:
        """The one household lock that guards all state."""
        return self.household.lock

    # ----------------------------------------------------------- group view
    @property
    def is_coordinator(self) -> bool:
        """True when the speaker leads its group (alone or with members)."""
        return self.coordinator_uid == self.uid

    def coordinator(self) -> Speaker:
        """The speaker whose transport this one follows."""
        return self.household.by_uid(self.coordinator_uid)

    def group_members(self) -> list[Speaker]:
        """This speaker's group, coordinator first."""
        return self.household.members_of(self.coordinator())

    def effective_transport(self) -> Transport:
        """The transport that is really playing here: the coordinator's."""
        return self.coordinator().transport

    def reported_volume(self) -> int:
        """Fixed-output speakers always report 100."""
        return 100 if self.fixed_volume else self.volume

    # --------------------------------------------------------------- events
    def record(self, kind: str, when: float | None = None, **fields: object) -> None:
        """Append an event; ``when`` is monotonic (defaults to now)."""
        moment = time.monotonic() if when is None else when
        event = {
            "t": self.household.wall(moment),
            "speaker": self.name,
            "kind": kind,
            **fields,
        }
        with self._lock:
            self._events.append(event)
        self.household.eventing.changed(kind)

    def events(self) -> list[dict[str, Any]]:
        """This speaker's events, oldest first (transitions settled first)."""
        with self._lock:
            self.household.settle_all()
            return sorted(self._events, key=lambda event: event["t"])

    def clear_events(self) -> None:
        """Forget recorded events (the state is kept)."""
        with self._lock:
            self.household.settle_all()
            self._events.clear()

    # ---------------------------------------------------------------- state
    def state(self) -> dict[str, Any]:
        """The same dict as GET /emulator/state."""
        with self._lock:
            now = time.monotonic()
            self.household.settle_all(now)
            transport = self.effective_transport()
            own = self.transport
            current = transport.current_track()
            return {
                "name": self.name,
                "uid": self.uid,
                "ip": self.ip,
                "port": self.port,
                "coordinator_uid": self.coordinator_uid,
                "group_members": [sp.uid for sp in self.group_members()],
                "transport_state": transport.reported_state(now),
                "current_uri": own.uri,
                "track_uri": current.uri if current else "",
                "track_number": transport.track_number(),
                "position": round(transport.position(now), 3),
                "track_duration": transport.track_duration(),
                "rel_time": hms(transport.position(now)),
                "volume": self.reported_volume(),
                "mute": self.mute,
                "bass": self.bass,
                "treble": self.treble,
                "loudness": self.loudness,
                "play_mode": transport.play_mode,
                "crossfade": transport.crossfade,
                "queue_length": len(own.queue),
                "fixed_volume": self.fixed_volume,
                "online": not self.offline,
                "timing": self.household.profile.describe(),
                "audio_clip": self.audio_clip,
                "model": self.model,
                "upnp": self.upnp,
                "lan_auth": self.lan_auth,
                "clip": self.clip.describe(self.household) if self.clip else None,
                "faults": self.faults.describe(),
            }

    # ------------------------------------------------- hooks for transport
    def catalog_lookup(self, uri: str) -> Track | None:
        """What the household's music library knows about ``uri``."""
        return self.household.catalog.get(uri)

    def start_delay(self) -> float:
        """How long this speaker buffers before a Play is heard (the profile's)."""
        return self.household.profile.start.draw(self.rng)

    def start_fetch(self, transport: Transport, uri: str, generation: int) -> None:
        """Fetch ``uri`` in a background thread, then hand the result back."""
        delay = self.faults.fetch_delay + self.household.profile.media_fetch.draw(
            self.rng
        )
        stop = self.household.stopping

        def run() -> None:
            result = media.fetch(uri, cancel=stop, delay=delay)
            with self._lock:
                transport.fetch_done(generation, result, time.monotonic())

        self.household.spawn(run, f"sonos-emulator-fetch-{self.name}")

    # ------------------------------------------------------ set-up helpers
    def _require_coordinator(self) -> None:
        """App-style playback helpers act on coordinators only."""
        if not self.is_coordinator:
            raise ValueError(f"{self.name} is a group member; use its coordinator")

    def set_queue(self, tracks: list[Track]) -> None:
        """Replace the queue (durations are remembered by URI, like a library)."""
        with self._lock:
            for track in tracks:
                self.household.catalog[track.uri] = track
            self.transport.replace_queue(list(tracks), time.monotonic())

    def play_queue(
        self, track: int = 1, position: float = 0.0, state: str = PLAYING
    ) -> None:
        """Play the local queue from ``track`` (1-based) at ``position`` seconds."""
        with self._lock:
            self._require_coordinator()
            if state not in _FORCED_STATES:
                raise ValueError(f"state must be one of {sorted(_FORCED_STATES)}")
            if not 1 <= track <= len(self.transport.queue):
                raise ValueError(f"track {track} is not in the queue")
            now = time.monotonic()
            self.transport.load(f"x-rincon-queue:{self.uid}#0", "", now)
            self.transport.force(state, now, pos=position, track=track)

    def set_source(
        self,
        uri: str,
        metadata: str = "",
        state: str = PLAYING,
        duration: float | None = None,
    ) -> None:
        """Load any source as an app would (cloud queues and x-sonos-vli too)."""
        with self._lock:
            self._require_coordinator()
            if state not in _FORCED_STATES:
                raise ValueError(f"state must be one of {sorted(_FORCED_STATES)}")
            kind = kind_of(uri)
            if kind == Kind.MEMBER:
                raise ValueError("use Household.join to group speakers")
            if kind == Kind.QUEUE:
                raise ValueError("use play_queue for the local queue")
            now = time.monotonic()
            self.transport.load(uri, metadata, now)
            self.transport.force(state, now, duration=duration)

    def set_volume(self, volume: int) -> None:
        """Set the volume (a fixed-output speaker keeps reporting 100)."""
        with self._lock:
            self.change(volume=max(0, min(100, int(volume))))

    def set_mute(self, mute: bool) -> None:
        """Mute or unmute."""
        with self._lock:
            self.change(mute=bool(mute))

    def set_eq(
        self,
        bass: int | None = None,
        treble: int | None = None,
        loudness: bool | None = None,
    ) -> None:
        """Set any of bass/treble (-10..10) and loudness."""
        with self._lock:
            if bass is not None:
                self.change(bass=max(-10, min(10, int(bass))))
            if treble is not None:
                self.change(treble=max(-10, min(10, int(treble))))
            if loudness is not None:
                self.change(loudness=bool(loudness))

    def set_fixed_volume(self, fixed: bool) -> None:
        """Make this a fixed-output speaker (like a Port on line level)."""
        with self._lock:
            self.supports_fixed = True
            self.change(fixed_volume=bool(fixed))

    @property
    def supports_audio_clip(self) -> bool:
        """Whether loadAudioClip works here (see :mod:`.audio_clip`)."""
        return self.audio_clip == audio_clip.SUPPORTED

    def set_upnp(self, on: bool) -> None:
        """Switch UPnP on or off, as the Sonos app does (the websocket stays)."""
        with self._lock:
            self.upnp = on

    def set_lan_auth(self, on: bool) -> None:
        """Switch the household's LAN API authentication on or off (UPnP stays)."""
        with self._lock:
            self.lan_auth = on

    def set_model(self, model: str) -> None:
        """Report another model (one of MODELS): names carry quirks, see audio_clip."""
        if model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}")
        with self._lock:
            self.model = model

    def set_audio_clip(self, mode: str | bool) -> None:
        """``"supported"``, ``"unsupported"`` (S2 without it) or ``"none"`` (S1)."""
        with self._lock:
            self.audio_clip = audio_clip.mode_of(mode)
        self._sync_clip_server()

    def set_play_mode(self, mode: str) -> None:
        """Set NORMAL, REPEAT_ALL, SHUFFLE, ... on this speaker's transport."""
        mode = mode.upper()
        if mode not in PLAY_MODES:
            raise ValueError(f"unknown play mode {mode!r}")
        with self._lock:
            self.transport.settle(time.monotonic())
            self.transport.play_mode = mode
            self.record("play_mode", play_mode=mode)

    def set_crossfade(self, crossfade: bool) -> None:
        """Turn crossfade on or off."""
        with self._lock:
            self.transport.crossfade = bool(crossfade)
            self.record("crossfade", crossfade=bool(crossfade))

    def transition_for(self, seconds: float) -> None:
        """Report TRANSITIONING for ``seconds`` before settling (clock held)."""
        with self._lock:
            self.transport.transition_for(float(seconds), time.monotonic())

    def change(self, **values: object) -> None:
        """Set sound attributes, recording an event for each real change."""
        for attr, value in values.items():
            if getattr(self, attr) != value:
                setattr(self, attr, value)
                self.record(
                    attr if attr in {"volume", "mute"} else "sound", **{attr: value}
                )

    # --------------------------------------------------------------- faults
    def go_offline(self) -> None:
        """Refuse connections: the listening socket is really closed."""
        with self._lock:
            if self.offline:
                return
            self.offline = True
            self.interrupt.set()
            server, self._server = self._server, None
            self.record("fault", fault="offline")
        if server is not None:
            server.stop()
        self._stop_clip_server()

    def go_online(self) -> None:
        """Listen again on the same address."""
        with self._lock:
            if not self.offline:
                return
            if not self.household.running:
                self.offline = False  # start() will bind it
                return
            self.offline = False
            self.interrupt.clear()
            self.record("fault", fault="online")
            self.bind()

    def set_latency(self, seconds: float) -> None:
        """Delay every SOAP answer by ``seconds``."""
        with self._lock:
            self.faults.latency = max(0.0, float(seconds))

    def fail_action(
        self, action: str, code: int = 701, times: int | None = None
    ) -> None:
        """Answer ``action`` with UPnP ``code`` (``times`` uses, None = always)."""
        with self._lock:
            self.faults.actions[action] = [int(code), times]

    def set_media_fetch_delay(self, seconds: float) -> None:
        """Wait ``seconds`` before each media fetch (TRANSITIONING meanwhile)."""
        with self._lock:
            self.faults.fetch_delay = max(0.0, float(seconds))

    def set_websocket_fault(self, fault: str | None) -> None:
        """Break the wss port: ``"refuse"``, ``"error"`` or None (see audio_clip)."""
        if fault is not None and fault not in audio_clip.WEBSOCKET_FAULTS:
            raise ValueError(f"websocket must be one of {audio_clip.WEBSOCKET_FAULTS}")
        with self._lock:
            self.faults.websocket = fault
            self.record("fault", fault="websocket", mode=fault)
        self._sync_clip_server()

    def clear_faults(self) -> None:
        """Remove every injected fault and come back online."""
        with self._lock:
            self.faults = Faults()
        self.go_online()
        self._sync_clip_server()

    # ------------------------------------------------------------ lifecycle
    def bind(self) -> None:
        """Open the HTTP server on (ip, port) and serve in a thread."""
        with self._lock:
            if self._server is None and not self.offline:
                self.interrupt.clear()
                self._server = SpeakerServer(self)
                self._server.start()
            self._start_clip_server()

    def unbind(self) -> None:
        """Close the server and join its threads."""
        with self._lock:
            server, self._server = self._server, None
            self.interrupt.set()
        if server is not None:
            server.stop()
        self._stop_clip_server()

    def _start_clip_server(self) -> None:
        """Open the wss port if this speaker should have it open."""
        with self._lock:
            if self._clip_server is None and audio_clip.should_listen(self):
                server = ClipServer(self)
                server.start()
                self._clip_server = server

    def _stop_clip_server(self) -> None:
        """Close the wss port (never call with the lock held: handlers take it)."""
        with self._lock:
            server, self._clip_server = self._clip_server, None
        if server is not None:
            server.stop()

    def _sync_clip_server(self) -> None:
        """Open or close the wss port after a capability or fault change."""
        with self._lock:
            wanted = audio_clip.should_listen(self)
        if wanted:
            self._start_clip_server()
        else:
            self._stop_clip_server()
