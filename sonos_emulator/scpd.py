"""One table of services, actions and state variables, and the XML made from it.

SoCo fetches ``/xml/{Service}1.xml`` before any call made without an explicit
argument list, and resolves every argument's ``relatedStateVariable``; the
device description tells it the room name, model and serial. Generating all of
it from one table keeps the SCPDs, the dispatcher's argument checks and the
response argument order in step.
"""

from dataclasses import dataclass
from functools import cache
import re
from xml.sax.saxutils import escape

NS_SERVICE = "urn:schemas-upnp-org:service-1-0"
NS_DEVICE = "urn:schemas-upnp-org:device-1-0"

SOFTWARE_VERSION = "83.1-61210"
DISPLAY_VERSION = "16.4"
MODEL_NAME = "Sonos One"
# What speakers name themselves in their device description (modelName), for
# the models households mix; their quirks are where they matter (audio_clip).
MODELS = (
    "Sonos Play:1",
    "Sonos Play:3",
    MODEL_NAME,
    "Sonos Era 100",
    "Sonos Five",
    "Sonos Beam",
    "Sonos Arc",
    "Sonos Sub",
    "Sonos Port",
    "Sonos Amp",
)
# Every emulated model reports the One's number: readers (SoCo, Home
# Assistant, this integration) go by the name.
MODEL_NUMBER = "S18"
HARDWARE_VERSION = "1.8.1.2-2.0"

PLAY_MODES = (
    "NORMAL",
    "REPEAT_ALL",
    "REPEAT_ONE",
    "SHUFFLE_NOREPEAT",
    "SHUFFLE",
    "SHUFFLE_REPEAT_ONE",
)

# Non-string state variables: name -> (UPnP data type, allowed values).
_VARIABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "A_ARG_TYPE_InstanceID": ("ui4", ()),
    "A_ARG_TYPE_Channel": ("string", ("Master", "LF", "RF")),
    "A_ARG_TYPE_MuteChannel": ("string", ("Master", "LF", "RF", "SpeakerOnly")),
    "A_ARG_TYPE_SeekMode": ("string", ("TRACK_NR", "REL_TIME", "TIME_DELTA")),
    "A_ARG_TYPE_TrackNumber": ("ui4", ()),
    "A_ARG_TYPE_NumTracks": ("ui4", ()),
    "A_ARG_TYPE_EnqueueAsNext": ("boolean", ()),
    "A_ARG_TYPE_QueueUpdateID": ("ui4", ()),
    "A_ARG_TYPE_VolumeAdjustment": ("i4", ()),
    "A_ARG_TYPE_RampTime": ("ui4", ()),
    "A_ARG_TYPE_ResetVolumeAfter": ("boolean", ()),
    "A_ARG_TYPE_Index": ("ui4", ()),
    "A_ARG_TYPE_Count": ("ui4", ()),
    "A_ARG_TYPE_UpdateID": ("ui4", ()),
    "A_ARG_TYPE_BrowseFlag": ("string", ("BrowseMetadata", "BrowseDirectChildren")),
    "A_ARG_TYPE_RampType": (
        "string",
        ("SLEEP_TIMER_RAMP_TYPE", "ALARM_RAMP_TYPE", "AUTOPLAY_RAMP_TYPE"),
    ),
    "CurrentPlayMode": ("string", PLAY_MODES),
    "CurrentCrossfadeMode": ("boolean", ()),
    "CurrentTrack": ("ui4", ()),
    "NumberOfTracks": ("ui4", ()),
    "RelativeCounterPosition": ("i4", ()),
    "AbsoluteCounterPosition": ("i4", ()),
    "SleepTimerGeneration": ("ui4", ()),
    "TransportState": (
        "string",
        ("STOPPED", "PLAYING", "PAUSED_PLAYBACK", "TRANSITIONING"),
    ),
    "TransportPlaySpeed": ("string", ("1",)),
    "Volume": ("ui2", ()),
    "GroupVolume": ("ui2", ()),
    "Mute": ("boolean", ()),
    "GroupMute": ("boolean", ()),
    "Loudness": ("boolean", ()),
    "OutputFixed": ("boolean", ()),
    "SupportsOutputFixed": ("boolean", ()),
    "Bass": ("i2", ()),
    "Treble": ("i2", ()),
    "SystemUpdateID": ("ui4", ()),
    "Invisible": ("boolean", ()),
    "HTAudioIn": ("ui4", ()),
    "Flags": ("ui4", ()),
    "LEDState": ("string", ("On", "Off")),
    "ButtonLockState": ("string", ("On", "Off")),
    "AutoplayIncludeLinkedZones": ("boolean", ()),
}

