"""Finding the household and reading its current groups."""

from collections.abc import Sequence
import logging
import socket
from urllib.parse import urlparse
from xml.etree.ElementTree import ParseError

import requests
from requests import HTTPError, RequestException
import soco
from soco import SoCo
from soco.exceptions import SoCoException
from soco.xml import XML

from .errors import ChimeError, HouseholdUnreachableError, UpnpDisabledError
from .models import HouseholdInfo, Zone

_LOGGER = logging.getLogger(__name__)

# What a host that does not answer (or answers no XML) raises from inside SoCo.
SPEAKER_ERRORS = (SoCoException, RequestException, OSError, ParseError)
# What a speaker with UPnP switched off answers every UPnP request
# (home-assistant/core#151258, simojenki/bonob#224).
UPNP_OFF_STATUS = 403
PROBE_TIMEOUT = 3.0


def upnp_refused(err: BaseException, host: str) -> bool:
    """Whether a failed speaker refuses UPnP: switched off in the Sonos app.

    SoCo shows the 403 as an HTTPError, or, where it first reads a service
    description, as the XML it cannot parse: the description then says.
    """
    response = err.response if isinstance(err, HTTPError) else None
    if response is not None:
        return response.status_code == UPNP_OFF_STATUS
    if not isinstance(err, ParseError):
        return False
    try:
        answer = requests.get(
            f"http://{host}:1400/xml/device_description.xml", timeout=PROBE_TIMEOUT
        )
    except RequestException:
        return False
    return answer.status_code == UPNP_OFF_STATUS


def _unreachable(errors: list[str], refusals: int) -> HouseholdUnreachableError:
    """The error for hosts that all failed; UPnP off when every one refused it."""
    message = "No Sonos speaker answered (" + "; ".join(errors or ["no hosts"]) + ")"
    if errors and refusals == len(errors):
        return UpnpDisabledError(
            "The speakers refuse UPnP: it is switched off in the Sonos app"
        )
    return HouseholdUnreachableError(message)


def discover_hosts(timeout: float = 5.0) -> list[str]:
    """Find the speakers on the LAN by SSDP; empty when nothing answers."""
    found = soco.discover(timeout=int(max(timeout, 1))) or set()
    return sorted({speaker.ip_address for speaker in found})


def resolve_host(host: str) -> str:
    """Turn a host name into the address SoCo and the topology speak of."""
    try:
        return socket.gethostbyname(host.strip())
    except (OSError, UnicodeError) as err:
        raise HouseholdUnreachableError(f"Cannot resolve {host!r}: {err}") from err


def read_household(host: str) -> HouseholdInfo:
    """Fresh topology as one speaker reports it, from a single request.

    Asking only this speaker keeps an offline zone from failing the read (SoCo's
    per-zone properties would each contact their zone).
    """
    speaker = SoCo(host)
    state = speaker.zoneGroupTopology.GetZoneGroupState()["ZoneGroupState"]
    zones: list[Zone] = []
    for group in XML.fromstring(state.encode()).iter("ZoneGroup"):
        coordinator = group.attrib["Coordinator"]
        for member in group.iter("ZoneGroupMember"):
            if member.attrib.get("Invisible") == "1":
                continue  # bonded satellites and subs are not zones of their own
            zones.append(
                Zone(
                    name=member.attrib["ZoneName"],
                    uid=member.attrib["UUID"],
                    host=urlparse(member.attrib["Location"]).hostname or host,
                    coordinator_uid=coordinator,
                    bonded=bool(
                        member.attrib.get("ChannelMapSet")
                        or member.attrib.get("HTSatChanMapSet")
                    ),
                )
            )
    zones.sort(key=lambda zone: (zone.name.casefold(), zone.uid))
    return HouseholdInfo(household_id=speaker.household_id, zones=tuple(zones))


def first_answer(hosts: Sequence[str]) -> HouseholdInfo:
    """The household as seen by the first host that answers."""
    errors: list[str] = []
    refusals = 0
    for host in hosts:
        try:
            return read_household(host)
        except SPEAKER_ERRORS as err:
            _LOGGER.debug("Host %s did not answer: %s", host, err)
            errors.append(f"{host}: {type(err).__name__}")
            refusals += upnp_refused(err, host)
    raise _unreachable(errors, refusals)


def probe_household(hosts: Sequence[str]) -> HouseholdInfo:
    """Check hosts typed by a user: all that answer must share one household."""
    addresses = [resolve_host(host) for host in hosts]
    if not addresses:
        raise HouseholdUnreachableError("No hosts given")
    seen: dict[str, HouseholdInfo] = {}
    errors: list[str] = []
    refusals = 0
    for address in addresses:
        try:
            info = read_household(address)
        except SPEAKER_ERRORS as err:
            errors.append(f"{address}: {type(err).__name__}")
            refusals += upnp_refused(err, address)
            continue
        seen[info.household_id] = info
    if not seen:
        raise _unreachable(errors, refusals)
    if len(seen) > 1:
        raise ChimeError("The hosts belong to different Sonos households")
    return next(iter(seen.values()))


def model_name(device: SoCo) -> str | None:
    """The model the speaker's device description names ("Sonos One").

    SoCo keeps it once read, so later chimes ask nothing; None if unread.
    """
    try:
        info = device.get_speaker_info()
    except SPEAKER_ERRORS as err:
        _LOGGER.debug("No model from %s: %s", device.ip_address, err)
        return None
    model = info.get("model_name")
    return model if isinstance(model, str) else None
