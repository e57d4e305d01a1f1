"""Names, uids, groups and discovery, as SoCo sees them."""

import re
from xml.etree import ElementTree as ET

import pytest
import requests
from soco import SoCo
from soco.discovery import scan_network
from soco.services import Service

from sonos_emulator import DEFAULT_NAMES, Household
from sonos_emulator.household import uid_for
from tests.conftest import EMULATOR_NET

from .conftest import forget_topology, soco


def test_names_uids_and_addresses(household: Household) -> None:
    assert [sp.name for sp in household.speakers] == list(DEFAULT_NAMES)
    assert [sp.ip for sp in household.speakers] == [
        f"{EMULATOR_NET}.2",
        f"{EMULATOR_NET}.3",
        f"{EMULATOR_NET}.4",
    ]
    kitchen = household["Kitchen"]
    assert re.fullmatch(r"RINCON_[0-9A-F]{12}01400", kitchen.uid)
    assert kitchen.uid == uid_for(f"{EMULATOR_NET}.2")  # deterministic from the address
    assert kitchen.base_url == f"http://{EMULATOR_NET}.2:1400"
    with pytest.raises(KeyError):
        household["Garage"]

    zones = soco(kitchen).all_zones
    assert {zone.player_name for zone in zones} == set(DEFAULT_NAMES)
    assert {zone.uid for zone in zones} == {sp.uid for sp in household.speakers}
    assert {zone.ip_address for zone in zones} == {sp.ip for sp in household.speakers}
    assert soco(kitchen).household_id == "Sonos_emulated"
    info = soco(kitchen).get_speaker_info(refresh=True)
    assert info["zone_name"] == "Kitchen"
    assert info["uid"] == kitchen.uid
    assert info["model_name"] == "Sonos One"
    # The MAC is the uid's middle: Sonos' OUI, then the address's last three bytes.
    mac = kitchen.uid.removeprefix("RINCON_").removesuffix("01400")
    assert info["mac_address"] == "-".join(mac[i : i + 2] for i in range(0, 12, 2))
    assert mac.startswith("000E58")


def test_every_service_description_resolves(household: Household) -> None:
    """SoCo parses each SCPD and finds every relatedStateVariable."""
    device = soco(household["Kitchen"])
    services: list[Service] = [
        device.avTransport,
        device.renderingControl,
        device.groupRenderingControl,
        device.contentDirectory,
        device.zoneGroupTopology,
        device.deviceProperties,
    ]
    for service in services:
        names = {act.name for act in service.iter_actions()}
        assert names, service.service_type
    actions = {act.name: act for act in device.avTransport.iter_actions()}
    assert [arg.name for arg in actions["GetPositionInfo"].out_args] == [
        "Track",
        "TrackDuration",
        "TrackMetaData",
        "TrackURI",
        "RelTime",
        "AbsTime",
        "RelCount",
        "AbsCount",
    ]
    # Calls without an argument list go through the SCPD.
    assert device.deviceProperties.GetZoneInfo()["IPAddress"] == f"{EMULATOR_NET}.2"
    attributes = device.zoneGroupTopology.GetZoneGroupAttributes()
    assert attributes["CurrentZoneGroupID"].startswith(household["Kitchen"].uid)


def test_scan_network_finds_household(household: Household) -> None:
    zones = scan_network(networks_to_scan=[f"{EMULATOR_NET}.0/29"])
    assert zones is not None
    assert {zone.player_name for zone in zones} == set(DEFAULT_NAMES)


def test_groups_through_soco_join_and_unjoin(household: Household) -> None:
    kitchen, room = soco(household["Kitchen"]), soco(household["Living Room"])
    first_id = kitchen.group.uid
    room.join(kitchen)
    assert household.groups() == [["Kitchen", "Living Room"], ["Chicken Coop"]]
    group = room.group
    assert group.coordinator == kitchen
    assert {m.player_name for m in group.members} == {"Kitchen", "Living Room"}
    assert not room.is_coordinator
    assert group.uid != first_id  # n grows on every change
    assert group.uid.startswith(f"{household['Kitchen'].uid}:")
    assert room.get_current_media_info()["uri"] == f"x-rincon:{kitchen.uid}"
    assert household["Living Room"].state()["coordinator_uid"] == kitchen.uid

    room.unjoin()
    assert household.groups() == [["Kitchen"], ["Living Room"], ["Chicken Coop"]]
    assert room.is_coordinator
    assert room.get_current_media_info()["uri"] == f"x-rincon-queue:{room.uid}#0"


def test_state_level_join_is_visible_at_once(household: Household) -> None:
    kitchen = soco(household["Kitchen"])
    assert len(kitchen.all_groups) == 3
    household.join("Chicken Coop", "Kitchen")
    household.join("Living Room", "Kitchen")
    forget_topology()
    assert household.groups() == [["Kitchen", "Living Room", "Chicken Coop"]]
    assert len(kitchen.all_groups) == 1
    household.unjoin("Chicken Coop")
    forget_topology()
    assert household.groups() == [["Kitchen", "Living Room"], ["Chicken Coop"]]
    assert soco(household["Chicken Coop"]).is_coordinator


