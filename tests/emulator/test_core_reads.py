"""What Home Assistant core's Sonos integration reads while it sets a speaker up.

The calls are core's own (``__init__.py`` discovery and ``_add_speaker``,
``SonosAlarms``/``SonosFavorites.setup``, ``SonosSpeaker.setup``, and the
number/switch platforms), made through real SoCo, and must answer as a
mains-powered S2 Sonos One does.
"""

from collections.abc import Iterator
import datetime
import re

from homeassistant.components.sonos import (
    number as core_number,
    switch as core_switch,
)
import pytest
from soco import events
from soco.alarms import Alarms, get_alarms
from soco.events_base import SubscriptionBase
from soco.exceptions import NotSupportedException, SoCoUPnPException

from sonos_emulator import DEFAULT_NAMES, Household

from .conftest import soco

TV = [("Source", "TV")]
# Core's own probes (number.py and switch.py), so the emulator keeps up with them.
LEVEL_TYPES = tuple(core_number.LEVEL_TYPES)
ALL_SUBST_FEATURES = core_switch.ALL_SUBST_FEATURES
ALL_FEATURES = core_switch.ALL_FEATURES


@pytest.fixture
def subscriptions() -> Iterator[list[SubscriptionBase]]:
    """SoCo subscriptions a test opens; ended, with SoCo's listener, afterwards."""
    opened: list[SubscriptionBase] = []
    yield opened
    for subscription in opened:
        subscription.unsubscribe()
    events.event_listener.stop()


def test_speaker_setup_reads_all_answer(household: Household) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    # Discovery and _add_speaker.
    assert device.household_id == "Sonos_emulated"
    assert {zone.player_name for zone in device.visible_zones} == set(DEFAULT_NAMES)
    info = device.get_speaker_info(True, timeout=7)
    assert (info["model_name"], info["model_number"]) == ("Sonos One", "S18")
    assert info["zone_name"] == "Kitchen"
    assert device.boot_seqnum == 12
    # SonosAlarms.setup, SonosFavorites.setup, add_speaker.
    alarms = Alarms()
    alarms.update(device)
    alarms.update_skipped(device)
    assert len(alarms) == 0
    favorites = device.music_library.get_sonos_favorites(full_album_art_uri=True)
    assert (len(favorites), favorites.update_id) == (0, 1)
    playlists = device.music_library.get_music_library_information(
        "sonos_playlists", full_album_art_uri=True
    )
    assert len(playlists) == 0
    # SonosSpeaker.setup: play mode, volume, groups, media, then the probes.
    assert device.play_mode == "NORMAL"
    assert (device.volume, device.mute) == (20, False)
    assert device.group.coordinator == device
    assert [member.is_visible for member in device.group.members] == [True]
    assert device.get_current_transport_info()["current_transport_state"] == "STOPPED"
    assert device.get_current_track_info()["uri"] == ""
    assert device.soundbar_audio_input_format is None  # no audio-format sensor
    with pytest.raises(NotSupportedException):
        device.get_battery_info()  # no battery entities
    assert device.mic_enabled is None  # no voice service: no mic sensor yet
    # Availability ping.
    ping = device.renderingControl.GetVolume(
        [("InstanceID", 0), ("Channel", "Master")], timeout=1
    )
    assert ping == {"CurrentVolume": "20"}


