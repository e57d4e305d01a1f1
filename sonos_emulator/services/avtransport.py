"""AVTransport: sources, transport control, the queue and grouping."""

import time
from typing import TYPE_CHECKING

from ..scpd import PLAY_MODES
from ..soap import UPnPError
from ..sources import (
    APP_ONLY_KINDS,
    DEFAULT_TRACK_SECONDS,
    Kind,
    Track,
    enqueued_item,
    hms,
    kind_of,
    parse_didl,
    parse_hms,
    split_didl_documents,
    title_from_uri,
)
from ..transport import PLAYING
from . import Call, LastChange, action, element, evented

if TYPE_CHECKING:
    from ..speaker import Speaker

SERVICE = "AVTransport"
_MAX_COUNT = "2147483647"


def _track_from(call: Call, uri: str, metadata: str) -> Track:
    """A queue entry from a URI and its DIDL (library knowledge fills gaps)."""
    if not uri:
        raise UPnPError(402, "empty URI")
    info = parse_didl(metadata)
    known = call.household.catalog.get(uri)
    track = Track(
        uri=uri,
        title=info.title or (known.title if known else "") or title_from_uri(uri),
        duration=info.duration
        or (known.duration if known else None)
        or DEFAULT_TRACK_SECONDS,
        creator=info.creator or (known.creator if known else ""),
        album=info.album or (known.album if known else ""),
    )
    track.didl = enqueued_item(metadata, track)
    return track


@action(SERVICE)
def SetAVTransportURI(call: Call) -> dict[str, object]:  # noqa: N802
    """Load a source; ``x-rincon:{uid}`` joins that speaker's group instead."""
    speaker, household = call.speaker, call.household
    uri, metadata = call.arg("CurrentURI").strip(), call.arg("CurrentURIMetaData")
    kind = kind_of(uri)
    if kind == Kind.MEMBER:
        try:
            target = household.by_uid(uri.removeprefix("x-rincon:"))
        except KeyError as err:
            raise UPnPError(402, "no such speaker") from err
        if target is speaker:
            raise UPnPError(402, "a speaker cannot join itself")
        with household.regrouping(settle=True, rng=speaker.rng):
            household.join_group(speaker, target)
        return {}
    call.require_coordinator()
    if kind in APP_ONLY_KINDS:
        raise UPnPError(714, "source can only be started from its app")
    if kind == Kind.QUEUE and uri != f"x-rincon-queue:{speaker.uid}#0":
        raise UPnPError(402, "another speaker's queue")
    speaker.transport.load(uri, metadata, call.now)
    return {}


@action(SERVICE)
def Play(call: Call) -> dict[str, object]:  # noqa: N802
    """Start or resume (an http URI is fetched first)."""
    call.require_coordinator()
    call.speaker.transport.play(call.now)
    return {}


@action(SERVICE)
def Pause(call: Call) -> dict[str, object]:  # noqa: N802
    """Pause; live inputs (TV, line-in) answer 701."""
    call.require_coordinator()
    call.speaker.transport.pause(call.now)
    return {}


@action(SERVICE)
def Stop(call: Call) -> dict[str, object]:  # noqa: N802
    """Stop at the start of the current track."""
    call.require_coordinator()
    call.speaker.transport.stop(call.now)
    return {}


@action(SERVICE)
def Seek(call: Call) -> dict[str, object]:  # noqa: N802
    """TRACK_NR (1-based) or REL_TIME (H:MM:SS); other units answer 710."""
    call.require_coordinator()
    unit, transport = call.arg("Unit"), call.speaker.transport
    if unit == "TRACK_NR":
        transport.seek_track(call.int_arg("Target"), call.now)
    elif unit == "REL_TIME":
        try:
            seconds = parse_hms(call.arg("Target"))
        except ValueError as err:
            raise UPnPError(402, "bad time") from err
        transport.seek_time(seconds, call.now)
    else:
        raise UPnPError(710, "seek mode not supported")
    return {}


@action(SERVICE)
def Next(call: Call) -> dict[str, object]:  # noqa: N802
    """Next queue track."""
    call.require_coordinator()
    call.speaker.transport.step(True, call.now)
    return {}


@action(SERVICE)
def Previous(call: Call) -> dict[str, object]:  # noqa: N802
    """Previous queue track."""
    call.require_coordinator()
    call.speaker.transport.step(False, call.now)
    return {}


@action(SERVICE)
def GetTransportInfo(call: Call) -> dict[str, object]:  # noqa: N802
    """Members mirror their coordinator's state."""
    transport = call.speaker.effective_transport()
    return {
        "CurrentTransportState": transport.reported_state(call.now),
        "CurrentTransportStatus": transport.status,
        "CurrentSpeed": "1",
    }


@action(SERVICE)
def GetPositionInfo(call: Call) -> dict[str, object]:  # noqa: N802
    """Track, duration, metadata, URI and position of what the group plays."""
    transport = call.speaker.effective_transport()
    item = transport.current_track()
    return {
        "Track": transport.track_number(),
        "TrackDuration": hms(transport.track_duration()),
        "TrackMetaData": transport.track_metadata(),
        "TrackURI": item.uri if item else "",
        "RelTime": hms(transport.position(call.now)),
        "AbsTime": "NOT_IMPLEMENTED",
        "RelCount": _MAX_COUNT,
        "AbsCount": _MAX_COUNT,
    }


