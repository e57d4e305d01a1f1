"""Plain http chimes: fetched for real, played for their real length; Snapshot."""

from pathlib import Path
import socket
import time
import wave

import pytest
from soco.snapshot import Snapshot

from sonos_emulator import Household, Track
from tests.conftest import MediaServer

from .conftest import soco, state_of, transport_events, wait_until

MEDIA = Path(__file__).parents[1] / "media"
QUEUE = [
    Track(f"x-file-cifs://nas/music/{n:02}.mp3", f"Song {n}", 180.0)
    for n in range(1, 6)
]


def _fetches(household: Household) -> list[dict]:
    return [e for e in household.events() if e["kind"] == "media_fetch"]


def _closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (connection refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_mp3_chime_plays_for_its_real_duration(
    household: Household, media_server: MediaServer
) -> None:
    kitchen = household["Kitchen"]
    url = media_server.url("chime_short.mp3")
    device = soco(kitchen)
    device.play_uri(url, title="Chime")

    wait_until(lambda: state_of(kitchen) == "PLAYING", timeout=3)
    wait_until(lambda: state_of(kitchen) == "STOPPED", timeout=0.63 + 1)

    info = device.get_current_track_info()
    assert info["uri"] == url  # the chime stays loaded
    assert info["position"] == "0:00:00"
    (fetch,) = _fetches(household)
    assert fetch["status"] == 200
    assert fetch["content_type"] == "audio/mpeg"
    assert fetch["duration"] == pytest.approx(0.627, abs=0.05)
    states = [state for state, uri in transport_events(kitchen) if uri == url]
    assert states == ["STOPPED", "TRANSITIONING", "PLAYING", "STOPPED"]
    times = {e["state"]: e["t"] for e in kitchen.events() if e["kind"] == "transport"}
    assert times["STOPPED"] - times["PLAYING"] == pytest.approx(0.627, abs=0.05)


def test_wav_chime_and_replay_on_play(
    household: Household, media_server: MediaServer
) -> None:
    kitchen = household["Kitchen"]
    url = media_server.url("chime_short.wav")
    device = soco(kitchen)
    device.play_uri(url)
    wait_until(lambda: len(_fetches(household)) == 1 and state_of(kitchen) == "STOPPED")
    assert _fetches(household)[0]["duration"] == pytest.approx(0.6, abs=0.01)
    device.play()  # a real speaker fetches and plays the chime again
    wait_until(lambda: len(_fetches(household)) == 2 and state_of(kitchen) == "STOPPED")
    playing = [s for s, u in transport_events(kitchen) if u == url and s == "PLAYING"]
    assert len(playing) == 2


def test_generated_wav_from_any_server(household: Household, tmp_path: Path) -> None:
    """Durations come from the bytes, not from a fixed table."""
    with wave.open(str(tmp_path / "beep.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * 2400)  # 0.3 s
    server = MediaServer(tmp_path).start()
    try:
        soco(household["Kitchen"]).play_uri(server.url("beep.wav"))
        wait_until(
            lambda: state_of(household["Kitchen"]) == "STOPPED" and _fetches(household)
        )
    finally:
        server.stop()
    assert _fetches(household)[0]["duration"] == pytest.approx(0.3)


@pytest.mark.parametrize("case", ["unreachable", "404", "not_audio"])
def test_bad_chime_never_plays(
    household: Household, media_server: MediaServer, case: str
) -> None:
    kitchen = household["Kitchen"]
    url = {
        "unreachable": f"http://127.0.0.1:{_closed_port()}/chime.mp3",
        "404": media_server.url("missing.mp3"),
        "not_audio": media_server.url("not_audio.txt"),
    }[case]
    soco(kitchen).play_uri(url, title="Chime")
    wait_until(lambda: _fetches(household))
    assert state_of(kitchen) == "STOPPED"
    (fetch,) = _fetches(household)
    assert fetch["error"]
    assert fetch["duration"] is None
    if case == "404":
        assert fetch["status"] == 404
    if case == "not_audio":
        assert fetch["content_type"] == "text/plain"
    assert "PLAYING" not in [state for state, _ in transport_events(kitchen)]


def test_pause_and_resume_keep_the_position(
    household: Household, media_server: MediaServer
) -> None:
    kitchen = household["Kitchen"]
    device = soco(kitchen)
    device.play_uri(media_server.url("chime_long.mp3"))
    wait_until(lambda: kitchen.state()["position"] >= 0.3, timeout=3)
    device.pause()
    paused_at = kitchen.state()["position"]
    assert state_of(kitchen) == "PAUSED_PLAYBACK"
    time.sleep(0.1)
    assert kitchen.state()["position"] == paused_at
    device.play()  # resumes: no second fetch
    assert state_of(kitchen) == "PLAYING"
    wait_until(lambda: state_of(kitchen) == "STOPPED", timeout=2.5)
    assert len(_fetches(household)) == 1


def test_snapshot_chime_restore(
    household: Household, media_server: MediaServer
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.set_play_mode("REPEAT_ALL")
    kitchen.set_volume(12)
    kitchen.set_mute(False)
    kitchen.play_queue(track=3, position=42.0)
    device = soco(kitchen)

    snapshot = Snapshot(device, snapshot_queue=True)
    snapshot.snapshot()
    device.volume = 35
    device.play_uri(media_server.url("chime_short.mp3"), title="Chime")
    wait_until(lambda: state_of(kitchen) == "PLAYING", timeout=3)
    wait_until(lambda: state_of(kitchen) == "STOPPED", timeout=0.63 + 1)
    snapshot.restore()

    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert state["track_number"] == 3
    assert state["position"] == pytest.approx(42.0, abs=1.0)
    assert state["volume"] == 12
    assert state["mute"] is False
    assert state["play_mode"] == "REPEAT_ALL"
    assert [item.get_uri() for item in device.get_queue()] == [t.uri for t in QUEUE]
    assert state["track_duration"] == 180.0  # the library remembers durations


def test_soco_restore_replays_the_chime_after_a_cloud_queue(
    household: Household, media_server: MediaServer
) -> None:
    """The pitfall the engine must avoid: SoCo presses play on the chime again."""
    kitchen = household["Kitchen"]
    kitchen.set_source(f"x-rincon-queue:{kitchen.uid}#6", state="PLAYING")
    device = soco(kitchen)
    snapshot = Snapshot(device)
    snapshot.snapshot()
    assert snapshot.is_playing_cloud_queue
    chime = media_server.url("chime_short.mp3")
    device.play_uri(chime)
    wait_until(lambda: len(_fetches(household)) == 1 and state_of(kitchen) == "STOPPED")
    snapshot.restore()
    wait_until(lambda: len(_fetches(household)) == 2 and state_of(kitchen) == "STOPPED")
    playing = [u for s, u in transport_events(kitchen) if s == "PLAYING"]
    assert playing[-2:] == [chime, chime]
