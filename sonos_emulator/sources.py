"""Source kinds, time strings and DIDL-Lite, the vocabulary every service shares."""

from dataclasses import dataclass
from enum import StrEnum
import re
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

DEFAULT_TRACK_SECONDS = 180.0
"""Duration of a track whose length nobody told us (real speakers read the file)."""

NS_DIDL = "urn:schemas-upnp-org:metadata-1-0/DIDL-Lite/"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_UPNP = "urn:schemas-upnp-org:metadata-1-0/upnp/"
NS_R = "urn:schemas-rinconnetworks-com:metadata-1-0/"
DIDL_OPEN = (
    f'<DIDL-Lite xmlns:dc="{NS_DC}" xmlns:upnp="{NS_UPNP}" '
    f'xmlns:r="{NS_R}" xmlns="{NS_DIDL}">'
)
DIDL_CLOSE = "</DIDL-Lite>"
MUSIC_TRACK_CLASS = "object.item.audioItem.musicTrack"

_RADIO_PREFIXES = (
    "x-rincon-mp3radio:",
    "x-sonosapi-stream:",
    "x-sonosapi-radio:",
    "x-sonosapi-hls:",
    "aac:",
    "hls-radio:",
)
_TIME_RE = re.compile(r"^(\d+):([0-5]?\d):([0-5]?\d)(?:\.\d+)?$")


class Kind(StrEnum):
    """What a transport URI is, which decides how it plays and what it allows."""

    NONE = "none"
    QUEUE = "queue"
    CLOUD_QUEUE = "cloud_queue"
    VLI = "vli"
    RADIO = "radio"
    TV = "tv"
    LINE_IN = "line_in"
    HTTP = "http"
    MEMBER = "member"
    FILE = "file"


ENDLESS_KINDS = frozenset({Kind.RADIO, Kind.TV, Kind.LINE_IN})
"""Sources that never reach an end of file."""
LIVE_INPUT_KINDS = frozenset({Kind.TV, Kind.LINE_IN})
"""Sources that cannot pause and whose position stays at zero."""
APP_ONLY_KINDS = frozenset({Kind.CLOUD_QUEUE, Kind.VLI})
"""Sources only an app can start; UPnP cannot set them back."""


def kind_of(uri: str) -> Kind:
    """Classify a transport URI the way SoCo and the Sonos apps do."""
    if not uri:
        return Kind.NONE
    if uri.startswith("x-rincon-queue:"):
        return Kind.QUEUE if uri.endswith("#0") else Kind.CLOUD_QUEUE
    if uri.startswith("x-rincon:"):
        return Kind.MEMBER
    if uri.startswith("x-sonos-vli:"):
        return Kind.VLI
    if uri.startswith(_RADIO_PREFIXES):
        return Kind.RADIO
    if uri.startswith("x-sonos-htastream:"):
        return Kind.TV
    if uri.startswith("x-rincon-stream:"):
        return Kind.LINE_IN
    if uri.startswith(("http:", "https:")):
        return Kind.HTTP
    return Kind.FILE


def hms(seconds: float | None) -> str:
    """Format seconds as H:MM:SS, the only form SoCo's seek regex accepts back."""
    total = max(0, int(seconds or 0))
    return f"{total // 3600}:{total // 60 % 60:02d}:{total % 60:02d}"