@action(SERVICE)
def GetMediaInfo(call: Call) -> dict[str, object]:  # noqa: N802
    """A member's CurrentURI is ``x-rincon:{coordinator}``."""
    own, transport = call.speaker.transport, call.speaker.effective_transport()
    return {
        "NrTracks": transport.number_of_tracks(),
        "MediaDuration": "NOT_IMPLEMENTED",
        "CurrentURI": own.uri,
        "CurrentURIMetaData": own.metadata,
        "NextURI": "",
        "NextURIMetaData": "",
        "PlayMedium": "LINE-IN" if transport.kind == Kind.LINE_IN else "NETWORK",
        "RecordMedium": "NOT_IMPLEMENTED",
        "WriteStatus": "NOT_IMPLEMENTED",
    }


@action(SERVICE)
def GetTransportSettings(call: Call) -> dict[str, object]:  # noqa: N802
    """The group's play mode."""
    transport = call.speaker.effective_transport()
    return {"PlayMode": transport.play_mode, "RecQualityMode": "NOT_IMPLEMENTED"}


@action(SERVICE)
def SetPlayMode(call: Call) -> dict[str, object]:  # noqa: N802
    """712 (play mode not supported) for unknown modes and sources other than the queue."""
    call.require_coordinator()
    mode = call.arg("NewPlayMode").upper()
    transport = call.speaker.transport
    if mode not in PLAY_MODES or transport.kind != Kind.QUEUE:
        raise UPnPError(712, "play mode not supported")
    if transport.play_mode != mode:
        transport.play_mode = mode
        call.speaker.record("play_mode", call.now, play_mode=mode)
    return {}


@action(SERVICE)
def GetCrossfadeMode(call: Call) -> dict[str, object]:  # noqa: N802
    """The group's crossfade flag."""
    return {"CrossfadeMode": call.speaker.effective_transport().crossfade}


@action(SERVICE)
def SetCrossfadeMode(call: Call) -> dict[str, object]:  # noqa: N802
    """Coordinator only."""
    call.require_coordinator()
    value = call.bool_arg("CrossfadeMode")
    if call.speaker.transport.crossfade != value:
        call.speaker.transport.crossfade = value
        call.speaker.record("crossfade", call.now, crossfade=value)
    return {}


@action(SERVICE)
def GetCurrentTransportActions(call: Call) -> dict[str, object]:  # noqa: N802
    """What the controller may do now (live inputs cannot pause or seek)."""
    transport = call.speaker.effective_transport()
    actions = ["Set", "Stop", "Play"]
    if transport.kind not in {Kind.TV, Kind.LINE_IN, Kind.RADIO}:
        actions.append("Pause")
    if transport.track_duration() is not None:
        actions.append("X_DLNA_SeekTime")
    if transport.kind == Kind.QUEUE:
        actions += ["Next", "Previous", "X_DLNA_SeekTrackNr"]
    return {"Actions": ", ".join(actions)}


@action(SERVICE)
def AddURIToQueue(call: Call) -> dict[str, object]:  # noqa: N802
    """Insert one track (0 appends); EnqueueAsNext puts it after the current one."""
    call.require_coordinator()
    transport = call.speaker.transport
    track = _track_from(call, call.arg("EnqueuedURI"), call.arg("EnqueuedURIMetaData"))
    position = call.int_arg("DesiredFirstTrackNumberEnqueued", 0)
    if (
        call.bool_arg("EnqueueAsNext")
        and transport.kind == Kind.QUEUE
        and transport.track
    ):
        position = transport.track + 1
    first = transport.add_tracks([track], position, call.now)
    return {
        "FirstTrackNumberEnqueued": first,
        "NumTracksAdded": 1,
        "NewQueueLength": len(transport.queue),
    }


@action(SERVICE)
def AddMultipleURIsToQueue(call: Call) -> dict[str, object]:  # noqa: N802
    """Up to 16 space-separated URIs with their space-separated DIDL documents."""
    call.require_coordinator()
    transport = call.speaker.transport
    uris = call.arg("EnqueuedURIs").split()
    count = call.int_arg("NumberOfURIs", 0)
    if count != len(uris):
        raise UPnPError(402, "NumberOfURIs does not match EnqueuedURIs")
    documents = split_didl_documents(call.arg("EnqueuedURIsMetaData"))
    if len(documents) != len(uris):
        documents = [""] * len(uris)
    tracks = [_track_from(call, u, m) for u, m in zip(uris, documents, strict=True)]
    position = call.int_arg("DesiredFirstTrackNumberEnqueued", 0)
    first = transport.add_tracks(tracks, position, call.now)
    return {
        "FirstTrackNumberEnqueued": first,
        "NumTracksAdded": len(tracks),
        "NewQueueLength": len(transport.queue),
        "NewUpdateID": transport.queue_update_id,
    }


