"""An emulated Sonos household that real, unmodified SoCo drives over HTTP.

Each speaker listens on its own loopback address (127.0.0.2, 127.0.0.3, ...,
port 1400) and answers the UPnP/SOAP calls SoCo makes: 0.31.2, which Home
Assistant core's Sonos pins up to 2026.10, and 0.32.x, which it pins from
2026.11 on (0.32.1), up to the newest SoCo (``scripts/newest`` runs the engine
and emulator tests on each): device and
service descriptions, AVTransport, RenderingControl, GroupRenderingControl,
ContentDirectory (the queue), ZoneGroupTopology and DeviceProperties, plus
the reads Home Assistant core's Sonos integration makes at set-up, answered
as a mains-powered S2 Sonos One does: AlarmClock ``ListAlarms`` (alarms come
from ``Household.add_alarm``), empty favourites and Sonos playlists,
``/status/batterystatus`` without a battery, refused TV autoplay reads, and
the evented variables of AlarmClock, ContentDirectory and DeviceProperties.
Queue entries keep the DIDL they were enqueued with (album art, class ...)
under the queue's ids ``Q:0/N``. Volume has ``Master`` and the ``LF``/``RF``
balance channels (``Speaker.channel_volumes``); RampToVolume really ramps at
its RampType's rate and honours ResetVolumeAfter.

Every service in the device description takes GENA subscriptions (SUBSCRIBE,
renewal by SID, UNSUBSCRIBE; 412 for an unknown or expired SID) and pushes
NOTIFYs: the full state at once, then one per change, in order with rising
SEQ, as SoCo's event listeners and Home Assistant core read them
(:mod:`sonos_emulator.eventing`).

Speakers take the time real ones take: ``Household(profile=...)`` is
``"realistic"`` by default (tens of milliseconds per call, a few requests at
a time, TRANSITIONING while buffering after Play, group changes that settle
some hundreds of milliseconds after the call returned) or ``"fast"`` (at
once, for tests about logic). The numbers and where they come from are in
:mod:`sonos_emulator.timing`.

Besides UPnP, every speaker serves ``GET /emulator/state``, ``GET
/emulator/events``, ``DELETE /emulator/events`` and ``POST /emulator/faults``
with a JSON object holding any of ``{"clear": true}``, ``{"latency": s}``,
``{"media_fetch_delay": s}``, ``{"action": "Play", "code": 701, "times": 1}``
(or a list of those under ``"fail"``), ``{"offline": true, "offline_for": s}``
(without ``offline_for`` only the Python API can bring it back) and
``{"websocket": "refuse" | "error" | null}``.

Like a real S2 speaker, each one also serves the local websocket API on
``wss://IP:1443/websocket/api`` (self-signed TLS; ``Household(ws_port=...)``)
for audio clips, the way Home Assistant's Sonos ``announce`` plays them
through ``sonos-websocket``: ``loadAudioClip`` fetches the clip for real and
plays it for its real duration over the music, which is ducked but keeps its
transport and volume; ``audioClipStatus`` events go to subscribed connections.
``Speaker.set_audio_clip`` (or ``Household(audio_clip={name: mode})``) makes a
speaker ``"unsupported"`` (answers globalError, so HA falls back) or ``"none"``
(S1: the port is closed). The websocket faults refuse connections or answer
globalError. Details in :mod:`sonos_emulator.audio_clip`.

Households mix models (``Household(models=...)``: a Play:1's clip pauses its
group), stereo pairs and home theaters (``Household.bond``: invisible
partners in ZoneGroupState, as SoCo reads them), and UPnP can be switched
off (``Speaker.set_upnp``: 403 on port 1400, as users report).

Refusals are those real speakers give, each with where it is reported. The
codes mean what the UPnP specs say (Device Architecture 1.0: 401 invalid
action, 402 invalid args; AVTransport:1: 701 transition not available, 710
seek mode, 711 illegal seek target, 712 play mode, 714 illegal MIME type;
ContentDirectory:1: 701 no such object); SoCo's error tables name the same.

- 800 for transport and queue commands on a group member:
  home-assistant/core#65772, hklages/node-red-contrib-sonos-plus#274 ("not
  a coordinator"); SoCo#138 saw 701 there on 2014 firmware. 701 for
  GroupRenderingControl on a member (same reports).
- 701 for Pause when paused or stopped (SoCo#454), for Pause and Stop on
  TV/line-in and for playing nothing; Home Assistant core's Sonos ignores
  701, 711 and 712 from such calls (``UPNP_ERRORS_TO_IGNORE``). A radio
  stream accepts Pause but stops.
- 711 for a seek past the end and Next/Previous past either end of a queue
  without repeat; 712 for SetPlayMode on anything but the queue.
- 714 for cloud queues and ``x-sonos-vli:`` sent over UPnP: only their app
  starts them, as Spotify sources sent over UPnP answer 714 (SoCo#477,
  home-assistant/core#6933).
- A fixed-output speaker (Port, Connect) refuses volume and EQ changes
  (SoCo#138 tested one); the code it answers is not reported, 501 stands in.
- 401 for unknown actions, 402 for bad arguments (the spec).

Media that cannot be fetched or decoded: Play is accepted, and the transport
ends STOPPED with TransportStatus ``ERROR_NO_CONTENT``.
"""

from .household import DEFAULT_NAMES, Household
from .sources import Track
from .speaker import Speaker

__all__ = ["DEFAULT_NAMES", "Household", "Speaker", "Track"]
