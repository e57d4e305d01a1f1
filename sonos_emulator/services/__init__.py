"""Action handlers per UPnP service, and the dispatcher that checks arguments."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
import time
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

from ..scpd import SERVICES
from ..soap import SoapRequest, UPnPError

if TYPE_CHECKING:
    from ..household import Household
    from ..speaker import Speaker

FIXED_VOLUME_ERROR = 501
"""What a fixed-output speaker answers to volume/EQ changes (real Ports send 501)."""
MEMBER_ERROR = 800
"""What a group member answers to transport and queue commands."""
GROUP_MEMBER_ERROR = 701
"""What a group member answers to GroupRenderingControl ("not the coordinator")."""


@dataclass(slots=True)
class Call:
    """One action invocation: the speaker, its arguments, and the instant."""

    speaker: Speaker
    args: dict[str, str]
    now: float

    @property
    def household(self) -> Household:
        """The speaker's household."""
        return self.speaker.household

    def arg(self, name: str) -> str:
        """A string argument (presence was checked against the SCPD)."""
        return self.args.get(name, "")

    def int_arg(
        self, name: str, low: int | None = None, high: int | None = None
    ) -> int:
        """An integer argument; 402 when malformed or out of range."""
        try:
            value = int(self.arg(name).strip())
        except ValueError as err:
            raise UPnPError(402, f"{name} is not an integer") from err
        if (low is not None and value < low) or (high is not None and value > high):
            raise UPnPError(402, f"{name} out of range")
        return value

    def bool_arg(self, name: str) -> bool:
        """A UPnP boolean (1/0/true/false/yes/no); 402 otherwise."""
        value = self.arg(name).strip().lower()
        if value in {"1", "true", "yes"}:
            return True
        if value in {"0", "false", "no"}:
            return False
        raise UPnPError(402, f"{name} is not a boolean")

    def require_coordinator(self, code: int = MEMBER_ERROR) -> None:
        """Group members refuse transport commands with 800, as real ones do.

        home-assistant/core#65772, node-red-contrib-sonos-plus#274.
        """
        if not self.speaker.is_coordinator:
            raise UPnPError(code, "command not allowed on a group member")


type Handler = Callable[[Call], dict[str, object]]
HANDLERS: dict[tuple[str, str], Handler] = {}

type StateReader = Callable[["Speaker"], dict[str, str]]
EVENTED: dict[str, StateReader] = {}
"""Per service: the variables a NOTIFY carries (name -> text), read under the lock.

For a LastChange service the reader returns the rendered elements of the
``LastChange`` document instead, keyed by variable (and channel).
"""


@dataclass(frozen=True, slots=True)
class LastChange:
    """How a service wraps its variables into one ``LastChange`` document."""

    namespace: str
    full: bool
    """True: every event repeats every variable (AVTransport); False: what changed."""

    def document(self, elements: Iterable[str]) -> str:
        """The ``LastChange`` value for these rendered elements."""
        extra = f' xmlns:r="{NS_RINCON}"' if self.full else ""
        return (
            f'<Event xmlns="{self.namespace}"{extra}><InstanceID val="0">'
            + "".join(elements)
            + "</InstanceID></Event>"
        )


LAST_CHANGE: dict[str, LastChange] = {}
NS_RINCON = "urn:schemas-rinconnetworks-com:metadata-1-0/"


def evented(
    service: str, last_change: LastChange | None = None
) -> Callable[[StateReader], StateReader]:
    """Register the reader of ``service``'s evented variables."""

    def register(reader: StateReader) -> StateReader:
        EVENTED[service] = reader
        if last_change is not None:
            LAST_CHANGE[service] = last_change
        return reader

    return register


def element(tag: str, value: object, **attributes: str) -> str:
    """One ``<Tag [channel=..] val=".."/>`` of a LastChange document."""
    rendered = "".join(f" {name}={quoteattr(v)}" for name, v in attributes.items())
    return f"<{tag}{rendered} val={quoteattr(_text(value))}/>"


def action(service: str, name: str | None = None) -> Callable[[Handler], Handler]:
    """Register a handler for ``service#name`` (defaults to the function name)."""

    def register(handler: Handler) -> Handler:
        HANDLERS[service, name or handler.__name__] = handler
        return handler

    return register


def _text(value: object) -> str:
    """Render an output value the way UPnP writes it."""
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def dispatch(speaker: Speaker, request: SoapRequest) -> list[tuple[str, str]]:
    """Validate against the SCPD table, run the handler, order the outputs."""
    service = SERVICES.get(request.service)
    spec = service.actions.get(request.action) if service else None
    handler = HANDLERS.get((request.service, request.action))
    if spec is None or handler is None:
        raise UPnPError(401, f"no action {request.action}")
    missing = [arg.name for arg in spec.inputs if arg.name not in request.args]
    if missing:
        raise UPnPError(402, f"missing {', '.join(missing)}")
    household = speaker.household
    with household.lock:
        now = time.monotonic()
        household.settle_all(now)
        outputs = handler(Call(speaker, request.args, now))
    return [(arg.name, _text(outputs[arg.name])) for arg in spec.outputs]


def _register_all() -> None:
    """Import the handler modules so their decorators run."""
    from . import (  # noqa: F401, PLC0415
        alarm,
        avtransport,
        content,
        properties,
        rendering,
        topology,
    )


_register_all()