@action(SERVICE)
def RemoveTrackFromQueue(call: Call) -> dict[str, object]:  # noqa: N802
    """ObjectID ``Q:0/{n}``."""
    call.require_coordinator()
    object_id = call.arg("ObjectID")
    prefix, _, number = object_id.partition("/")
    if prefix != "Q:0" or not number.isdigit():
        raise UPnPError(402, "no such object")
    call.speaker.transport.remove_tracks(int(number), 1, call.now)
    return {}


@action(SERVICE)
def RemoveTrackRangeFromQueue(call: Call) -> dict[str, object]:  # noqa: N802
    """StartingIndex is 1-based."""
    call.require_coordinator()
    transport = call.speaker.transport
    transport.remove_tracks(
        call.int_arg("StartingIndex"), call.int_arg("NumberOfTracks"), call.now
    )
    return {"NewUpdateID": transport.queue_update_id}


@action(SERVICE)
def RemoveAllTracksFromQueue(call: Call) -> dict[str, object]:  # noqa: N802
    """Clear the queue (a playing queue stops); an empty one clears quietly.

    Controllers clear unconditionally before queueing (SoCo's
    ``clear_queue`` then ``add_to_queue``, node-sonos-http-api's queue
    actions), and no report has a speaker refuse that.
    """
    call.require_coordinator()
    call.speaker.transport.clear_queue(call.now)
    return {}


@action(SERVICE)
def BecomeCoordinatorOfStandaloneGroup(call: Call) -> dict[str, object]:  # noqa: N802
    """Leave the group; a coordinator hands the group to another member."""
    speaker, household = call.speaker, call.household
    delegated = ""
    if len(speaker.group_members()) > 1:
        with household.regrouping(settle=True, rng=speaker.rng):
            delegated = household.leave_group(speaker)
    return {
        "DelegatedGroupCoordinatorID": delegated,
        "NewGroupID": household.group_id(speaker.uid),
    }


@action(SERVICE)
def EndDirectControlSession(call: Call) -> dict[str, object]:  # noqa: N802
    """Ends an app-controlled (x-sonos-vli) session, which stops playback."""
    call.require_coordinator()
    transport = call.speaker.transport
    if transport.kind == Kind.VLI and transport.state == PLAYING:
        transport.stop(call.now)
    return {}


@action(SERVICE)
def GetRemainingSleepTimerDuration(call: Call) -> dict[str, object]:  # noqa: N802
    """No sleep timer is ever running."""
    return {"RemainingSleepTimerDuration": "", "CurrentSleepTimerGeneration": 0}


@evented(SERVICE, LastChange("urn:schemas-upnp-org:metadata-1-0/AVT/", full=True))
def _events(speaker: Speaker) -> dict[str, str]:
    """The AVTransport LastChange: the same facts the Get actions report."""
    call = Call(speaker, {}, time.monotonic())
    info = GetTransportInfo(call)
    position = GetPositionInfo(call)
    media = GetMediaInfo(call)
    settings = GetTransportSettings(call)
    transport = speaker.effective_transport()
    member = not speaker.is_coordinator
    track_uri = media["CurrentURI"] if member else position["TrackURI"]
    values: list[tuple[str, object]] = [
        ("TransportState", info["CurrentTransportState"]),
        ("CurrentPlayMode", settings["PlayMode"]),
        ("CurrentCrossfadeMode", transport.crossfade),
        ("NumberOfTracks", media["NrTracks"]),
        ("CurrentTrack", position["Track"]),
        ("CurrentSection", 0),
        ("CurrentTrackURI", track_uri),
        ("CurrentTrackDuration", "" if member else position["TrackDuration"]),
        ("CurrentTrackMetaData", "" if member else position["TrackMetaData"]),
        ("r:NextTrackURI", ""),
        ("r:NextTrackMetaData", ""),
        ("r:EnqueuedTransportURI", ""),
        ("r:EnqueuedTransportURIMetaData", ""),
        ("PlaybackStorageMedium", media["PlayMedium"]),
        ("AVTransportURI", media["CurrentURI"]),
        ("AVTransportURIMetaData", media["CurrentURIMetaData"]),
        ("NextAVTransportURI", ""),
        ("NextAVTransportURIMetaData", ""),
        ("CurrentTransportActions", GetCurrentTransportActions(call)["Actions"]),
        ("r:CurrentValidPlayModes", "SHUFFLE,REPEAT,REPEATONE,CROSSFADE"),
        ("r:DirectControlClientID", ""),
        ("r:DirectControlIsSuspended", False),
        ("r:DirectControlAccountID", ""),
        ("TransportStatus", info["CurrentTransportStatus"]),
        ("r:SleepTimerGeneration", 0),
        ("r:AlarmRunning", False),
        ("r:SnoozeRunning", False),
        ("r:RestartPending", False),
        ("TransportPlaySpeed", "NOT_IMPLEMENTED"),
        ("CurrentMediaDuration", "NOT_IMPLEMENTED"),
    ]
    return {name: element(name, value) for name, value in values}
