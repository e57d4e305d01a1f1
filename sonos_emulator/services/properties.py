"""DeviceProperties' evented variables (its actions are in :mod:`.topology`)."""

from typing import TYPE_CHECKING

from ..audio_clip import SUPPORTED as AUDIO_CLIP_SUPPORTED
from . import evented
from .topology import DP, ROOM_ICON

if TYPE_CHECKING:
    from ..speaker import Speaker

_AS_IN_TOPOLOGY = (
    "TVConfigurationError",
    "HdmiCecAvailable",
    "WirelessMode",
    "ChannelFreq",
    "BehindWifiExtender",
    "WifiEnabled",
    "EthLink",
    "SecureRegState",
    "VoiceConfigState",
    "MicEnabled",
)
"""Variables a speaker also shows in its ZoneGroupState entry, with the same value."""


@evented(DP)
def _device_properties_events(speaker: Speaker) -> dict[str, str]:
    """What a standalone Sonos One sends, agreeing with its ZoneGroupState entry.

    Home Assistant core reads MicEnabled (a microphone sensor appears with the
    first event that has it) and MoreInfo (battery data; empty: none).
    """
    from ..household import member_attributes  # noqa: PLC0415 - it imports us

    shown = member_attributes(speaker)
    return {
        "ZoneName": speaker.name,
        "Icon": ROOM_ICON,
        "Configuration": "1",
        "Invisible": "0",
        "IsZoneBridge": "0",
        "AirPlayEnabled": shown["AirPlayEnabled"],
        "SupportsAudioIn": "0",
        "SupportsAudioClip": "1" if speaker.audio_clip == AUDIO_CLIP_SUPPORTED else "0",
        "IsIdle": shown["IdleState"],
        "MoreInfo": shown["MoreInfo"],
        "ChannelMapSet": "",
        "HTSatChanMapSet": "",
        "HTBondedZoneCommitState": "0",
        "Orientation": shown["Orientation"],
        "LastChangedPlayState": "",
        "RoomCalibrationState": shown["RoomCalibrationState"],
        "AvailableRoomCalibration": "",
        "ConfigMode": "",
        **{name: shown[name] for name in _AS_IN_TOPOLOGY},
    }
