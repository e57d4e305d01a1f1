"""GENA eventing: subscriptions and the NOTIFYs a speaker pushes to them.

Home Assistant core's Sonos integration lives on events, and SoCo's event
listeners read them, so every service the device description advertises takes
SUBSCRIBE (new, or a renewal by SID) and UNSUBSCRIBE, as UPnP 1.0 says. A new
subscription gets the full state at once (SEQ 0); after that a NOTIFY goes out
whenever an evented variable changes, with SEQ counting up per subscription.
LastChange services (AVTransport, RenderingControl) carry their whole
``LastChange`` document each time, as Sonos speakers do; the others carry the
variables that changed. A subscription that is not renewed in time expires.

Changes are found by comparing what each service reports with what was last
sent, so nothing that changes a speaker has to remember to announce it. A
single pump thread per household does that comparison when anything was
recorded on the timeline, and on its own at the next moment the lazy playback
clock or the topology will change by themselves (a track ends, a group
settles, a subscription expires). Each speaker delivers its NOTIFYs in order
from its own thread, so a slow subscriber holds back only that speaker.
"""

from collections.abc import Mapping
from dataclasses import dataclass
import http.client
import itertools
import queue
import re
import threading
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from .services import EVENTED, LAST_CHANGE

if TYPE_CHECKING:
    from .household import Household
    from .speaker import Speaker

DEFAULT_TIMEOUT = 86400
"""Seconds granted when a subscriber asks for none, or for more (or infinite)."""
MIN_TIMEOUT = 1
DELIVERY_TIMEOUT = 2.0
"""A subscriber that does not take a NOTIFY within this loses that event."""
NS_EVENT = "urn:schemas-upnp-org:event-1-0"
_CALLBACK_RE = re.compile(r"<([^>]+)>")
_QUIET_KINDS = frozenset({"soap", "fault", "media_fetch", "gena"})
"""Timeline kinds that change no evented variable."""


class SubscriptionError(Exception):
    """A SUBSCRIBE/UNSUBSCRIBE the speaker refuses, with the HTTP status."""

    def __init__(self, status: int, reason: str) -> None:
        """Keep the status the handler answers with."""
        super().__init__(reason)
        self.status = status


@dataclass(slots=True)
class Subscription:
    """One subscriber of one service of one speaker."""

    sid: str
    speaker: Speaker
    service: str
    callbacks: list[str]
    timeout: int
    expires: float
    seq: int = 0
    last: dict[str, str] | None = None
    active: bool = False


def parse_callbacks(header: str | None) -> list[str]:
    """The delivery URLs of a CALLBACK header; only http URLs count."""
    urls = _CALLBACK_RE.findall(header or "")
    return [url for url in urls if urlsplit(url).scheme == "http"]


def parse_timeout(header: str | None) -> int:
    """Granted seconds for a TIMEOUT header (``Second-N`` or ``infinite``)."""
    value = (header or "").strip().lower()
    if value.startswith("second-"):
        try:
            requested = int(value.removeprefix("second-"))
        except ValueError:
            return DEFAULT_TIMEOUT
        return max(MIN_TIMEOUT, min(requested, DEFAULT_TIMEOUT))
    return DEFAULT_TIMEOUT


def propertyset(variables: dict[str, str]) -> bytes:
    """The NOTIFY body: one ``<e:property>`` per variable, values escaped once."""
    properties = "".join(
        f"<e:property><{name}>{escape(value)}</{name}></e:property>"
        for name, value in variables.items()
    )
    return (
        '<?xml version="1.0"?>'
        f'<e:propertyset xmlns:e="{NS_EVENT}">{properties}</e:propertyset>'
    ).encode()


class _Outbox:
    """A speaker's NOTIFY queue, delivered in order from one thread."""

    def __init__(self, speaker: Speaker) -> None:
        """Start delivering in a thread the household joins on stop."""
        self.speaker = speaker
        self._queue: queue.SimpleQueue[tuple[Subscription, int, bytes] | None] = (
            queue.SimpleQueue()
        )
        speaker.household.spawn(self._run, f"sonos-emulator-gena-{speaker.name}")

    def put(self, subscription: Subscription, seq: int, body: bytes) -> None:
        """Queue one NOTIFY."""
        self._queue.put((subscription, seq, body))

    def close(self) -> None:
        """Let the thread finish what is queued and end."""
        self._queue.put(None)

    def _run(self) -> None:
        """Deliver until closed."""
        while (item := self._queue.get()) is not None:
            subscription, seq, body = item
            if self.speaker.household.stopping.is_set():
                continue
            delivered = _deliver(subscription, seq, body)
            self.speaker.record(
                "gena",
                service=subscription.service,
                sid=subscription.sid,
                seq=seq,
                delivered=delivered,
            )


