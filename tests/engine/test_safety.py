"""Refusals before anything is touched, serialisation, settling and regrouping."""

import json
import threading
import time

import pytest

from custom_components.sonos_chime.engine import (
    ChimeEngine,
    ChimeRequest,
    HouseholdBusyError,
    HouseholdUnreachableError,
    MediaUnavailableError,
    Outcome,
    UnknownZoneError,
)
from sonos_emulator import Household
from tests.conftest import assert_resumed

from .conftest import (
    QUEUE,
    RADIO,
    both_profiles,
    changes,
    played_uris,
    settled,
    wait_for,
)


def test_unknown_zone_is_refused_before_any_speaker_changes(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    with pytest.raises(UnknownZoneError) as err:
        engine.chime(
            ChimeRequest(
                media_server.url("chime_short.mp3"), zone_names=("Kitchen", "Attic")
            )
        )
    assert err.value.names == ["Attic"]
    assert err.value.known == ["Chicken Coop", "Kitchen", "Living Room"]
    assert all(changes(speaker) == [] for speaker in household.speakers)


@pytest.mark.parametrize("name", ["missing.mp3", "not_audio.txt"])
def test_unplayable_media_is_refused_before_any_speaker_changes(
    household: Household, engine: ChimeEngine, media_server, name: str
) -> None:
    with pytest.raises(MediaUnavailableError):
        engine.chime(ChimeRequest(media_server.url(name)))
    assert all(changes(speaker) == [] for speaker in household.speakers)


def test_unreachable_household_is_refused(household: Household, media_server) -> None:
    for speaker in household.speakers:
        speaker.go_offline()
    engine = ChimeEngine([speaker.ip for speaker in household.speakers])
    with pytest.raises(HouseholdUnreachableError):
        engine.chime(ChimeRequest(media_server.url("chime_short.mp3"), duration=0.6))


@both_profiles
def test_overlapping_chimes_restore_the_state_from_before_the_first(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.set_volume(8)
    since = time.monotonic()
    kitchen.play_queue(track=2, position=20.0)
    results = []

    def chime(name: str, volume: int) -> None:
        results.append(
            engine.chime(
                ChimeRequest(
                    media_server.url(name), zone_names=("Kitchen",), volume=volume
                )
            )
        )

    first = threading.Thread(target=chime, args=("chime_long.mp3", 30))
    first.start()
    chime_long = media_server.url("chime_long.mp3")
    wait_for(lambda: kitchen.state()["track_uri"] == chime_long)
    chime("chime_short.mp3", 50)  # Asked for while the first one plays.
    first.join()
    settled(household)

    assert [r.zones[0].outcome for r in results] == [Outcome.CHIMED] * 2
    queue = f"x-rincon-queue:{kitchen.uid}#0"
    # Queue, first chime, queue, second chime, queue: never a chime restored.
    assert played_uris(kitchen) == [
        queue,
        chime_long,
        queue,
        media_server.url("chime_short.mp3"),
        queue,
    ]
    state = kitchen.state()
    assert state["volume"] == 8
    assert state["track_number"] == 2
    # Both chimes sounded while the music stood still.
    silent = sum(result.duration or 0.0 for result in results)
    assert_resumed(state, 20.0, since, silent)


def test_a_chime_that_waits_too_long_is_refused(
    household: Household, engine_for, media_server
) -> None:
    engine = engine_for(household, busy_timeout=0.1)
    kitchen = household["Kitchen"]
    first = threading.Thread(
        target=engine.chime,
        args=(
            ChimeRequest(media_server.url("chime_long.mp3"), zone_names=("Kitchen",)),
        ),
    )
    first.start()
    wait_for(lambda: kitchen.state()["track_uri"] == media_server.url("chime_long.mp3"))
    with pytest.raises(HouseholdBusyError):
        engine.chime(ChimeRequest(media_server.url("chime_short.mp3")))
    first.join()


def test_transitioning_zone_is_waited_for(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_source(RADIO)
    kitchen.transition_for(0.4)

    result = engine.chime(
        ChimeRequest(media_server.url("chime_short.mp3"), zone_names=("Kitchen",))
    )

    assert result.zones[0].outcome is Outcome.CHIMED
    assert kitchen.state()["transport_state"] == "PLAYING"
    assert kitchen.state()["current_uri"] == RADIO


@both_profiles
def test_group_broken_during_the_chime_is_put_back(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    household.join("Living Room", "Kitchen")
    kitchen = household["Kitchen"]
    kitchen.set_source(RADIO)
    chime_long = media_server.url("chime_long.mp3")

    def break_group() -> None:
        wait_for(lambda: kitchen.state()["track_uri"] == chime_long)
        household.unjoin("Living Room")

    breaker = threading.Thread(target=break_group)
    breaker.start()
    result = engine.chime(ChimeRequest(chime_long, zone_names=("Kitchen",)))
    breaker.join()

    assert (
        household.groups()[0][:2] == ["Kitchen", "Living Room"]
        or [
            "Kitchen",
            "Living Room",
        ]
        in household.groups()
    )
    assert {z.name: z.outcome for z in result.zones} == {
        "Kitchen": Outcome.CHIMED,
        "Living Room": Outcome.CHIMED,
    }
    assert kitchen.state()["current_uri"] == RADIO
    # The rejoin went over UPnP, so the engine waited for the topology to show it.
    rejoined = [e for e in household["Living Room"].events() if e["kind"] == "soap"]
    assert "SetAVTransportURI" in [e["action"] for e in rejoined]


def test_excluded_zones_are_left_out_or_muted_with_their_group(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    household.join("Living Room", "Kitchen")
    room, coop = household["Living Room"], household["Chicken Coop"]
    room.set_volume(22)

    result = engine.chime(
        ChimeRequest(
            media_server.url("chime_short.mp3"),
            volume=40,
            exclude_uids=frozenset({room.uid, coop.uid}),
        )
    )

    outcomes = {z.name: (z.outcome, z.reason) for z in result.zones}
    assert outcomes == {
        "Kitchen": (Outcome.CHIMED, None),
        "Living Room": (Outcome.SKIPPED, "excluded"),
        "Chicken Coop": (Outcome.SKIPPED, "excluded"),  # alone, never touched
    }
    # The member stayed in its group but was muted for the chime, never loud.
    assert [e["mute"] for e in room.events() if e["kind"] == "mute"] == [True, False]
    assert 40 not in [e["volume"] for e in room.events() if e["kind"] == "volume"]
    assert room.state()["mute"] is False
    assert room.state()["volume"] == 22
    assert changes(coop) == []
    assert ["Kitchen", "Living Room"] in household.groups()


def test_result_is_json_serialisable(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    household["Living Room"].go_offline()
    result = engine.chime(ChimeRequest(media_server.url("chime_short.mp3")))
    data = json.loads(json.dumps(result.as_dict()))
    assert set(data["zones"]) == {"Kitchen", "Living Room", "Chicken Coop"}
    assert data["zones"]["Living Room"]["outcome"] == "failed"
    assert data["duration"] == pytest.approx(0.6, abs=0.1)


def test_two_engines_on_one_household_take_turns(
    household: Household, engine_for, media_server
) -> None:
    """A second engine (an entry reloaded mid-chime) waits for the first."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.set_volume(8)
    kitchen.play_queue(track=2, position=20.0)
    first, second = engine_for(household), engine_for(household)
    results = []
    long_chime = media_server.url("chime_long.mp3")
    worker = threading.Thread(
        target=lambda: results.append(
            first.chime(ChimeRequest(long_chime, zone_names=("Kitchen",), volume=30))
        )
    )
    worker.start()
    wait_for(lambda: kitchen.state()["track_uri"] == long_chime)

    results.append(
        second.chime(
            ChimeRequest(media_server.url("chime_short.mp3"), zone_names=("Kitchen",))
        )
    )
    worker.join(timeout=30)

    assert [r.zones[0].resumed for r in results] == [True, True]
    queue = f"x-rincon-queue:{kitchen.uid}#0"
    assert played_uris(kitchen)[-4:] == [
        long_chime,
        queue,
        media_server.url("chime_short.mp3"),
        queue,
    ]
    state = kitchen.state()
    assert (state["volume"], state["track_number"]) == (8, 2)
    assert state["transport_state"] == "PLAYING"