_SERVICES_SOURCE: dict[str, tuple[str, str]] = {
    "AVTransport": (
        "/MediaRenderer/AVTransport/Control",
        """
        SetAVTransportURI(InstanceID:A_ARG_TYPE_InstanceID, CurrentURI:AVTransportURI, CurrentURIMetaData:AVTransportURIMetaData)
        AddURIToQueue(InstanceID:A_ARG_TYPE_InstanceID, EnqueuedURI:A_ARG_TYPE_URI, EnqueuedURIMetaData:A_ARG_TYPE_URIMetaData, DesiredFirstTrackNumberEnqueued:A_ARG_TYPE_TrackNumber, EnqueueAsNext:A_ARG_TYPE_EnqueueAsNext) -> FirstTrackNumberEnqueued:A_ARG_TYPE_TrackNumber, NumTracksAdded:A_ARG_TYPE_NumTracks, NewQueueLength:A_ARG_TYPE_NumTracks
        AddMultipleURIsToQueue(InstanceID:A_ARG_TYPE_InstanceID, UpdateID:A_ARG_TYPE_QueueUpdateID, NumberOfURIs:A_ARG_TYPE_NumTracks, EnqueuedURIs:A_ARG_TYPE_URI, EnqueuedURIsMetaData:A_ARG_TYPE_URIMetaData, ContainerURI:A_ARG_TYPE_URI, ContainerMetaData:A_ARG_TYPE_URIMetaData, DesiredFirstTrackNumberEnqueued:A_ARG_TYPE_TrackNumber, EnqueueAsNext:A_ARG_TYPE_EnqueueAsNext) -> FirstTrackNumberEnqueued:A_ARG_TYPE_TrackNumber, NumTracksAdded:A_ARG_TYPE_NumTracks, NewQueueLength:A_ARG_TYPE_NumTracks, NewUpdateID:A_ARG_TYPE_QueueUpdateID
        RemoveTrackFromQueue(InstanceID:A_ARG_TYPE_InstanceID, ObjectID:A_ARG_TYPE_ObjectID, UpdateID:A_ARG_TYPE_QueueUpdateID)
        RemoveTrackRangeFromQueue(InstanceID:A_ARG_TYPE_InstanceID, UpdateID:A_ARG_TYPE_QueueUpdateID, StartingIndex:A_ARG_TYPE_TrackNumber, NumberOfTracks:A_ARG_TYPE_NumTracks) -> NewUpdateID:A_ARG_TYPE_QueueUpdateID
        RemoveAllTracksFromQueue(InstanceID:A_ARG_TYPE_InstanceID)
        GetMediaInfo(InstanceID:A_ARG_TYPE_InstanceID) -> NrTracks:NumberOfTracks, MediaDuration:CurrentMediaDuration, CurrentURI:AVTransportURI, CurrentURIMetaData:AVTransportURIMetaData, NextURI:NextAVTransportURI, NextURIMetaData:NextAVTransportURIMetaData, PlayMedium:PlaybackStorageMedium, RecordMedium:RecordStorageMedium, WriteStatus:RecordMediumWriteStatus
        GetTransportInfo(InstanceID:A_ARG_TYPE_InstanceID) -> CurrentTransportState:TransportState, CurrentTransportStatus:TransportStatus, CurrentSpeed:TransportPlaySpeed
        GetPositionInfo(InstanceID:A_ARG_TYPE_InstanceID) -> Track:CurrentTrack, TrackDuration:CurrentTrackDuration, TrackMetaData:CurrentTrackMetaData, TrackURI:CurrentTrackURI, RelTime:RelativeTimePosition, AbsTime:AbsoluteTimePosition, RelCount:RelativeCounterPosition, AbsCount:AbsoluteCounterPosition
        GetTransportSettings(InstanceID:A_ARG_TYPE_InstanceID) -> PlayMode:CurrentPlayMode, RecQualityMode:CurrentRecordQualityMode
        GetCurrentTransportActions(InstanceID:A_ARG_TYPE_InstanceID) -> Actions:CurrentTransportActions
        GetCrossfadeMode(InstanceID:A_ARG_TYPE_InstanceID) -> CrossfadeMode:CurrentCrossfadeMode
        SetCrossfadeMode(InstanceID:A_ARG_TYPE_InstanceID, CrossfadeMode:CurrentCrossfadeMode)
        SetPlayMode(InstanceID:A_ARG_TYPE_InstanceID, NewPlayMode:CurrentPlayMode)
        Play(InstanceID:A_ARG_TYPE_InstanceID, Speed:TransportPlaySpeed)
        Pause(InstanceID:A_ARG_TYPE_InstanceID)
        Stop(InstanceID:A_ARG_TYPE_InstanceID)
        Seek(InstanceID:A_ARG_TYPE_InstanceID, Unit:A_ARG_TYPE_SeekMode, Target:A_ARG_TYPE_SeekTarget)
        Next(InstanceID:A_ARG_TYPE_InstanceID)
        Previous(InstanceID:A_ARG_TYPE_InstanceID)
        BecomeCoordinatorOfStandaloneGroup(InstanceID:A_ARG_TYPE_InstanceID) -> DelegatedGroupCoordinatorID:A_ARG_TYPE_MemberID, NewGroupID:A_ARG_TYPE_GroupID
        EndDirectControlSession(InstanceID:A_ARG_TYPE_InstanceID)
        GetRemainingSleepTimerDuration(InstanceID:A_ARG_TYPE_InstanceID) -> RemainingSleepTimerDuration:A_ARG_TYPE_ISO8601Time, CurrentSleepTimerGeneration:SleepTimerGeneration
        """,
    ),
    "RenderingControl": (
        "/MediaRenderer/RenderingControl/Control",
        """
        GetVolume(InstanceID:A_ARG_TYPE_InstanceID, Channel:A_ARG_TYPE_Channel) -> CurrentVolume:Volume
        SetVolume(InstanceID:A_ARG_TYPE_InstanceID, Channel:A_ARG_TYPE_Channel, DesiredVolume:Volume)
        SetRelativeVolume(InstanceID:A_ARG_TYPE_InstanceID, Channel:A_ARG_TYPE_Channel, Adjustment:A_ARG_TYPE_VolumeAdjustment) -> NewVolume:Volume
        RampToVolume(InstanceID:A_ARG_TYPE_InstanceID, Channel:A_ARG_TYPE_Channel, RampType:A_ARG_TYPE_RampType, DesiredVolume:Volume, ResetVolumeAfter:A_ARG_TYPE_ResetVolumeAfter, ProgramURI:A_ARG_TYPE_ProgramURI) -> RampTime:A_ARG_TYPE_RampTime
        GetMute(InstanceID:A_ARG_TYPE_InstanceID, Channel:A_ARG_TYPE_MuteChannel) -> CurrentMute:Mute
        SetMute(InstanceID:A_ARG_TYPE_InstanceID, Channel:A_ARG_TYPE_MuteChannel, DesiredMute:Mute)
        GetBass(InstanceID:A_ARG_TYPE_InstanceID) -> CurrentBass:Bass
        SetBass(InstanceID:A_ARG_TYPE_InstanceID, DesiredBass:Bass)
        GetTreble(InstanceID:A_ARG_TYPE_InstanceID) -> CurrentTreble:Treble
        SetTreble(InstanceID:A_ARG_TYPE_InstanceID, DesiredTreble:Treble)
        GetLoudness(InstanceID:A_ARG_TYPE_InstanceID, Channel:A_ARG_TYPE_Channel) -> CurrentLoudness:Loudness
        SetLoudness(InstanceID:A_ARG_TYPE_InstanceID, Channel:A_ARG_TYPE_Channel, DesiredLoudness:Loudness)
        GetOutputFixed(InstanceID:A_ARG_TYPE_InstanceID) -> CurrentFixed:OutputFixed
        SetOutputFixed(InstanceID:A_ARG_TYPE_InstanceID, DesiredFixed:OutputFixed)
        GetSupportsOutputFixed(InstanceID:A_ARG_TYPE_InstanceID) -> CurrentSupportsFixed:SupportsOutputFixed
        """,
    ),
    "GroupRenderingControl": (
        "/MediaRenderer/GroupRenderingControl/Control",
        """
        GetGroupMute(InstanceID:A_ARG_TYPE_InstanceID) -> CurrentMute:GroupMute
        SetGroupMute(InstanceID:A_ARG_TYPE_InstanceID, DesiredMute:GroupMute)
        GetGroupVolume(InstanceID:A_ARG_TYPE_InstanceID) -> CurrentVolume:GroupVolume
        SetGroupVolume(InstanceID:A_ARG_TYPE_InstanceID, DesiredVolume:GroupVolume)
        SetRelativeGroupVolume(InstanceID:A_ARG_TYPE_InstanceID, Adjustment:A_ARG_TYPE_VolumeAdjustment) -> NewVolume:GroupVolume
        SnapshotGroupVolume(InstanceID:A_ARG_TYPE_InstanceID)
        """,
    ),
    "ContentDirectory": (
        "/MediaServer/ContentDirectory/Control",
        """
        Browse(ObjectID:A_ARG_TYPE_ObjectID, BrowseFlag:A_ARG_TYPE_BrowseFlag, Filter:A_ARG_TYPE_Filter, StartingIndex:A_ARG_TYPE_Index, RequestedCount:A_ARG_TYPE_Count, SortCriteria:A_ARG_TYPE_SortCriteria) -> Result:A_ARG_TYPE_Result, NumberReturned:A_ARG_TYPE_Count, TotalMatches:A_ARG_TYPE_Count, UpdateID:A_ARG_TYPE_UpdateID
        GetSystemUpdateID() -> Id:SystemUpdateID
        GetSearchCapabilities() -> SearchCaps:SearchCapabilities
        GetSortCapabilities() -> SortCaps:SortCapabilities
        """,
    ),
    "ZoneGroupTopology": (
        "/ZoneGroupTopology/Control",
        """
        GetZoneGroupState() -> ZoneGroupState:ZoneGroupState
        GetZoneGroupAttributes() -> CurrentZoneGroupName:ZoneGroupName, CurrentZoneGroupID:ZoneGroupID, CurrentZonePlayerUUIDsInGroup:ZonePlayerUUIDsInGroup, CurrentMuseHouseholdId:MuseHouseholdId
        """,
    ),
    "DeviceProperties": (
        "/DeviceProperties/Control",
        """
        GetHouseholdID() -> CurrentHouseholdID:A_ARG_TYPE_HouseholdID
        GetZoneAttributes() -> CurrentZoneName:ZoneName, CurrentIcon:Icon, CurrentConfiguration:Configuration, CurrentTargetRoomName:A_ARG_TYPE_TargetRoomName
        SetZoneAttributes(DesiredZoneName:ZoneName, DesiredIcon:Icon, DesiredConfiguration:Configuration)
        GetZoneInfo() -> SerialNumber:SerialNumber, SoftwareVersion:SoftwareVersion, DisplaySoftwareVersion:DisplaySoftwareVersion, HardwareVersion:HardwareVersion, IPAddress:IPAddress, MACAddress:MACAddress, CopyrightInfo:CopyrightInfo, ExtraInfo:ExtraInfo, HTAudioIn:HTAudioIn, Flags:Flags
        GetLEDState() -> CurrentLEDState:LEDState
        SetLEDState(DesiredLEDState:LEDState)
        GetButtonLockState() -> CurrentButtonLockState:ButtonLockState
        SetButtonLockState(DesiredButtonLockState:ButtonLockState)
        GetInvisible() -> CurrentInvisible:Invisible
        GetAutoplayLinkedZones(Source:AutoplaySource) -> IncludeLinkedZones:AutoplayIncludeLinkedZones
        GetAutoplayRoomUUID(Source:AutoplaySource) -> RoomUUID:AutoplayRoomUUID
        """,
    ),
    "AlarmClock": (
        "/AlarmClock/Control",
        """
        ListAlarms() -> CurrentAlarmList:A_ARG_TYPE_AlarmList, CurrentAlarmListVersion:AlarmListVersion
        """,
    ),
}

