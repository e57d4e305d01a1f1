"""Finding the household and reading its current groups."""

from collections.abc import Sequence
import logging
import socket
from urllib.parse import urlparse

from requests import RequestException
import soco
from soco import SoCo
from soco.exceptions import SoCoException
from soco.xml import XML

from .errors import ChimeError, HouseholdUnreachableError
from .models import HouseholdInfo, Zone

_LOGGER = logging.getLogger(__name__)

# What a host that does not answer raises from inside SoCo.
SPEAKER_ERRORS = (SoCoException, RequestException, OSError)


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
                )
            )
    zones.sort(key=lambda zone: (zone.name.casefold(), zone.uid))
    return HouseholdInfo(household_id=speaker.household_id, zones=tuple(zones))


def first_answer(hosts: Sequence[str]) -> HouseholdInfo:
    """The household as seen by the first host that answers."""
    errors: list[str] = []
    for host in hosts:
        try:
            return read_household(host)
        except SPEAKER_ERRORS as err:
            _LOGGER.debug("Host %s did not answer: %s", host, err)
            errors.append(f"{host}: {type(err).__name__}")
    raise HouseholdUnreachableError(
        "No Sonos speaker answered (" + "; ".join(errors or ["no hosts"]) + ")"
    )


def probe_household(hosts: Sequence[str]) -> HouseholdInfo:
    """Check hosts typed by a user: all that answer must share one household."""
    addresses = [resolve_host(host) for host in hosts]
    if not addresses:
        raise HouseholdUnreachableError("No hosts given")
    seen: dict[str, HouseholdInfo] = {}
    errors: list[str] = []
    for address in addresses:
        try:
            info = read_household(address)
        except SPEAKER_ERRORS as err:
            errors.append(f"{address}: {type(err).__name__}")
            continue
        seen[info.household_id] = info
    if not seen:
        raise HouseholdUnreachableError(
            "No Sonos speaker answered (" + "; ".join(errors) + ")"
        )
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
