"""Restore under faults: every change recorded before it is made, every field
put back on its own, and never music at chime settings or the chime left loaded.
"""

from collections.abc import Callable, Iterator
from pathlib import Path
import threading
import time
import wave

import pytest
from soco import SoCo

from custom_components.sonos_chime.engine import (
    ChimeEngine,
    ChimeRequest,
    ChimeResult,
    Outcome,
    Reason,
    ZoneResult,
)
from sonos_emulator import Household, Speaker
from tests.conftest import MediaServer, assert_resumed

from .conftest import (
    QUEUE,
    RADIO,
    both_profiles,
    played_uris,
    settled,
    wait_for,
)

MUSIC_SECONDS = 120


@pytest.fixture(scope="module")
def music_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real two-minute file and the chimes, served like a NAS would."""
    directory = tmp_path_factory.mktemp("music")
    with wave.open(str(directory / "song.wav"), "wb") as song:
        song.setnchannels(1)
        song.setsampwidth(1)
        song.setframerate(8000)
        song.writeframes(b"\x80" * 8000 * MUSIC_SECONDS)
    source = Path(__file__).parents[1] / "media"
    for name in ("chime_short.mp3", "chime_long.mp3"):
        (directory / name).write_bytes((source / name).read_bytes())
    return directory


@pytest.fixture
def music_server(music_dir: Path, emulator_network: None) -> Iterator[MediaServer]:
    """Serves the music and the chimes."""
    server = MediaServer(music_dir).start()
    yield server
    server.stop()


def zone(result: ChimeResult, name: str) -> ZoneResult:
    """One zone's result."""
    return next(z for z in result.zones if z.name == name)


def playing_queue(speaker: Speaker, *, volume: int = 10, mute: bool = False) -> None:
    """Track 2 of the local queue, 30 s in."""
    speaker.set_queue(QUEUE)
    speaker.set_volume(volume)
    speaker.set_mute(mute)
    speaker.play_queue(track=2, position=30.0)


def chime_meanwhile(
    engine: ChimeEngine,
    request: ChimeRequest,
    speaker: Speaker,
    then: Callable[[], None],
) -> ChimeResult:
    """Chime, and run ``then`` once the speaker plays the chime.

    Playing means the chime's own volumes are set: what ``then`` breaks can
    only hit the restore.
    """
    results: list[ChimeResult] = []
    worker = threading.Thread(target=lambda: results.append(engine.chime(request)))
    worker.start()
    wait_for(
        lambda: (
            (state := speaker.state())["track_uri"] == request.media_url
            and state["transport_state"] == "PLAYING"
        )
    )
    then()
    worker.join(timeout=30)
    assert results, "the chime did not return"
    return results[0]