_LINE_RE = re.compile(r"^(\w+)\(([^)]*)\)(?:\s*->\s*(.*))?$")


@dataclass(frozen=True, slots=True)
class Argument:
    """One action argument and the state variable that types it."""

    name: str
    variable: str


@dataclass(frozen=True, slots=True)
class Action:
    """An action's name with its in and out arguments in wire order."""

    name: str
    inputs: tuple[Argument, ...]
    outputs: tuple[Argument, ...]


@dataclass(frozen=True, slots=True)
class Service:
    """A UPnP service: where it is controlled and what it can do."""

    name: str
    control_url: str
    actions: dict[str, Action]

    @property
    def scpd_url(self) -> str:
        """Where SoCo looks for the description (``/xml/{Service}1.xml``)."""
        return f"/xml/{self.name}1.xml"

    @property
    def event_url(self) -> str:
        """The eventing URL the device description advertises."""
        return self.control_url.removesuffix("/Control") + "/Event"


def _arguments(text: str | None) -> tuple[Argument, ...]:
    """Parse ``Name:Variable, ...``."""
    if not text or not text.strip():
        return ()
    pairs = (item.strip().split(":") for item in text.split(","))
    return tuple(Argument(name, variable) for name, variable in pairs)


def _parse(source: str) -> dict[str, Action]:
    """Turn the table's lines into actions."""
    actions: dict[str, Action] = {}
    for raw in source.strip().splitlines():
        match = _LINE_RE.match(raw.strip())
        if match is None:
            raise ValueError(f"bad action line: {raw!r}")
        name, inputs, outputs = match.groups()
        actions[name] = Action(name, _arguments(inputs), _arguments(outputs))
    return actions


