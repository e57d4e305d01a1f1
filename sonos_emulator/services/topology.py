"""ZoneGroupTopology and DeviceProperties: who is who, and in which group."""

from typing import TYPE_CHECKING

from ..scpd import DISPLAY_VERSION, HARDWARE_VERSION, SOFTWARE_VERSION, mac_address
from ..soap import UPnPError
from . import Call, action, evented

if TYPE_CHECKING:
    from ..speaker import Speaker

ZGT = "ZoneGroupTopology"
DP = "DeviceProperties"
ROOM_ICON = "x-rincon-roomicon:living"


@action(ZGT)
def GetZoneGroupState(call: Call) -> dict[str, object]:  # noqa: N802
    """The household topology; never faults (SoCo would fall back to events)."""
    return {"ZoneGroupState": call.household.zone_group_state()}


@action(ZGT)
def GetZoneGroupAttributes(call: Call) -> dict[str, object]:  # noqa: N802
    """This speaker's group as published (like ZoneGroupState, it lags a regroup)."""
    household = call.household
    coordinator_uid, group_id, members = household.published_group(call.speaker)
    return {
        "CurrentZoneGroupName": household.by_uid(coordinator_uid).name,
        "CurrentZoneGroupID": group_id,
        "CurrentZonePlayerUUIDsInGroup": ",".join(members),
        "CurrentMuseHouseholdId": f"{call.household.household_id}.0",
    }


@action(DP)
def GetHouseholdID(call: Call) -> dict[str, object]:  # noqa: N802
    """SoCo keys its topology cache by this."""
    return {"CurrentHouseholdID": call.household.household_id}


@action(DP)
def GetZoneAttributes(call: Call) -> dict[str, object]:  # noqa: N802
    """Room name and icon."""
    return {
        "CurrentZoneName": call.speaker.name,
        "CurrentIcon": ROOM_ICON,
        "CurrentConfiguration": "1",
        "CurrentTargetRoomName": "",
    }


@action(DP)
def SetZoneAttributes(call: Call) -> dict[str, object]:  # noqa: N802
    """Renames the room (empty names are refused)."""
    name = call.arg("DesiredZoneName").strip()
    if not name:
        raise UPnPError(402, "empty room name")
    call.speaker.name = name
    return {}


@action(DP)
def GetZoneInfo(call: Call) -> dict[str, object]:  # noqa: N802
    """Serial, versions and addresses."""
    mac = mac_address(call.speaker.uid)
    return {
        "SerialNumber": mac.replace(":", "-") + ":E",
        "SoftwareVersion": SOFTWARE_VERSION,
        "DisplaySoftwareVersion": DISPLAY_VERSION,
        "HardwareVersion": HARDWARE_VERSION,
        "IPAddress": call.speaker.ip,
        "MACAddress": mac,
        "CopyrightInfo": "© 2004-2025 Sonos, Inc. All Rights Reserved.",
        "ExtraInfo": "",
        "HTAudioIn": 0,
        "Flags": 0,
    }


@action(DP)
def GetLEDState(call: Call) -> dict[str, object]:  # noqa: N802
    """Status light."""
    return {"CurrentLEDState": call.speaker.led_state}


@action(DP)
def SetLEDState(call: Call) -> dict[str, object]:  # noqa: N802
    """On or Off."""
    state = call.arg("DesiredLEDState")
    if state not in {"On", "Off"}:
        raise UPnPError(402, "LED state is On or Off")
    call.speaker.led_state = state
    return {}


@action(DP)
def GetButtonLockState(call: Call) -> dict[str, object]:  # noqa: N802
    """Button lock."""
    return {"CurrentButtonLockState": call.speaker.button_lock}


@action(DP)
def SetButtonLockState(call: Call) -> dict[str, object]:  # noqa: N802
    """On or Off."""
    state = call.arg("DesiredButtonLockState")
    if state not in {"On", "Off"}:
        raise UPnPError(402, "button lock is On or Off")
    call.speaker.button_lock = state
    return {}


@action(DP)
def GetInvisible(call: Call) -> dict[str, object]:  # noqa: N802
    """Every emulated speaker is a visible zone."""
    return {"CurrentInvisible": False}


@action(DP)
def GetAutoplayRoomUUID(call: Call) -> dict[str, object]:  # noqa: N802
    """A Sonos One has no TV or line-in input to autoplay from: it refuses.

    Home Assistant core creates its TV autoplay switches only where this
    answers. (The refusal's code, 402, is a guess: not seen on hardware.)
    """
    raise UPnPError(402, f"no {call.arg('Source')} input to autoplay")


@action(DP)
def GetAutoplayLinkedZones(call: Call) -> dict[str, object]:  # noqa: N802
    """Refused like GetAutoplayRoomUUID: there is no input to autoplay."""
    raise UPnPError(402, f"no {call.arg('Source')} input to autoplay")


@evented(ZGT)
def _topology_events(speaker: Speaker) -> dict[str, str]:
    """The household's groups as published (a regroup shows once settled)."""
    household = speaker.household
    coordinator_uid, group_id, members = household.published_group(speaker)
    return {
        "ZoneGroupState": household.zone_group_state(),
        "ThirdPartyMediaServersX": "",
        "AvailableSoftwareUpdate": "",
        "AlarmRunSequence": f"{speaker.uid}:0:0",
        "ZoneGroupName": household.by_uid(coordinator_uid).name,
        "ZoneGroupID": group_id,
        "ZonePlayerUUIDsInGroup": ",".join(members),
        "MuseHouseholdId": f"{household.household_id}.0",
    }
