"""Queues, radio, TV, line-in, app-only sources and group members."""

from collections.abc import Callable
import time

import pytest
from soco.exceptions import SoCoSlaveException, SoCoUPnPException
from soco.snapshot import Snapshot

from sonos_emulator import Household, Track

from .conftest import forget_topology, soco, state_of, transport_events, wait_until

RADIO = "x-sonosapi-stream:s24896?sid=254&flags=8224&sn=0"


def _upnp_code(call: Callable[[], object]) -> str:
    with pytest.raises(SoCoUPnPException) as err:
        call()
    return err.value.error_code


def _short_queue(count: int, seconds: float) -> list[Track]:
    return [
        Track(f"x-file-cifs://nas/music/{n:02}.mp3", f"Song {n}", seconds)
        for n in range(1, count + 1)
    ]


def test_queue_advances_and_stops_at_its_end(household: Household) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(_short_queue(3, 0.25))
    device = soco(kitchen)
    device.play_from_queue(0)
    assert device.get_current_track_info()["playlist_position"] == "1"

    wait_until(lambda: state_of(kitchen) == "STOPPED", timeout=3)

    info = device.get_current_track_info()
    assert info["playlist_position"] == "1"  # back to the first track
    assert info["position"] == "0:00:00"
    assert info["uri"] == "x-file-cifs://nas/music/01.mp3"
    tracks = [e["track"] for e in kitchen.events() if e["kind"] == "track"]
    assert tracks == [1, 2, 3, 1]
    assert [s for s, _ in transport_events(kitchen)][-2:] == ["PLAYING", "STOPPED"]
    stopped_at = [e["t"] for e in kitchen.events() if e["kind"] == "transport"][-1]
    started_at = next(
        e["t"]
        for e in kitchen.events()
        if e["kind"] == "transport" and e["state"] == "PLAYING"
    )
    assert stopped_at - started_at == pytest.approx(0.75, abs=0.1)


def test_repeat_all_wraps_around(household: Household) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(_short_queue(2, 0.15))
    device = soco(kitchen)
    device.play_from_queue(1)
    device.play_mode = "REPEAT_ALL"
    wait_until(
        lambda: (
            [e["track"] for e in kitchen.events() if e["kind"] == "track"][-3:]
            == [2, 1, 2]
        ),
        timeout=3,
    )
    assert state_of(kitchen) == "PLAYING"
    assert device.play_mode == "REPEAT_ALL"


def test_queue_management_through_soco(household: Household) -> None:
    device = soco(household["Kitchen"])
    assert device.queue_size == 0
    first = device.add_uri_to_queue("x-file-cifs://nas/music/a.mp3")
    assert first == 1
    device.add_uri_to_queue("x-file-cifs://nas/music/b.mp3")
    device.add_uri_to_queue("x-file-cifs://nas/music/c.mp3", position=1)
    queue = device.get_queue()
    assert [item.get_uri() for item in queue] == [
        "x-file-cifs://nas/music/c.mp3",
        "x-file-cifs://nas/music/a.mp3",
        "x-file-cifs://nas/music/b.mp3",
    ]
    assert queue.total_matches == 3
    page = device.get_queue(start=1, max_items=1)
    assert [item.get_uri() for item in page] == ["x-file-cifs://nas/music/a.mp3"]
    assert page.number_returned == 1
    assert page.total_matches == 3
    assert page.update_id > queue.update_id - 1
    device.add_multiple_to_queue(list(queue)[:2])
    assert device.queue_size == 5
    device.remove_from_queue(0)
    assert device.queue_size == 4
    before = device.get_queue().update_id
    device.clear_queue()
    after = device.get_queue()
    assert len(after) == 0
    assert after.update_id > before