SERVICES: dict[str, Service] = {
    name: Service(name, url, _parse(source))
    for name, (url, source) in _SERVICES_SOURCE.items()
}
SERVICES_BY_CONTROL_URL = {svc.control_url: svc for svc in SERVICES.values()}
SERVICES_BY_SCPD_URL = {svc.scpd_url: svc for svc in SERVICES.values()}
SERVICES_BY_EVENT_URL = {svc.event_url: svc for svc in SERVICES.values()}


def variable_type(name: str) -> tuple[str, tuple[str, ...]]:
    """Data type and allowed values of a state variable (string if unlisted)."""
    return _VARIABLES.get(name, ("string", ()))


@cache
def scpd_xml(service_name: str) -> bytes:
    """Render a service description in which every related variable exists."""
    service = SERVICES[service_name]
    actions: list[str] = []
    variables: set[str] = set()
    for action in service.actions.values():
        args = [(arg, "in") for arg in action.inputs] + [
            (arg, "out") for arg in action.outputs
        ]
        rendered = "".join(
            f"<argument><name>{arg.name}</name><direction>{direction}</direction>"
            f"<relatedStateVariable>{arg.variable}</relatedStateVariable></argument>"
            for arg, direction in args
        )
        variables.update(arg.variable for arg, _ in args)
        actions.append(
            f"<action><name>{action.name}</name>"
            f"<argumentList>{rendered}</argumentList></action>"
        )
    table = []
    for name in sorted(variables):
        datatype, allowed = variable_type(name)
        allowed_xml = (
            "<allowedValueList>"
            + "".join(f"<allowedValue>{value}</allowedValue>" for value in allowed)
            + "</allowedValueList>"
            if allowed
            else ""
        )
        table.append(
            f'<stateVariable sendEvents="no"><name>{name}</name>'
            f"<dataType>{datatype}</dataType>{allowed_xml}</stateVariable>"
        )
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><scpd xmlns="{NS_SERVICE}">'
        "<specVersion><major>1</major><minor>0</minor></specVersion>"
        f"<actionList>{''.join(actions)}</actionList>"
        f"<serviceStateTable>{''.join(table)}</serviceStateTable></scpd>"
    )
    return xml.encode("utf-8")