def test_failed_chime_volume_keeps_a_muted_speaker_muted(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """The unmute is recorded before it is made, so restore mutes again."""
    kitchen = household["Kitchen"]
    playing_queue(kitchen, mute=True)
    kitchen.fail_action("SetVolume", times=1)  # the chime's volume

    result = engine.chime(
        ChimeRequest(
            media_server.url("chime_short.mp3"), zone_names=("Kitchen",), volume=40
        )
    )

    assert zone(result, "Kitchen").outcome is Outcome.FAILED
    state = kitchen.state()
    assert state["mute"] is True
    assert state["volume"] == 10
    assert state["transport_state"] == "PLAYING"
    assert state["track_number"] == 2


@both_profiles
def test_failed_volume_restore_still_mutes_and_never_plays_loud(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """Volume cannot go back: mute still does, and the music stays paused."""
    kitchen = household["Kitchen"]
    playing_queue(kitchen, mute=True)
    request = ChimeRequest(
        media_server.url("chime_long.mp3"), zone_names=("Kitchen",), volume=40
    )

    result = chime_meanwhile(
        engine, request, kitchen, lambda: kitchen.fail_action("SetVolume")
    )

    kitchen_result = zone(result, "Kitchen")
    assert kitchen_result.outcome is Outcome.FAILED
    assert kitchen_result.reason is Reason.RESTORE_FAILED
    assert "volume" in (kitchen_result.detail or "")
    assert kitchen_result.resumed is False
    state = kitchen.state()
    assert state["mute"] is True
    assert state["transport_state"] != "PLAYING"  # not at chime volume
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert state["track_number"] == 2


def test_a_member_volume_that_cannot_go_back_keeps_its_group_paused(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """One speaker at chime volume is enough to hold the whole group back."""
    kitchen, room = household["Kitchen"], household["Living Room"]
    playing_queue(kitchen, volume=12)
    room.set_volume(14)
    household.join("Living Room", "Kitchen")
    request = ChimeRequest(
        media_server.url("chime_long.mp3"), zone_names=("Kitchen",), volume=40
    )

    result = chime_meanwhile(
        engine, request, kitchen, lambda: room.fail_action("SetVolume")
    )

    assert zone(result, "Living Room").reason is Reason.RESTORE_FAILED
    assert zone(result, "Kitchen").resumed is False
    assert kitchen.state()["transport_state"] != "PLAYING"
    assert kitchen.state()["volume"] == 12
    assert kitchen.state()["track_number"] == 2


def test_media_info_error_after_the_chime_still_resumes(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """Reads after the chime decide nothing: the recorded restore does."""
    kitchen = household["Kitchen"]
    playing_queue(kitchen)
    request = ChimeRequest(media_server.url("chime_long.mp3"), zone_names=("Kitchen",))

    result = chime_meanwhile(
        engine, request, kitchen, lambda: kitchen.fail_action("GetMediaInfo")
    )

    kitchen_result = zone(result, "Kitchen")
    assert (kitchen_result.outcome, kitchen_result.resumed) == (Outcome.CHIMED, True)
    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["track_number"] == 2


@both_profiles
def test_http_file_resumes_at_its_position(
    household: Household, engine: ChimeEngine, music_server: MediaServer
) -> None:
    """A plain http(s) file comes back where it was, not at 0 s."""
    kitchen = household["Kitchen"]
    song = music_server.url("song.wav")
    kitchen.set_source(song, state="PLAYING", duration=float(MUSIC_SECONDS))
    SoCo(kitchen.ip).seek("0:00:40")  # as the app would
    since = time.monotonic()

    result = engine.chime(
        ChimeRequest(music_server.url("chime_short.mp3"), zone_names=("Kitchen",))
    )
    settled(household)

    kitchen_result = zone(result, "Kitchen")
    assert (kitchen_result.outcome, kitchen_result.resumed) == (Outcome.CHIMED, True)
    state = kitchen.state()
    assert state["current_uri"] == song
    assert result.duration is not None
    assert_resumed(state, 40.0, since, result.duration)


def test_nothing_loaded_ends_with_nothing_loaded(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """An idle zone is not left holding the chime, which play would replay."""
    coop = household["Chicken Coop"]
    assert coop.state()["current_uri"] == ""

    result = engine.chime(
        ChimeRequest(media_server.url("chime_short.mp3"), zone_names=("Chicken Coop",))
    )

    assert zone(result, "Chicken Coop").outcome is Outcome.CHIMED
    state = coop.state()
    assert state["transport_state"] == "STOPPED"
    assert state["track_uri"] != media_server.url("chime_short.mp3")
    assert media_server.url("chime_short.mp3") not in state["current_uri"]


@both_profiles
def test_paused_stays_paused_without_a_sound(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """Paused comes back PAUSED_PLAYBACK at its track and position, unheard."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.set_volume(10)
    kitchen.play_queue(track=2, position=75.0, state="PAUSED_PLAYBACK")
    kitchen.clear_events()

    result = engine.chime(
        ChimeRequest(media_server.url("chime_short.mp3"), zone_names=("Kitchen",))
    )
    settled(household)

    kitchen_result = zone(result, "Kitchen")
    assert kitchen_result.outcome is Outcome.CHIMED
    assert kitchen_result.resumed is False  # it was not playing
    state = kitchen.state()
    assert state["transport_state"] == "PAUSED_PLAYBACK"
    assert state["track_number"] == 2
    assert state["position"] == pytest.approx(75.0, abs=1.0)
    assert state["mute"] is False
    assert state["volume"] == 10
    # Whenever the queue played on the way back, the speaker was muted.
    muted = False
    for event in kitchen.events():
        if event["kind"] == "mute":
            muted = event["mute"]
        queue_playing = (
            event["kind"] == "transport"
            and event["state"] == "PLAYING"
            and event["uri"] != media_server.url("chime_short.mp3")
        )
        assert not queue_playing or muted, event


@pytest.mark.parametrize("state", ["PAUSED_PLAYBACK", "STOPPED"])
def test_resumed_only_when_it_plays_again(
    household: Household, engine: ChimeEngine, media_server, state: str
) -> None:
    """`resumed` means playing again, not merely put back."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=10.0, state=state)

    result = engine.chime(
        ChimeRequest(media_server.url("chime_short.mp3"), zone_names=("Kitchen",))
    )

    assert zone(result, "Kitchen").resumed is False


def test_play_mode_comes_back_after_the_app_regroups_mid_chime(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """The Sonos app pulls the zone into another group while it chimes."""
    kitchen = household["Kitchen"]
    playing_queue(kitchen)
    kitchen.set_play_mode("SHUFFLE")
    kitchen.set_crossfade(True)
    request = ChimeRequest(media_server.url("chime_long.mp3"), zone_names=("Kitchen",))

    result = chime_meanwhile(
        engine, request, kitchen, lambda: household.join("Kitchen", "Living Room")
    )
    settled(household)

    assert zone(result, "Kitchen").resumed is True
    state = kitchen.state()
    assert state["coordinator_uid"] == kitchen.uid
    assert state["transport_state"] == "PLAYING"
    assert state["track_number"] == 2
    assert state["play_mode"] == "SHUFFLE"
    assert state["crossfade"] is True


def test_radio_at_chime_volume_is_never_heard(
    household: Household, engine: ChimeEngine, media_server
) -> None:
    """A radio whose volume cannot go back stays stopped, never plays loud."""
    kitchen = household["Kitchen"]
    kitchen.set_source(RADIO, state="PLAYING")
    kitchen.set_volume(10)
    request = ChimeRequest(
        media_server.url("chime_long.mp3"), zone_names=("Kitchen",), volume=50
    )

    result = chime_meanwhile(
        engine, request, kitchen, lambda: kitchen.fail_action("SetVolume")
    )

    kitchen_result = zone(result, "Kitchen")
    assert (kitchen_result.reason, kitchen_result.resumed) == (
        Reason.RESTORE_FAILED,
        False,
    )
    assert kitchen.state()["volume"] == 50
    assert kitchen.state()["transport_state"] != "PLAYING"
    assert played_uris(kitchen)[-1] == request.media_url  # the radio never again
    assert kitchen.state()["current_uri"] == RADIO  # loaded, for play by hand
