"""The transitions real speakers refuse, with the codes SoCo users report."""

from collections.abc import Callable

import pytest
import requests
from soco.exceptions import SoCoUPnPException

from sonos_emulator import Household, Track

from .conftest import soco, state_of, wait_until

QUEUE = [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}", 180.0) for n in (1, 2)]
RADIO = "x-sonosapi-stream:s24896?sid=254&flags=8224&sn=0"


def upnp_code(call: Callable[[], object]) -> str:
    """The UPnP error code the speaker answered ``call`` with."""
    with pytest.raises(SoCoUPnPException) as err:
        call()
    return err.value.error_code


def test_pause_twice_is_refused(household: Household) -> None:
    """SoCo #454: pausing a paused speaker answers 701."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    device = soco(kitchen)
    device.play_from_queue(0)
    device.pause()
    assert state_of(kitchen) == "PAUSED_PLAYBACK"
    assert upnp_code(device.pause) == "701"
    assert state_of(kitchen) == "PAUSED_PLAYBACK"


def test_pause_while_stopped_is_refused(household: Household) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    device = soco(kitchen)
    device.play_from_queue(0, start=False)
    assert state_of(kitchen) == "STOPPED"
    assert upnp_code(device.pause) == "701"


def test_previous_at_the_first_track_and_next_at_the_last(
    household: Household,
) -> None:
    """Stepping past either end of a queue without repeat answers 711."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    device = soco(kitchen)
    device.play_from_queue(0)
    assert upnp_code(device.previous) == "711"
    device.next()
    assert upnp_code(device.next) == "711"
    assert kitchen.state()["track_number"] == 2


def test_play_mode_needs_the_queue(household: Household) -> None:
    """SetPlayMode while a stream plays answers 712; the queue takes it."""
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.play_uri(RADIO, title="Radio")
    assert upnp_code(lambda: setattr(device, "play_mode", "SHUFFLE")) == "712"
    kitchen.set_queue(QUEUE)
    device.play_from_queue(0)
    device.play_mode = "SHUFFLE"
    assert device.play_mode == "SHUFFLE"


def test_clearing_an_empty_queue_is_no_refusal(household: Household) -> None:
    """Apps clear before they queue, empty or not: the speaker takes it."""
    device = soco(household["Kitchen"])
    device.clear_queue()
    assert device.queue_size == 0
    device.add_uri_to_queue("x-file-cifs://nas/music/a.mp3")
    device.clear_queue()
    assert device.queue_size == 0


def test_group_volume_on_a_member_is_refused(household: Household) -> None:
    household.join("Living Room", "Kitchen")
    member = soco(household["Living Room"])
    call = member.groupRenderingControl.SetGroupVolume
    code = upnp_code(lambda: call([("InstanceID", 0), ("DesiredVolume", 10)]))
    assert code == "701"  # "not the coordinator"


def test_inputs_refuse_pause_and_stop(household: Household) -> None:
    """Soundbars on TV answer 701 to pause and to stop (SoCo #805)."""
    room = household["Living Room"]
    device = soco(room)
    device.switch_to_tv()
    device.play()
    assert upnp_code(device.pause) == "701"
    assert upnp_code(device.stop) == "701"
    assert state_of(room) == "PLAYING"


def test_radio_stops_when_paused(household: Household) -> None:
    """A stream cannot hold its place: pause ends it STOPPED, a second one is 701."""
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.play_uri(RADIO, title="Radio")
    device.pause()
    assert state_of(kitchen) == "STOPPED"
    assert upnp_code(device.pause) == "701"
    device.play()
    assert state_of(kitchen) == "PLAYING"


def test_unfetchable_media_plays_and_ends_stopped_with_an_error(
    household: Household, media_server
) -> None:
    """Play is accepted; the speaker then reports STOPPED and ERROR_NO_CONTENT."""
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.play_uri(media_server.url("missing.mp3"), title="Gone")
    wait_until(lambda: kitchen.state()["transport_state"] == "STOPPED")
    info = device.get_current_transport_info()
    assert info["current_transport_state"] == "STOPPED"
    assert info["current_transport_status"] == "ERROR_NO_CONTENT"
    fetch = [e for e in kitchen.events() if e["kind"] == "media_fetch"]
    assert fetch[-1]["status"] == 404


def test_upnp_switched_off_answers_403_to_everything(household: Household) -> None:
    """home-assistant/core#151258: "403 Client Error: Forbidden" from SoCo."""
    kitchen = household["Kitchen"]
    kitchen.set_upnp(False)
    device = soco(kitchen)
    description = requests.get(
        f"http://{kitchen.ip}:1400/xml/device_description.xml", timeout=5
    )
    assert (description.status_code, description.text) == (403, "Forbidden")
    with pytest.raises(requests.HTTPError) as err:
        device.volume = 30
    assert err.value.response.status_code == 403
    assert kitchen.state()["volume"] != 30  # the emulator's own view still answers

    kitchen.set_upnp(True)
    device.volume = 30
    assert kitchen.state()["volume"] == 30