def test_radio_never_ends(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.play_uri(RADIO, title="Radio One")
    info = device.get_current_track_info()
    assert info["duration"] == "0:00:00"
    assert info["uri"] == RADIO
    assert device.music_source == "RADIO"
    assert info["title"] == "Radio One"
    wait_until(lambda: kitchen.state()["position"] >= 1.05, timeout=3)
    assert device.get_current_track_info()["position"] == "0:00:01"
    assert state_of(kitchen) == "PLAYING"
    assert (
        "Pause"
        not in device.avTransport.GetCurrentTransportActions([("InstanceID", 0)])[
            "Actions"
        ]
    )
    assert _upnp_code(lambda: device.seek("0:00:10")) == "701"
    device.pause()  # accepted, but a stream cannot hold its place: it stops
    assert state_of(kitchen) == "STOPPED"
    assert _upnp_code(device.pause) == "701"


@pytest.mark.parametrize("kind", ["tv", "line_in"])
def test_live_inputs_refuse_pause_and_stop_and_stay_at_zero(
    household: Household, kind: str
) -> None:
    room = household["Living Room"]
    device = soco(room)
    if kind == "tv":
        device.switch_to_tv()
        assert device.is_playing_tv
    else:
        device.switch_to_line_in()
        assert device.is_playing_line_in
    device.play()
    assert _upnp_code(device.pause) == "701"
    time.sleep(0.05)
    info = device.get_current_track_info()
    assert info["position"] == "0:00:00"
    assert info["duration"] == "0:00:00"
    assert room.state()["position"] == 0.0
    assert _upnp_code(device.stop) == "701"
    assert state_of(room) == "PLAYING"


@pytest.mark.parametrize(
    "uri",
    [
        "x-rincon-queue:RINCON_000E5800000201400#6",
        "x-sonos-vli:RINCON_000E5800000201400:2,spotify:e934941535d7b182815bf9b1c4e0f2a6",
    ],
)
def test_app_only_sources_cannot_be_set_over_upnp(
    household: Household, uri: str
) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    assert _upnp_code(lambda: device.play_uri(uri, start=False)) == "714"

    kitchen.set_source(uri, state="PLAYING")  # as the app would
    assert device.get_current_media_info()["uri"] == uri
    device.pause()
    assert state_of(kitchen) == "PAUSED_PLAYBACK"
    device.play()
    assert state_of(kitchen) == "PLAYING"
    time.sleep(0.05)
    assert state_of(kitchen) == "PLAYING"  # never ends by itself


def test_members_refuse_transport_commands(household: Household) -> None:
    kitchen, room = household["Kitchen"], household["Living Room"]
    kitchen.set_source(RADIO)
    household.join("Living Room", "Kitchen")
    forget_topology()
    member = soco(room)
    with pytest.raises(SoCoSlaveException):
        member.play()
    raw = member.avTransport
    calls = {
        "Play": lambda: raw.Play([("InstanceID", 0), ("Speed", 1)]),
        "Pause": lambda: raw.Pause([("InstanceID", 0)]),
        "Stop": lambda: raw.Stop([("InstanceID", 0)]),
        "Seek": lambda: raw.Seek(
            [("InstanceID", 0), ("Unit", "REL_TIME"), ("Target", "0:00:01")]
        ),
        "Next": lambda: raw.Next([("InstanceID", 0)]),
        "Previous": lambda: raw.Previous([("InstanceID", 0)]),
        "SetAVTransportURI": lambda: raw.SetAVTransportURI(
            [("InstanceID", 0), ("CurrentURI", RADIO), ("CurrentURIMetaData", "")]
        ),
    }
    for name, call in calls.items():
        assert _upnp_code(call) == "800", name
    # Reads mirror the coordinator.
    assert state_of(room) == "PLAYING"
    assert member.get_current_track_info()["uri"] == RADIO
    assert member.get_current_media_info()["uri"] == f"x-rincon:{kitchen.uid}"
    assert state_of(kitchen) == "PLAYING"


def test_seek(household: Household) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(_short_queue(3, 100.0))
    device = soco(kitchen)
    device.play_from_queue(0, start=False)
    device.seek(track=2)
    device.seek("0:01:05")
    info = device.get_current_track_info()
    assert (info["playlist_position"], info["position"]) == ("3", "0:01:05")
    assert _upnp_code(lambda: device.seek("0:01:41")) == "711"
    assert _upnp_code(lambda: device.seek(track=3)) == "711"
    assert state_of(kitchen) == "STOPPED"  # seeking keeps the state


def test_fixed_volume(household: Household) -> None:
    coop = household["Chicken Coop"]
    coop.set_fixed_volume(True)
    device = soco(coop)
    assert device.volume == 100
    assert device.fixed_volume is True
    assert device.supports_fixed_volume is True
    for change in (
        lambda: setattr(device, "volume", 30),
        lambda: setattr(device, "bass", 3),
        lambda: setattr(device, "treble", 3),
        lambda: setattr(device, "loudness", False),
        lambda: device.ramp_to_volume(30),
    ):
        assert _upnp_code(change) == "501"
    device.mute = True  # mute still works on a fixed line-out
    assert device.mute is True
    assert coop.state()["volume"] == 100
    snapshot = Snapshot(device)
    snapshot.snapshot()
    snapshot.restore()  # SoCo checks fixed_volume when it saved volume 100
    assert device.mute is True


def test_volume_eq_and_ramp(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.volume = 150  # SoCo clamps
    assert device.volume == 100
    assert device.set_relative_volume(-30) == 70
    assert device.ramp_to_volume(50) == 16  # 20 steps at 1.25 per second
    assert device.volume == 70  # the first step is 0.8 s away (see test_volume.py)
    device.volume = 50  # supersedes the ramp
    device.bass, device.treble, device.loudness = -4, 6, False
    assert (device.bass, device.treble, device.loudness) == (-4, 6, False)
    assert device.fixed_volume is False
    assert device.supports_fixed_volume is False
    volumes = [e["volume"] for e in kitchen.events() if e["kind"] == "volume"]
    assert volumes == [100, 70, 50]


def test_group_volume_and_mute(household: Household) -> None:
    kitchen, room = household["Kitchen"], household["Living Room"]
    kitchen.set_volume(10)
    room.set_volume(30)
    household.join("Living Room", "Kitchen")
    forget_topology()
    group = soco(kitchen).group
    assert group.volume == 20
    group.volume = 40
    assert (kitchen.state()["volume"], room.state()["volume"]) == (20, 60)
    assert group.set_relative_volume(-10) == 30
    group.mute = True
    assert kitchen.state()["mute"]
    assert room.state()["mute"]
    assert group.mute is True
    with pytest.raises(SoCoUPnPException) as err:
        soco(room).groupRenderingControl.GetGroupVolume([("InstanceID", 0)])
    assert err.value.error_code == "701"  # "not the coordinator"


def test_didl_duration_is_honoured_and_default_applies(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    didl = (
        '<DIDL-Lite xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:upnp="urn:schemas-upnp-org:metadata-1-0/upnp/" '
        'xmlns="urn:schemas-upnp-org:metadata-1-0/DIDL-Lite/">'
        '<item id="1" parentID="0" restricted="true">'
        '<res protocolInfo="x-file-cifs:*:audio/mpeg:*" duration="0:00:07">'
        "x-file-cifs://nas/music/short.mp3</res><dc:title>Short</dc:title>"
        "<upnp:class>object.item.audioItem.musicTrack</upnp:class></item></DIDL-Lite>"
    )
    device.avTransport.AddURIToQueue(
        [
            ("InstanceID", 0),
            ("EnqueuedURI", "x-file-cifs://nas/music/short.mp3"),
            ("EnqueuedURIMetaData", didl),
            ("DesiredFirstTrackNumberEnqueued", 0),
            ("EnqueueAsNext", 0),
        ]
    )
    device.add_uri_to_queue("x-file-cifs://nas/music/unknown.mp3")
    device.play_from_queue(0, start=False)
    info = device.get_current_track_info()
    assert (info["title"], info["duration"]) == ("Short", "0:00:07")
    device.seek(track=1)
    assert device.get_current_track_info()["duration"] == "0:03:00"