def _service_xml(service: Service) -> str:
    """One <service> entry of the device description."""
    return (
        "<service>"
        f"<serviceType>urn:schemas-upnp-org:service:{service.name}:1</serviceType>"
        f"<serviceId>urn:upnp-org:serviceId:{service.name}</serviceId>"
        f"<controlURL>{service.control_url}</controlURL>"
        f"<eventSubURL>{service.event_url}</eventSubURL>"
        f"<SCPDURL>{service.scpd_url}</SCPDURL>"
        "</service>"
    )


def _services_xml(*names: str) -> str:
    """A <serviceList> of the named services."""
    return (
        "<serviceList>"
        + "".join(_service_xml(SERVICES[n]) for n in names)
        + "</serviceList>"
    )


def mac_address(uid: str) -> str:
    """The MAC hidden in a RINCON uid, colon separated."""
    hexdigits = uid.removeprefix("RINCON_")[:12]
    return ":".join(hexdigits[i : i + 2] for i in range(0, 12, 2))


def device_description(
    *, ip: str, uid: str, room_name: str, model_name: str = MODEL_NAME
) -> bytes:
    """The root device document SoCo's get_speaker_info reads."""
    mac = mac_address(uid)
    serial = mac.replace(":", "-") + ":E"
    model = escape(model_name)
    sub_devices = (
        "<deviceList>"
        "<device><deviceType>urn:schemas-upnp-org:device:MediaServer:1</deviceType>"
        f"<friendlyName>{ip} - {model} Media Server</friendlyName>"
        f"<UDN>uuid:{uid}_MS</UDN>" + _services_xml("ContentDirectory") + "</device>"
        "<device><deviceType>urn:schemas-upnp-org:device:MediaRenderer:1</deviceType>"
        f"<friendlyName>{escape(room_name)} - {model}</friendlyName>"
        f"<UDN>uuid:{uid}_MR</UDN>"
        + _services_xml("RenderingControl", "AVTransport", "GroupRenderingControl")
        + "</device></deviceList>"
    )
    xml = (
        f'<?xml version="1.0" encoding="utf-8"?><root xmlns="{NS_DEVICE}">'
        "<specVersion><major>1</major><minor>0</minor></specVersion><device>"
        "<deviceType>urn:schemas-upnp-org:device:ZonePlayer:1</deviceType>"
        f"<friendlyName>{ip} - {model} - {uid}</friendlyName>"
        "<manufacturer>Sonos, Inc.</manufacturer>"
        "<manufacturerURL>http://www.sonos.com</manufacturerURL>"
        f"<modelNumber>{MODEL_NUMBER}</modelNumber>"
        f"<modelDescription>{model}</modelDescription>"
        f"<modelName>{model}</modelName>"
        f"<softwareVersion>{SOFTWARE_VERSION}</softwareVersion><swGen>2</swGen>"
        f"<hardwareVersion>{HARDWARE_VERSION}</hardwareVersion>"
        f"<serialNum>{serial}</serialNum><MACAddress>{mac}</MACAddress>"
        f"<UDN>uuid:{uid}</UDN>"
        "<iconList><icon><id>0</id><mimetype>image/png</mimetype><width>48</width>"
        "<height>48</height><depth>24</depth>"
        f"<url>/img/icon-{MODEL_NUMBER}.png</url></icon></iconList>"
        f"<displayVersion>{DISPLAY_VERSION}</displayVersion>"
        f"<roomName>{escape(room_name)}</roomName><displayName>One</displayName>"
        + _services_xml("AlarmClock", "DeviceProperties", "ZoneGroupTopology")
        + sub_devices
        + "</device></root>"
    )
    return xml.encode("utf-8")
