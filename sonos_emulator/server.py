"""The HTTP side of a speaker: descriptions, SOAP control, emulator endpoints."""

from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import socketserver
import threading
from typing import TYPE_CHECKING, Any

from . import soap
from .eventing import SubscriptionError
from .scpd import (
    SERVICES_BY_CONTROL_URL,
    SERVICES_BY_EVENT_URL,
    SERVICES_BY_SCPD_URL,
    device_description,
    scpd_xml,
)
from .services import dispatch

if TYPE_CHECKING:
    from .speaker import Speaker

SERVER_HEADER = "Linux UPnP/1.0 Sonos/83.1-61210 (ZPS18)"
_XML = 'text/xml; charset="utf-8"'
NO_BATTERY = (
    b'<?xml version="1.0" ?>\n'
    b'<?xml-stylesheet type="text/xsl" href="/xml/review.xsl"?>'
    b"<ZPSupportInfo></ZPSupportInfo>"
)
"""/status/batterystatus of a mains-powered speaker: SoCo then says unsupported."""


class _HTTPServer(ThreadingHTTPServer):
    """One listening socket on the speaker's own address."""

    daemon_threads = True
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, speaker: Speaker) -> None:
        """Bind at once so a busy address fails in Household.start()."""
        self.speaker = speaker
        super().__init__((speaker.ip, speaker.port), _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup of the address."""
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


class SpeakerServer:
    """Owns the listening socket and the thread that serves it."""

    def __init__(self, speaker: Speaker) -> None:
        """Bind now; serving starts with :meth:`start`."""
        self._httpd = _HTTPServer(speaker)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sonos-emulator-{speaker.name}",
            daemon=True,
        )

    def start(self) -> None:
        """Serve in the background."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close the socket, and join every handler thread."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    """Answers what SoCo sends, plus the /emulator/ endpoints."""

    server: _HTTPServer
    server_version = SERVER_HEADER
    sys_version = ""
    timeout = 10

    @property
    def speaker(self) -> Speaker:
        """The speaker this server belongs to."""
        return self.server.speaker

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep test output quiet."""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = _XML,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Write a complete response (HTTP/1.0: the connection then closes)."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("EXT", "")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, payload: object, status: int = 200) -> None:
        """JSON for the emulator endpoints."""
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _body(self) -> bytes:
        """The request body by Content-Length."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _upnp_refused(self) -> bool:
        """UPnP switched off in the Sonos app: port 1400 answers 403 to all.

        home-assistant/core#151258 (403 Forbidden for /DeviceProperties/
        Control), simojenki/bonob#224 (403 for device_description.xml);
        home-assistant.io#42467 tells users to switch UPnP back on. The
        emulator's own /emulator/ endpoints still answer.
        """
        if self.speaker.upnp or self.path.startswith("/emulator/"):
            return False
        self._send(403, b"Forbidden", "text/plain")
        return True

    def do_GET(self) -> None:
        """Descriptions and emulator inspection."""
        if self._upnp_refused():
            return
        path = self.path.split("?", 1)[0]
        speaker = self.speaker
        if path == "/xml/device_description.xml":
            body = device_description(
                ip=speaker.ip,
                uid=speaker.uid,
                room_name=speaker.name,
                model_name=speaker.model,
            )
            self._send(200, body)
        elif path in SERVICES_BY_SCPD_URL:
            self._send(200, scpd_xml(SERVICES_BY_SCPD_URL[path].name))
        elif path == "/status/batterystatus":
            self._send(200, NO_BATTERY)
        elif path == "/emulator/state":
            self._send_json(speaker.state())
        elif path == "/emulator/events":
            self._send_json(speaker.events())
        else:
            self._send(404, b"Not Found", "text/plain")

    def do_DELETE(self) -> None:
        """DELETE /emulator/events forgets the timeline."""
        if self.path == "/emulator/events":
            self.speaker.clear_events()
            self._send_json([])
        else:
            self._send(404, b"Not Found", "text/plain")

    def do_POST(self) -> None:
        """SOAP control and fault injection."""
        if self._upnp_refused():
            return
        path = self.path.split("?", 1)[0]
        if path == "/emulator/faults":
            self._faults(self._body())
            return
        service = SERVICES_BY_CONTROL_URL.get(path)
        if service is None:
            self._send(404, b"Not Found", "text/plain")
            return
        self._soap(service.name, self._body())

    def do_SUBSCRIBE(self) -> None:
        """GENA: a new subscription (CALLBACK + NT) or a renewal (SID)."""
        if self._upnp_refused():
            return
        eventing = self.speaker.household.eventing
        if (service := self._event_service()) is None:
            return
        try:
            subscription, fresh = eventing.subscribe_or_renew(
                self.speaker, service, self.headers
            )
        except SubscriptionError as err:
            self._send(err.status, str(err).encode(), "text/plain")
            return
        headers = {"SID": subscription.sid, "TIMEOUT": f"Second-{subscription.timeout}"}
        self._send(200, b"", "text/plain", headers)
        if fresh:
            self.wfile.flush()
            eventing.activate(subscription)

    def do_UNSUBSCRIBE(self) -> None:
        """GENA: end the subscription named by SID."""
        if self._upnp_refused():
            return
        eventing = self.speaker.household.eventing
        if (service := self._event_service()) is None:
            return
        try:
            eventing.unsubscribe(self.speaker, service, self.headers.get("SID"))
        except SubscriptionError as err:
            self._send(err.status, str(err).encode(), "text/plain")
        else:
            self._send(200, b"", "text/plain")

    def _event_service(self) -> str | None:
        """The service whose event URL was addressed; 404 answered otherwise."""
        service = SERVICES_BY_EVENT_URL.get(self.path.split("?", 1)[0])
        if service is None:
            self._send(404, b"Not Found", "text/plain")
            return None
        return service.name

    def _soap(self, service: str, body: bytes) -> None:
        """Parse, wait for a free slot, take the profile's time, answer one call."""
        speaker = self.speaker
        try:
            request = soap.parse_request(body, self.headers.get("SOAPACTION"), service)
        except soap.UPnPError as err:
            self._send(500, soap.fault(err.code, err.description))
            return
        speaker.record(
            "soap", service=service, action=request.action, args=request.args
        )
        slots = speaker.slots
        if slots is None:
            self._answer(service, request)
            return
        with slots:
            self._answer(service, request)

    def _answer(self, service: str, request: soap.SoapRequest) -> None:
        """Delay, maybe fail, dispatch and answer (a slot is held meanwhile)."""
        speaker = self.speaker
        profile = speaker.household.profile
        work = profile.soap_delay(request.action, request.args, speaker.rng)
        if work > 0 and speaker.interrupt.wait(work):
            self.close_connection = True
            return
        latency = speaker.faults.latency
        if latency > 0:
            if speaker.interrupt.wait(latency):
                self.close_connection = True
                return
            speaker.record(
                "fault", fault="latency", action=request.action, seconds=latency
            )
        with speaker.household.lock:
            code = speaker.faults.take(request.action)
            if code is not None:
                speaker.record(
                    "fault", fault="action", action=request.action, code=code
                )
        if code is not None:
            self._send(500, soap.fault(code, "injected"))
            return
        try:
            outputs = dispatch(speaker, request)
        except soap.UPnPError as err:
            self._send(500, soap.fault(err.code, err.description))
            return
        self._send(200, soap.response(service, request.action, outputs))

    def _faults(self, body: bytes) -> None:
        """POST /emulator/faults: the HTTP face of the fault API."""
        try:
            spec = json.loads(body or b"{}")
            apply_faults(self.speaker, spec)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            self._send_json({"error": str(err)}, 400)
            return
        self._send_json(self.speaker.state()["faults"])


def apply_faults(speaker: Speaker, spec: dict[str, Any]) -> None:
    """Apply a JSON fault description (see the package docstring)."""
    if not isinstance(spec, dict):
        raise TypeError("expected a JSON object")
    if spec.get("clear"):
        speaker.clear_faults()
    if "latency" in spec:
        speaker.set_latency(float(spec["latency"]))
    if "media_fetch_delay" in spec:
        speaker.set_media_fetch_delay(float(spec["media_fetch_delay"]))
    if "websocket" in spec:
        speaker.set_websocket_fault(spec["websocket"])
    failures = spec.get("fail", [])
    if "action" in spec:
        failures = [spec, *failures]
    for failure in failures:
        times = failure.get("times")
        speaker.fail_action(
            str(failure["action"]),
            int(failure.get("code", 701)),
            None if times is None else int(times),
        )
    if spec.get("offline"):
        duration = spec.get("offline_for")
        household = speaker.household

        def offline() -> None:
            # Closing the server joins this request's thread: do it from another.
            speaker.go_offline()
            if duration is not None and not household.stopping.wait(float(duration)):
                speaker.go_online()

        household.spawn(offline, f"sonos-emulator-offline-{speaker.name}")