def test_coordinator_leaving_hands_group_and_queue_over(
    household: Household,
) -> None:
    from sonos_emulator import Track

    kitchen = household["Kitchen"]
    kitchen.set_queue(
        [Track("x-file-cifs://nas/a.mp3", "A"), Track("x-file-cifs://nas/b.mp3", "B")]
    )
    kitchen.play_queue(track=2, position=30.0)
    household.join("Living Room", "Kitchen")
    household.join("Chicken Coop", "Kitchen")

    soco(kitchen).unjoin()

    assert household.groups() == [["Kitchen"], ["Living Room", "Chicken Coop"]]
    heir = household["Living Room"].state()
    assert heir["transport_state"] == "PLAYING"
    assert heir["track_number"] == 2
    assert heir["position"] >= 30.0
    assert heir["current_uri"] == f"x-rincon-queue:{household['Living Room'].uid}#0"
    assert heir["queue_length"] == 2
    left = kitchen.state()
    assert left["queue_length"] == 0  # the old coordinator lost its queue
    assert left["transport_state"] == "STOPPED"
    coop = soco(household["Chicken Coop"])
    assert (
        coop.get_current_media_info()["uri"]
        == f"x-rincon:{household['Living Room'].uid}"
    )


def test_zone_group_state_document(household: Household) -> None:
    household.join("Living Room", "Kitchen")
    payload = soco(household["Kitchen"]).zoneGroupTopology.GetZoneGroupState()[
        "ZoneGroupState"
    ]
    assert not payload.startswith("<?xml")
    root = ET.fromstring(payload)  # noqa: S314 - our own emulator's output
    groups = root.findall("ZoneGroups/ZoneGroup")
    assert [g.get("Coordinator") for g in groups] == [
        household["Kitchen"].uid,
        household["Chicken Coop"].uid,
    ]
    members = groups[0].findall("ZoneGroupMember")
    assert [m.get("ZoneName") for m in members] == ["Kitchen", "Living Room"]
    assert (
        members[1].get("Location")
        == f"http://{EMULATOR_NET}.3:1400/xml/device_description.xml"
    )


def test_joining_an_unknown_speaker_is_refused(household: Household) -> None:
    from soco.exceptions import SoCoUPnPException

    kitchen = soco(household["Kitchen"])
    with pytest.raises(SoCoUPnPException) as err:
        kitchen.avTransport.SetAVTransportURI(
            [
                ("InstanceID", 0),
                ("CurrentURI", "x-rincon:RINCON_NOPE"),
                ("CurrentURIMetaData", ""),
            ]
        )
    assert err.value.error_code == "402"


def test_unknown_action_and_bad_args(household: Household) -> None:
    from soco.exceptions import SoCoUPnPException

    kitchen = soco(household["Kitchen"])
    with pytest.raises(SoCoUPnPException) as err:
        kitchen.avTransport.send_command("Frobnicate", args=[("InstanceID", 0)])
    assert err.value.error_code == "401"
    with pytest.raises(SoCoUPnPException) as err:
        kitchen.renderingControl.SetVolume([("InstanceID", 0), ("Channel", "Master")])
    assert err.value.error_code == "402"
    with pytest.raises(SoCoUPnPException) as err:
        kitchen.renderingControl.SetVolume(
            [("InstanceID", 0), ("Channel", "Master"), ("DesiredVolume", "loud")]
        )
    assert err.value.error_code == "402"


def test_state_endpoint_matches_python_api(household: Household) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_volume(31)
    over_http = requests.get(f"{kitchen.base_url}/emulator/state", timeout=5).json()
    local = kitchen.state()
    for key in ("name", "uid", "ip", "volume", "transport_state", "group_members"):
        assert over_http[key] == local[key]
    assert over_http["volume"] == 31
    expected = {
        "name",
        "uid",
        "ip",
        "coordinator_uid",
        "group_members",
        "transport_state",
        "current_uri",
        "track_uri",
        "track_number",
        "position",
        "track_duration",
        "volume",
        "mute",
        "bass",
        "treble",
        "loudness",
        "play_mode",
        "crossfade",
        "queue_length",
        "fixed_volume",
        "online",
    }
    assert expected <= set(over_http)
    assert SoCo(kitchen.ip).volume == 31


def test_stop_is_idempotent_and_rebinds(emulator_network: None) -> None:
    household = Household(names=["Solo"], first_ip=f"{EMULATOR_NET}.20")
    household.stop()  # never started: nothing to do
    with household:
        pass
    household.stop()
    household.start()
    household.stop()


def test_a_stereo_pair_and_a_home_theater_as_soco_reads_them(
    household: Household,
) -> None:
    """Bonded partners are invisible: SoCo counts them, and no zone of their own.

    The document follows soco.zonegroupstate's reading of real ones.
    """
    room = household.bond("Living Room", "pair")
    coop = household.bond("Chicken Coop", "home_theater")
    assert room.bond is not None
    assert coop.bond is not None
    device = soco(household["Kitchen"])

    visible = {zone.uid for zone in device.visible_zones}
    everyone = {zone.uid for zone in device.all_zones}
    assert visible == {sp.uid for sp in household.speakers}
    assert everyone == visible | set(room.bond.hosts) | set(coop.bond.hosts)
    state = ET.fromstring(  # noqa: S314 - the emulator's own document
        device.zoneGroupTopology.GetZoneGroupState()["ZoneGroupState"]
    )
    members = {m.get("UUID"): m for m in state.iter("ZoneGroupMember")}
    [right] = room.bond.hosts
    pair = f"{room.uid}:LF,LF;{right}:RF,RF"
    assert members[room.uid].get("ChannelMapSet") == pair
    assert members[right].get("ChannelMapSet") == pair
    assert members[right].get("Invisible") == "1"
    assert members[right].get("ZoneName") == "Living Room"
    satellites = members[coop.uid].findall("Satellite")
    assert [sat.get("UUID") for sat in satellites] == list(coop.bond.hosts)
    assert all(sat.get("Invisible") == "1" for sat in satellites)
    sub, left, right_rear = coop.bond.hosts
    assert members[coop.uid].get("HTSatChanMapSet") == (
        f"{coop.uid}:LF,RF;{sub}:SW;{left}:LR;{right_rear}:RR"
    )
    # Nothing answers at a partner's address.
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{room.bond.hosts[right]}:1400/", timeout=2)