def _deliver(subscription: Subscription, seq: int, body: bytes) -> bool:
    """POST-like NOTIFY to the first callback URL that takes it."""
    for url in subscription.callbacks:
        parts = urlsplit(url)
        connection = http.client.HTTPConnection(
            parts.hostname or "", parts.port or 80, timeout=DELIVERY_TIMEOUT
        )
        try:
            connection.request(
                "NOTIFY",
                parts.path or "/",
                body=body,
                headers={
                    "Content-Type": 'text/xml; charset="utf-8"',
                    "NT": "upnp:event",
                    "NTS": "upnp:propchange",
                    "SID": subscription.sid,
                    "SEQ": str(seq),
                },
            )
            status = connection.getresponse().status
        except OSError:
            continue
        finally:
            connection.close()
        if 200 <= status < 300:
            return True
    return False


class Eventing:
    """Every subscription of a household, and the pump that feeds them."""

    def __init__(self, household: Household) -> None:
        """Nothing runs until the first subscription."""
        self.household = household
        self._subscriptions: dict[str, Subscription] = {}
        self._outboxes: dict[str, _Outbox] = {}
        self._sids = itertools.count(1)
        self._cond = threading.Condition()
        self._dirty = False
        self._pump: threading.Thread | None = None
        self._closed = False

    # -------------------------------------------------------------- requests
    def subscribe_or_renew(
        self, speaker: Speaker, service: str, headers: Mapping[str, str]
    ) -> tuple[Subscription, bool]:
        """Answer a SUBSCRIBE's headers; True with a new subscription."""
        sid, timeout = headers.get("SID"), headers.get("TIMEOUT")
        callback, nt = headers.get("CALLBACK"), headers.get("NT")
        if sid:
            if callback or nt:
                raise SubscriptionError(400, "SID goes without CALLBACK and NT")
            return self.renew(speaker, service, sid, timeout), False
        if nt != "upnp:event":
            raise SubscriptionError(412, "NT must be upnp:event")
        return self.subscribe(speaker, service, callback, timeout), True

    def subscribe(
        self, speaker: Speaker, service: str, callback: str | None, timeout: str | None
    ) -> Subscription:
        """A new subscription; its first NOTIFY waits for :meth:`activate`."""
        if service not in EVENTED:
            raise SubscriptionError(404, "service sends no events")
        callbacks = parse_callbacks(callback)
        if not callbacks:
            raise SubscriptionError(412, "missing or invalid CALLBACK")
        granted = parse_timeout(timeout)
        with self.household.lock:
            sid = f"uuid:{speaker.uid}_sub{next(self._sids):010d}"
            subscription = Subscription(
                sid=sid,
                speaker=speaker,
                service=service,
                callbacks=callbacks,
                timeout=granted,
                expires=time.monotonic() + granted,
            )
            self._subscriptions[sid] = subscription
            speaker.record("gena", service=service, sid=sid, action="subscribe")
        return subscription

    def renew(
        self, speaker: Speaker, service: str, sid: str, timeout: str | None
    ) -> Subscription:
        """Extend a live subscription; 412 for one that is unknown or expired."""
        with self.household.lock:
            subscription = self._live(speaker, service, sid)
            subscription.timeout = parse_timeout(timeout)
            subscription.expires = time.monotonic() + subscription.timeout
            speaker.record("gena", service=service, sid=sid, action="renew")
        self.wake()
        return subscription

    def unsubscribe(self, speaker: Speaker, service: str, sid: str | None) -> None:
        """End a subscription; 412 for one that is unknown or expired."""
        if not sid:
            raise SubscriptionError(412, "missing SID")
        with self.household.lock:
            self._live(speaker, service, sid)
            del self._subscriptions[sid]
            speaker.record("gena", service=service, sid=sid, action="unsubscribe")

    def activate(self, subscription: Subscription) -> None:
        """Send the initial full-state NOTIFY (SEQ 0) once SUBSCRIBE was answered."""
        with self.household.lock:
            if self._subscriptions.get(subscription.sid) is not subscription:
                return
            self.household.settle_all()
            variables = EVENTED[subscription.service](subscription.speaker)
            subscription.active = True
            self._send(subscription, variables, variables)
        self._ensure_pump()

    def _live(self, speaker: Speaker, service: str, sid: str) -> Subscription:
        """The subscription ``sid`` of this speaker and service, unexpired."""
        subscription = self._subscriptions.get(sid)
        if (
            subscription is None
            or subscription.speaker is not speaker
            or subscription.service != service
        ):
            raise SubscriptionError(412, "no such subscription")
        if subscription.expires <= time.monotonic():
            del self._subscriptions[sid]
            raise SubscriptionError(412, "subscription expired")
        return subscription

    def subscriptions(self, speaker: Speaker | None = None) -> list[Subscription]:
        """Live subscriptions, of one speaker or of all."""
        with self.household.lock:
            return [
                sub
                for sub in self._subscriptions.values()
                if speaker is None or sub.speaker is speaker
            ]

    # ------------------------------------------------------------------ pump
    def changed(self, kind: str) -> None:
        """Called for every timeline entry: wake the pump for state changes."""
        if kind not in _QUIET_KINDS and self._pump is not None:
            self.wake()

    def wake(self) -> None:
        """Look for changes now."""
        with self._cond:
            self._dirty = True
            self._cond.notify()

    def _ensure_pump(self) -> None:
        """Start the pump with the first subscription."""
        with self._cond:
            if self._pump is not None or self._closed:
                return
            self._pump = threading.Thread(
                target=self._run, name="sonos-emulator-gena-pump", daemon=True
            )
            self._pump.start()

    def close(self) -> None:
        """Stop the pump and the outboxes; subscriptions end with the household."""
        with self._cond:
            self._closed = True
            pump, self._pump = self._pump, None
            self._cond.notify_all()
        if pump is not None:
            pump.join()
        with self.household.lock:
            outboxes, self._outboxes = self._outboxes, {}
            self._subscriptions.clear()
        for outbox in outboxes.values():
            outbox.close()

    def reopen(self) -> None:
        """Allow a household that is started again to send events again."""
        with self._cond:
            self._closed = False

    def _run(self) -> None:
        """Compare and notify whenever something changed or will have changed."""
        while True:
            deadline = self._next_deadline()
            with self._cond:
                while not self._dirty and not self._closed:
                    wait = None if deadline is None else deadline - time.monotonic()
                    if wait is not None and wait <= 0:
                        break
                    self._cond.wait(wait)
                if self._closed:
                    return
                self._dirty = False
            self._tick()

    def _next_deadline(self) -> float | None:
        """The next moment something changes without anyone asking."""
        with self.household.lock:
            moments = [sub.expires for sub in self._subscriptions.values()]
            moments.extend(self.household.upcoming_changes(time.monotonic()))
        return min(moments, default=None)

    def _tick(self) -> None:
        """Expire, then send each active subscription what changed for it."""
        household = self.household
        with household.lock:
            now = time.monotonic()
            household.settle_all(now)
            for sid, subscription in list(self._subscriptions.items()):
                if subscription.expires <= now:
                    del self._subscriptions[sid]
                    subscription.speaker.record(
                        "gena", service=subscription.service, sid=sid, action="expired"
                    )
            states: dict[tuple[str, str], dict[str, str]] = {}
            for subscription in self._subscriptions.values():
                speaker = subscription.speaker
                if not subscription.active or speaker.offline:
                    continue
                key = (speaker.uid, subscription.service)
                if key not in states:
                    states[key] = EVENTED[subscription.service](speaker)
                variables = states[key]
                changed = {
                    name: value
                    for name, value in variables.items()
                    if subscription.last is None or subscription.last.get(name) != value
                }
                if changed:
                    self._send(subscription, variables, changed)

    def _send(
        self,
        subscription: Subscription,
        variables: dict[str, str],
        changed: dict[str, str],
    ) -> None:
        """Queue one NOTIFY (household lock held, so SEQ and queue order agree)."""
        subscription.last = dict(variables)
        last_change = LAST_CHANGE.get(subscription.service)
        if last_change is not None:
            elements = variables if last_change.full else changed
            changed = {"LastChange": last_change.document(elements.values())}
        seq = subscription.seq
        subscription.seq += 1
        speaker = subscription.speaker
        outbox = self._outboxes.get(speaker.uid)
        if outbox is None:
            outbox = self._outboxes[speaker.uid] = _Outbox(speaker)
        outbox.put(subscription, seq, propertyset(changed))
