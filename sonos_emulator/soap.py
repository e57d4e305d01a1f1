"""SOAP envelopes in and out: parse what SoCo posts, answer the way a speaker does."""

from dataclasses import dataclass
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape

NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS_CONTROL = "urn:schemas-upnp-org:control-1-0"
_ENVELOPE_OPEN = (
    '<?xml version="1.0" encoding="utf-8"?>'
    f'<s:Envelope xmlns:s="{NS_SOAP}" '
    's:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>'
)
_ENVELOPE_CLOSE = "</s:Body></s:Envelope>"


class UPnPError(Exception):
    """A UPnP fault: HTTP 500 with this errorCode, which SoCo raises again."""

    def __init__(self, code: int, description: str = "") -> None:
        """Keep the code; the description only helps people reading logs."""
        super().__init__(f"UPnP error {code}: {description}".rstrip(": "))
        self.code = code
        self.description = description


@dataclass(frozen=True, slots=True)
class SoapRequest:
    """One parsed control request."""

    service: str
    action: str
    args: dict[str, str]


def parse_soap_action(header: str | None) -> tuple[str | None, str | None]:
    """Split a SOAPACTION header into (service, action); quotes are optional."""
    if not header:
        return None, None
    value = header.strip().strip('"')
    urn, _, action = value.partition("#")
    parts = urn.split(":")
    service = parts[-2] if len(parts) >= 2 else None
    return service, action or None


def parse_request(body: bytes, header: str | None, service: str) -> SoapRequest:
    """Parse the envelope with a real XML parser; faults 401/402 as a speaker would."""
    try:
        root = ET.fromstring(body)  # noqa: S314 - requests come from the test process
    except ET.ParseError as err:
        raise UPnPError(402, "malformed envelope") from err
    body_element = root.find(f"{{{NS_SOAP}}}Body")
    if body_element is None or len(body_element) == 0:
        raise UPnPError(402, "envelope without body")
    call = body_element[0]
    action = call.tag.rsplit("}", 1)[-1]
    header_service, header_action = parse_soap_action(header)
    if header_action is not None and header_action != action:
        raise UPnPError(401, "SOAPACTION does not match the body")
    if header_service is not None and header_service != service:
        raise UPnPError(401, "SOAPACTION names another service")
    args = {child.tag.rsplit("}", 1)[-1]: child.text or "" for child in call}
    return SoapRequest(service=service, action=action, args=args)


def response(service: str, action: str, outputs: list[tuple[str, str]]) -> bytes:
    """Build a success envelope; outputs are un-namespaced, escaped once."""
    body = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in outputs)
    xml = (
        f"{_ENVELOPE_OPEN}<u:{action}Response "
        f'xmlns:u="urn:schemas-upnp-org:service:{service}:1">'
        f"{body}</u:{action}Response>{_ENVELOPE_CLOSE}"
    )
    return xml.encode("utf-8")


def fault(code: int, description: str = "") -> bytes:
    """Build the fault envelope SoCo turns into SoCoUPnPException(code)."""
    detail = (
        f'<UPnPError xmlns="{NS_CONTROL}"><errorCode>{code}</errorCode>'
        + (
            f"<errorDescription>{escape(description)}</errorDescription>"
            if description
            else ""
        )
        + "</UPnPError>"
    )
    xml = (
        f"{_ENVELOPE_OPEN}<s:Fault><faultcode>s:Client</faultcode>"
        f"<faultstring>UPnPError</faultstring><detail>{detail}</detail>"
        f"</s:Fault>{_ENVELOPE_CLOSE}"
    )
    return xml.encode("utf-8")