def test_platform_probes_find_a_sonos_ones_features(household: Household) -> None:
    device = soco(household["Kitchen"])
    levels = {level: getattr(device, level) for level in LEVEL_TYPES}
    assert levels == {
        "audio_delay": None,
        "bass": 0,
        "balance": (100, 100),
        "treble": 0,
        "sub_crossover": None,
        "sub_gain": None,
        "surround_level": None,
        "music_surround_level": None,
    }
    assert {feature: getattr(device, feature) for feature in ALL_SUBST_FEATURES} == {
        "speech_enhance_enabled": None
    }
    switches = {feature: getattr(device, feature) for feature in ALL_FEATURES}
    assert switches == {
        "buttons_enabled": True,
        "cross_fade": False,
        "loudness": True,
        "surround_mode": None,
        "night_mode": None,
        "dialog_level": None,
        "sub_enabled": None,
        "surround_enabled": None,
        "status_light": True,
    }
    # No TV input: core makes no TV autoplay switches when these refuse.
    for read in (
        device.deviceProperties.GetAutoplayRoomUUID,
        device.deviceProperties.GetAutoplayLinkedZones,
    ):
        with pytest.raises(SoCoUPnPException):
            read(TV)


def test_alarms_are_read_with_their_zones(household: Household) -> None:
    kitchen, room = household["Kitchen"], household["Living Room"]
    device = soco(kitchen)
    assert get_alarms(device) == set()
    household.add_alarm(room, start_time="06:30:00", recurrence="WEEKDAYS", volume=25)
    household.add_alarm(kitchen, duration="", enabled=False, include_linked_zones=True)
    alarms = Alarms()
    alarms.update(device)
    assert alarms.last_alarm_list_version == f"{kitchen.uid}:3"
    wake, quiet = alarms["1"], alarms["2"]
    assert wake.zone == soco(room)
    assert wake.start_time == datetime.time(6, 30)
    assert wake.duration == datetime.time(2, 0)
    assert (wake.recurrence, wake.volume, wake.enabled) == ("WEEKDAYS", 25, True)
    assert wake.program_uri is None  # the built-in chime
    assert (wake.play_mode, wake.include_linked_zones) == ("SHUFFLE_NOREPEAT", False)
    assert quiet.zone == device
    assert quiet.duration is None
    assert (quiet.enabled, quiet.include_linked_zones) == (False, True)
    # The list is household-wide: every speaker gives the same version.
    answer = soco(room).alarmClock.ListAlarms()
    assert answer["CurrentAlarmListVersion"] == alarms.last_alarm_list_version


def test_favorites_are_empty_and_agree_with_their_event(
    household: Household, subscriptions: list[SubscriptionBase]
) -> None:
    device = soco(household["Kitchen"])
    favorites = device.music_library.get_sonos_favorites()
    assert len(favorites) == 0
    subscription = device.contentDirectory.subscribe()
    subscriptions.append(subscription)
    variables = subscription.events.get(timeout=5).variables
    # Core's SonosFavorites.async_process_event reads exactly these.
    assert variables["favorites_update_id"].split(",") == [device.uid, "1"]
    match = re.search(r"FV:2,(\d+)", variables["container_update_i_ds"])
    assert match is not None
    assert int(match.group(1)) == favorites.update_id


def test_alarm_and_device_property_events_carry_what_core_reads(
    household: Household, subscriptions: list[SubscriptionBase]
) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    alarm_clock = device.alarmClock.subscribe()
    properties = device.deviceProperties.subscribe()
    subscriptions.extend([alarm_clock, properties])
    first = alarm_clock.events.get(timeout=5).variables
    assert first["alarm_list_version"] == f"{kitchen.uid}:1"
    assert set(first) == {
        "time_zone",
        "time_server",
        "time_generation",
        "alarm_list_version",
        "daily_index_refresh_time",
        "time_format",
        "date_format",
    }
    household.add_alarm(kitchen)
    changed = alarm_clock.events.get(timeout=5).variables
    assert changed == {"alarm_list_version": f"{kitchen.uid}:2"}
    # Core: mic_enabled must read as an int; an empty more_info means no battery.
    shown = properties.events.get(timeout=5).variables
    assert shown["zone_name"] == "Kitchen"
    assert int(shown["mic_enabled"]) == 0
    assert not shown["more_info"]
    assert (shown["invisible"], shown["is_zone_bridge"]) == ("0", "0")
    assert shown["supports_audio_clip"] == "1"