def parse_hms(text: str) -> float:
    """Parse H:MM:SS (optionally with fractions); ValueError when malformed."""
    match = _TIME_RE.match(text.strip())
    if match is None:
        raise ValueError(f"not a H:MM:SS time: {text!r}")
    hours, minutes, seconds = (int(part) for part in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


@dataclass(slots=True)
class Track:
    """A queue entry: URI, title and how long it plays."""

    uri: str
    title: str = ""
    duration: float = DEFAULT_TRACK_SECONDS
    creator: str = ""
    album: str = ""
    didl: str = ""
    """The children of the DIDL ``<item>`` a controller enqueued it with, kept
    (album art, class, res protocolInfo ...) as real speakers keep them; empty
    for tracks set up from Python, which are described from the fields above."""


@dataclass(slots=True)
class DidlInfo:
    """What the speaker keeps from DIDL metadata a controller sends."""

    title: str | None = None
    creator: str | None = None
    album: str | None = None
    duration: float | None = None


def parse_didl(metadata: str) -> DidlInfo:
    """Read title/creator/album/duration from the first DIDL item, if any."""
    info = DidlInfo()
    if not metadata or not metadata.lstrip().startswith("<"):
        return info
    try:
        root = ET.fromstring(metadata)  # noqa: S314 - local test peer
    except ET.ParseError:
        return info
    item = next(iter(root), None)
    if item is None:
        return info
    info.title = item.findtext(f"{{{NS_DC}}}title")
    info.creator = item.findtext(f"{{{NS_DC}}}creator")
    info.album = item.findtext(f"{{{NS_UPNP}}}album")
    res = item.find(f"{{{NS_DIDL}}}res")
    if res is not None and res.get("duration"):
        try:
            info.duration = parse_hms(res.get("duration", ""))
        except ValueError:
            info.duration = None
    return info


def split_didl_documents(metadata: str) -> list[str]:
    """Split the space-joined DIDL documents AddMultipleURIsToQueue carries."""
    return re.findall(r"<DIDL-Lite\b.*?</DIDL-Lite>", metadata, flags=re.DOTALL)


def protocol_info(uri: str) -> str:
    """Pick a protocolInfo like the ones real queues report."""
    scheme = uri.split(":", 1)[0]
    if scheme in {"http", "https"}:
        return "http-get:*:audio/mpeg:*"
    return f"{scheme}:*:audio/mpeg:*"


def title_from_uri(uri: str) -> str:
    """Derive a display title from a URI's last path segment."""
    path = urlparse(uri).path or uri
    name = unquote(path.rstrip("/").rsplit("/", 1)[-1])
    return name.rsplit(".", 1)[0] if "." in name else name


def enqueued_item(metadata: str, track: Track) -> str:
    """The children of the first DIDL ``<item>`` in ``metadata``, to keep in the queue.

    Written back with the standard prefixes so they fit any DIDL-Lite root.
    What a speaker adds to every entry is added when missing: the class and a
    ``res`` (with the duration the speaker found). Empty when there is nothing
    worth keeping: no metadata, a container, unparseable XML, or an item
    without a title (SoCo's ``add_uri_to_queue`` sends one), which the speaker
    describes from the track itself.
    """
    if not metadata or not metadata.lstrip().startswith("<"):
        return ""
    try:
        root = ET.fromstring(metadata)  # noqa: S314 - local test peer
    except ET.ParseError:
        return ""
    item = root.find(f"{{{NS_DIDL}}}item")
    if item is None or not (item.findtext(f"{{{NS_DC}}}title") or "").strip():
        return ""
    res = item.find(f"{{{NS_DIDL}}}res")
    if res is None:
        res = ET.Element(f"{{{NS_DIDL}}}res", protocolInfo=protocol_info(track.uri))
        res.text = track.uri
        item.insert(0, res)
    res.attrib.setdefault("duration", hms(track.duration))
    if item.find(f"{{{NS_UPNP}}}class") is None:
        ET.SubElement(item, f"{{{NS_UPNP}}}class").text = MUSIC_TRACK_CLASS
    return "".join(_element_xml(child) for child in item)


_PREFIXES = {NS_DIDL: "", NS_DC: "dc", NS_UPNP: "upnp", NS_R: "r"}


def _element_xml(element: ET.Element) -> str:
    """Serialise with the DIDL-Lite root's prefixes (others declared in place)."""
    declared: dict[str, str] = {}

    def name(tag: str) -> str:
        if not tag.startswith("{"):
            return tag
        namespace, local = tag[1:].split("}", 1)
        prefix = _PREFIXES.get(namespace)
        if prefix is None:
            prefix = declared.setdefault(namespace, f"ns{len(declared)}")
        return f"{prefix}:{local}" if prefix else local

    tag = name(element.tag)
    attributes = "".join(
        f" {name(key)}={quoteattr(value)}" for key, value in element.attrib.items()
    )
    inner = escape(element.text or "") + "".join(
        _element_xml(child) for child in element
    )
    declarations = "".join(
        f" xmlns:{prefix}={quoteattr(namespace)}"
        for namespace, prefix in declared.items()
    )
    return f"<{tag}{declarations}{attributes}>{inner}</{tag}>"


def track_item(
    track: Track, item_id: str, parent_id: str, *, with_duration: bool = True
) -> str:
    """Render one DIDL <item> for a music track, with the given ids."""
    if track.didl:
        return (
            f"<item id={quoteattr(item_id)} parentID={quoteattr(parent_id)} "
            f'restricted="true">{track.didl}</item>'
        )
    duration = f" duration={quoteattr(hms(track.duration))}" if with_duration else ""
    parts = [
        f"<item id={quoteattr(item_id)} parentID={quoteattr(parent_id)} "
        'restricted="true">',
        f"<res protocolInfo={quoteattr(protocol_info(track.uri))}{duration}>"
        f"{escape(track.uri)}</res>",
        f"<dc:title>{escape(track.title)}</dc:title>",
        f"<upnp:class>{MUSIC_TRACK_CLASS}</upnp:class>",
    ]
    if track.creator:
        parts.append(f"<dc:creator>{escape(track.creator)}</dc:creator>")
    if track.album:
        parts.append(f"<upnp:album>{escape(track.album)}</upnp:album>")
    parts.append("</item>")
    return "".join(parts)


def didl(*items: str) -> str:
    """Wrap rendered items into one DIDL-Lite document."""
    return DIDL_OPEN + "".join(items) + DIDL_CLOSE


def stream_item(uri: str, title: str) -> str:
    """Render the track DIDL a radio stream reports (SoCo parses streamContent)."""
    return didl(
        '<item id="-1" parentID="-1" restricted="true">'
        f"<res protocolInfo={quoteattr(protocol_info(uri))}>{escape(uri)}</res>"
        "<r:streamContent></r:streamContent>"
        f"<dc:title>{escape(title)}</dc:title>"
        "<upnp:class>object.item</upnp:class></item>"
    )


def queue_container(count: int) -> str:
    """Render the Q:0 container BrowseMetadata answers with (SoCo reads childCount)."""
    return didl(
        f'<container id="Q:0" parentID="Q:" restricted="true" childCount="{count}">'
        "<dc:title>Queue Instance 0</dc:title>"
        "<upnp:class>object.container.playlistContainer</upnp:class></container>"
    )
