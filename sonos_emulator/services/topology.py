"""ZoneGroupTopology and DeviceProperties: who is who, and in which group."""

from ..scpd import DISPLAY_VERSION, HARDWARE_VERSION, SOFTWARE_VERSION, mac_address
from ..soap import UPnPError
from . import Call, action

ZGT = "ZoneGroupTopology"
DP = "DeviceProperties"


@action(ZGT)
def GetZoneGroupState(call: Call) -> dict[str, object]:  # noqa: N802
    """The household topology; never faults (SoCo would fall back to events)."""
    return {"ZoneGroupState": call.household.zone_group_state()}


@action(ZGT)
def GetZoneGroupAttributes(call: Call) -> dict[str, object]:  # noqa: N802
    """This speaker's group: coordinator name, group ID, member uids."""
    coordinator = call.speaker.coordinator()
    members = call.speaker.group_members()
    return {
        "CurrentZoneGroupName": coordinator.name,
        "CurrentZoneGroupID": call.household.group_id(coordinator.uid),
        "CurrentZonePlayerUUIDsInGroup": ",".join(sp.uid for sp in members),
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
        "CurrentIcon": "x-rincon-roomicon:living",
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
