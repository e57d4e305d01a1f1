"""The engine against the emulated household: what the speakers report is what counts."""

import threading
import time

import pytest
from soco import SoCo

from custom_components.sonos_chime.engine import (
    ChimeEngine,
    ChimeRequest,
    Outcome,
    TvMode,
)
from sonos_emulator import Household
from tests.conftest import assert_resumed

from .conftest import (
    PROFILES,
    QUEUE,
    RADIO,
    both_profiles,
    changes,
    played_uris,
    settled,
    wait_for,
)


def request(media_server, name: str = "chime_short.mp3", **kwargs) -> ChimeRequest:
    """A chime of a short real file served on 127.0.0.1."""
    return ChimeRequest(media_url=media_server.url(name), **kwargs)


def outcome(result, zone: str) -> Outcome:
    """One zone's outcome."""
    return next(z for z in result.zones if z.name == zone).outcome


@both_profiles
def test_queue_mid_track_resumes_exactly(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.set_play_mode("REPEAT_ALL")
    kitchen.set_crossfade(True)
    kitchen.set_volume(12)
    since = time.monotonic()
    kitchen.play_queue(track=3, position=42.0)

    result = engine.chime(request(media_server, volume=35))
    settled(household)

    chime_url = media_server.url("chime_short.mp3")
    assert outcome(result, "Kitchen") is Outcome.CHIMED
    assert chime_url in played_uris(kitchen)
    volumes = [e["volume"] for e in kitchen.events() if e["kind"] == "volume"]
    assert 35 in volumes
    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert state["track_number"] == 3
    assert result.duration is not None
    assert_resumed(state, 42.0, since, result.duration)
    assert state["queue_length"] == len(QUEUE)
    assert state["volume"] == 12
    assert state["play_mode"] == "REPEAT_ALL"
    assert state["crossfade"] is True
    zone = next(z for z in result.zones if z.name == "Kitchen")
    assert zone.resumed
    assert set(zone.timings) >= {"snapshot", "end", "restore"}
    # The chime never sets EQ, so nothing writes it either.
    assert not {"SetBass", "SetTreble", "SetLoudness"} & set(changes(kitchen))


def test_radio_stream_resumes(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_source(RADIO, state="PLAYING")

    result = engine.chime(request(media_server, zone_names=("Kitchen",)))

    assert outcome(result, "Kitchen") is Outcome.CHIMED
    state = kitchen.state()
    assert state["current_uri"] == RADIO
    assert state["transport_state"] == "PLAYING"
    assert played_uris(kitchen)[-2:] == [media_server.url("chime_short.mp3"), RADIO]


def test_paused_zone_stays_paused(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=75.0, state="PAUSED_PLAYBACK")

    engine.chime(request(media_server, zone_names=("Kitchen",)))

    assert media_server.url("chime_short.mp3") in played_uris(kitchen)
    state = kitchen.state()
    assert state["transport_state"] != "PLAYING"
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert state["track_number"] == 2
    assert state["position"] == pytest.approx(75.0, abs=1.0)
    # Play, as a user would later, carries on from where it was paused.
    SoCo(kitchen.ip).play()
    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["track_number"] == 2
    assert state["position"] == pytest.approx(75.0, abs=1.0)


def test_stopped_zone_stays_stopped(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=4, position=0.0, state="STOPPED")

    result = engine.chime(request(media_server, zone_names=("Kitchen",)))

    assert outcome(result, "Kitchen") is Outcome.CHIMED
    state = kitchen.state()
    assert state["transport_state"] == "STOPPED"
    assert state["track_number"] == 4
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"


@pytest.mark.parametrize("profile", PROFILES)
def test_groups_and_standalone_zone(
    household_factory, engine_for, media_server, profile: str
) -> None:
    household = household_factory(names=["A", "B", "C", "D", "E"], profile=profile)
    household.join("B", "A")
    household.join("D", "C")
    for name, volume in (("A", 10), ("B", 20), ("C", 30), ("D", 40), ("E", 50)):
        household[name].set_volume(volume)
    household["A"].set_source(RADIO)
    household["C"].set_queue(QUEUE)
    since = time.monotonic()
    household["C"].play_queue(track=1, position=10.0)
    before = household.groups()

    result = engine_for(household).chime(request(media_server, volume=25))
    settled(household)

    chime_url = media_server.url("chime_short.mp3")
    assert all(zone.outcome is Outcome.CHIMED for zone in result.zones)
    assert len(result.zones) == 5
    # The chime is loaded on coordinators only; members follow them.
    for coordinator in ("A", "C", "E"):
        assert chime_url in played_uris(household[coordinator])
    for member in ("B", "D"):
        assert "SetAVTransportURI" not in changes(household[member])
    # Every member heard it at the chime volume, and got its own volume back.
    for name, volume in (("A", 10), ("B", 20), ("C", 30), ("D", 40), ("E", 50)):
        speaker = household[name]
        assert 25 in [e["volume"] for e in speaker.events() if e["kind"] == "volume"]
        assert speaker.state()["volume"] == volume
    assert household.groups() == before
    assert household["A"].state()["current_uri"] == RADIO
    assert result.duration is not None
    assert_resumed(household["C"].state(), 10.0, since, result.duration)
    assert result.start_skew is not None


def test_choosing_a_member_chimes_its_whole_group(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    household.join("Living Room", "Kitchen")

    result = engine.chime(request(media_server, zone_names=("Living Room",)))

    assert {z.name for z in result.zones} == {"Kitchen", "Living Room"}
    assert changes(household["Chicken Coop"]) == []
    assert household.groups()[0][:2] == ["Kitchen", "Living Room"]


def test_eq_changed_during_the_chime_is_put_back(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_eq(bass=-3, treble=4, loudness=False)
    kitchen.set_source(RADIO)
    chime_long = media_server.url("chime_long.mp3")

    def meddle() -> None:
        wait_for(lambda: kitchen.state()["track_uri"] == chime_long)
        kitchen.set_eq(bass=9, treble=-9, loudness=True)

    meddler = threading.Thread(target=meddle)
    meddler.start()
    engine.chime(ChimeRequest(chime_long, zone_names=("Kitchen",)))
    meddler.join()

    state = kitchen.state()
    assert (state["bass"], state["treble"], state["loudness"]) == (-3, 4, False)
    assert state["current_uri"] == RADIO


def test_fixed_volume_speaker_is_never_set(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    coop = household["Chicken Coop"]
    coop.set_fixed_volume(True)

    result = engine.chime(request(media_server, volume=50))

    assert outcome(result, "Chicken Coop") is Outcome.CHIMED
    assert "SetVolume" not in changes(coop)
    assert media_server.url("chime_short.mp3") in played_uris(coop)
    assert coop.state()["fixed_volume"] is True


def test_muted_speaker_hears_the_chime_and_is_muted_again(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    household.join("Living Room", "Kitchen")
    room = household["Living Room"]
    room.set_mute(True)
    room.clear_events()

    engine.chime(request(media_server, zone_names=("Kitchen",)))

    mutes = [e["mute"] for e in room.events() if e["kind"] == "mute"]
    assert mutes == [False, True]
    assert room.state()["mute"] is True


@pytest.mark.parametrize(
    "uri",
    [
        "x-rincon-queue:RINCON_000E58000001401400#3",
        "x-sonos-vli:RINCON_1:2,spotify:abc",
    ],
    ids=["cloud_queue", "vli"],
)
def test_app_sources_end_stopped_and_never_replay_the_chime(
    household: Household, engine: ChimeEngine, media_server, uri: str
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_source(uri, state="PLAYING")

    result = engine.chime(request(media_server, zone_names=("Kitchen",)))

    zone = result.zones[0]
    assert zone.outcome is Outcome.CHIMED
    assert zone.reason == "cannot_resume"
    assert not zone.resumed
    assert kitchen.state()["transport_state"] == "STOPPED"
    chime_url = media_server.url("chime_short.mp3")
    fetches = [e for e in kitchen.events() if e["kind"] == "media_fetch"]
    assert [e["url"] for e in fetches] == [chime_url]
    assert played_uris(kitchen).count(chime_url) == 1
    assert changes(kitchen).count("Play") == 1


def test_tv_zone_is_skipped_by_default(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    room = household["Living Room"]
    tv = f"x-sonos-htastream:{room.uid}:spdif"
    room.set_source(tv)

    result = engine.chime(request(media_server))

    zone = next(z for z in result.zones if z.name == "Living Room")
    assert zone.outcome is Outcome.SKIPPED
    assert zone.reason == "tv_source"
    assert changes(room) == []
    assert room.state()["current_uri"] == tv
    assert outcome(result, "Kitchen") is Outcome.CHIMED


@both_profiles
def test_tv_zone_interrupted_gets_its_input_back(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    room = household["Living Room"]
    tv = f"x-sonos-htastream:{room.uid}:spdif"
    room.set_source(tv)

    result = engine.chime(
        request(media_server, zone_names=("Living Room",), tv=TvMode.INTERRUPT)
    )
    settled(household)

    assert result.zones[0].outcome is Outcome.CHIMED
    assert media_server.url("chime_short.mp3") in played_uris(room)
    state = room.state()
    assert state["current_uri"] == tv
    assert state["transport_state"] == "PLAYING"


def test_line_in_zone_is_skipped(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    coop = household["Chicken Coop"]
    coop.set_source(f"x-rincon-stream:{coop.uid}")

    result = engine.chime(request(media_server, zone_names=("Chicken Coop",)))

    assert result.zones[0].outcome is Outcome.SKIPPED
    assert result.zones[0].reason == "line_in_source"
    assert changes(coop) == []


@both_profiles
def test_offline_speaker_is_reported_and_the_others_chime(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    household["Chicken Coop"].go_offline()
    kitchen = household["Kitchen"]
    kitchen.set_source(RADIO)

    result = engine.chime(request(media_server))
    settled(household)

    coop = next(z for z in result.zones if z.name == "Chicken Coop")
    assert coop.outcome is Outcome.FAILED
    assert coop.reason == "unreachable"
    assert outcome(result, "Kitchen") is Outcome.CHIMED
    assert outcome(result, "Living Room") is Outcome.CHIMED
    assert kitchen.state()["current_uri"] == RADIO
    assert kitchen.state()["transport_state"] == "PLAYING"


def test_upnp_fault_during_chime_still_restores(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.set_volume(15)
    since = time.monotonic()
    kitchen.play_queue(track=2, position=30.0)
    kitchen.fail_action("Play", code=701, times=1)

    result = engine.chime(request(media_server, volume=40))

    zone = next(z for z in result.zones if z.name == "Kitchen")
    assert zone.outcome is Outcome.FAILED
    assert zone.reason == "upnp_error"
    assert zone.resumed
    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["track_number"] == 2
    # The chime never started: no silence is sure beyond the pause itself.
    assert_resumed(state, 30.0, since)
    assert state["volume"] == 15
    assert outcome(result, "Living Room") is Outcome.CHIMED


def test_transient_fault_during_restore_is_retried(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    since = time.monotonic()
    kitchen.play_queue(track=3, position=50.0)
    kitchen.fail_action("Seek", code=701, times=1)

    result = engine.chime(request(media_server, zone_names=("Kitchen",)))

    assert result.zones[0].outcome is Outcome.CHIMED
    assert result.zones[0].resumed
    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["track_number"] == 3
    assert result.duration is not None
    assert_resumed(state, 50.0, since, result.duration)


def test_lasting_fault_during_restore_plays_the_source_not_the_chime(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.set_volume(10)
    kitchen.play_queue(track=3, position=50.0)
    kitchen.fail_action("Seek", code=701)

    result = engine.chime(request(media_server, zone_names=("Kitchen",), volume=60))

    zone = result.zones[0]
    assert zone.outcome is Outcome.FAILED
    assert zone.reason == "restore_failed"
    assert not zone.resumed
    state = kitchen.state()
    # Seeking to the track failed too: the zone is left stopped on its queue
    # and reported, never on the chime.
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert state["track_uri"] != media_server.url("chime_short.mp3")
    assert state["volume"] == 10


def test_unreachable_chime_fails_and_every_zone_is_restored(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_source(RADIO)
    missing = media_server.url("missing.mp3")

    result = engine.chime(ChimeRequest(media_url=missing, duration=1.0))

    assert {z.outcome for z in result.zones} == {Outcome.FAILED}
    assert {z.reason for z in result.zones} == {"media_unplayable"}
    for speaker in household.speakers:
        assert missing not in played_uris(speaker)
    assert kitchen.state()["current_uri"] == RADIO
    assert kitchen.state()["transport_state"] == "PLAYING"


@pytest.mark.parametrize("profile", PROFILES)
def test_ten_zones_in_one_call(
    household_factory, engine_for, media_server, profile: str
) -> None:
    names = [f"Zone {n}" for n in range(1, 11)]
    household = household_factory(names=names, profile=profile)
    since = time.monotonic()
    for n, speaker in enumerate(household.speakers, start=1):
        speaker.set_queue(QUEUE)
        speaker.play_queue(track=1 + n % 5, position=float(10 * n))

    result = engine_for(household).chime(request(media_server, volume=20))
    settled(household)

    assert len(result.chimed) == 10
    assert all(zone.resumed for zone in result.zones)
    assert result.duration is not None
    for n, speaker in enumerate(household.speakers, start=1):
        state = speaker.state()
        assert state["track_number"] == 1 + n % 5
        assert_resumed(state, 10.0 * n, since, result.duration)
    assert result.start_skew is not None
