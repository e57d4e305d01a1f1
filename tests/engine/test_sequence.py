"""A chime then a spoken message: one pause, every piece in order, one restore."""

import json
from pathlib import Path
import signal
import subprocess
import sys
import textwrap
import threading

import pytest

from custom_components.sonos_chime.engine import (
    ChimeEngine,
    ChimeMedia,
    ChimeMode,
    ChimeRequest,
    ChimeResult,
    Outcome,
    Reason,
    ZoneResult,
    read_file_duration,
)
from custom_components.sonos_chime.engine.record import record_request, upgrade_record
from sonos_emulator import Household, Speaker
from tests.conftest import MEDIA_DIR, MediaServer

from .conftest import (
    QUEUE,
    RADIO,
    both_profiles,
    changes,
    played_uris,
    settled,
    wait_for,
)

CHIME, MESSAGE = "chime_short.mp3", "chime_long.mp3"
ROOT = Path(__file__).parents[2]


def sequence(media_server: MediaServer, **kwargs) -> ChimeRequest:
    """The chime, then the message (a longer file, as a TTS message is)."""
    return ChimeRequest(
        media_server.url(CHIME),
        followed_by=(ChimeMedia(media_server.url(MESSAGE), title="Message"),),
        **kwargs,
    )


def real_lengths(media_server: MediaServer) -> dict[str, float | None]:
    """How long each piece is, by the URL the speakers fetch it from."""
    return {
        media_server.url(name): read_file_duration(MEDIA_DIR / name)
        for name in (CHIME, MESSAGE)
    }


def zone(result: ChimeResult, name: str) -> ZoneResult:
    """One zone's result."""
    return next(z for z in result.zones if z.name == name)


def playing_spans(speaker: Speaker) -> list[tuple[str, float | None]]:
    """What the speaker played, in order, and for how long it said PLAYING.

    What still plays has no length yet.
    """
    spans: list[tuple[str, float | None]] = []
    started: tuple[str, float] | None = None
    for event in speaker.events():
        if event["kind"] != "transport":
            continue
        if started is not None:
            spans.append((started[0], event["t"] - started[1]))
            started = None
        if event["state"] == "PLAYING":
            started = (event["uri"], event["t"])
    if started is not None:
        spans.append((started[0], None))
    return spans


def clip_events(speaker: Speaker) -> list[tuple[str, str]]:
    """The speaker's clips as it reported them, in order: URL and status."""
    return [
        (event["url"], event["status"])
        for event in speaker.events()
        if event["kind"] == "clip"
    ]


def clip_lengths(speaker: Speaker) -> dict[str, float]:
    """How long each clip played, by URL, as its speaker reported at its end."""
    return {
        event["url"]: event["duration"]
        for event in speaker.events()
        if event["kind"] == "clip" and event["status"] == "DONE"
    }


def at_work(household: Household) -> dict[str, dict]:
    """A queue mid-track, a radio and an http file, each at its own volume."""
    kitchen, room, coop = (
        household[name] for name in ("Kitchen", "Living Room", "Chicken Coop")
    )
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=3, position=42.0)
    room.set_source(RADIO, state="PLAYING")
    coop.set_queue(QUEUE)
    coop.play_queue(track=2, position=20.0)
    for speaker, volume in zip(household.speakers, (12, 14, 16), strict=True):
        speaker.set_volume(volume)
    settled(household)
    household.clear_events()
    return {speaker.name: speaker.state() for speaker in household.speakers}


@both_profiles
def test_interrupt_plays_every_piece_in_order_then_restores(
    household: Household, engine: ChimeEngine, media_server: MediaServer
) -> None:
    """Each zone pauses once, hears the chime then the message, and is put back."""
    before = at_work(household)
    chime, message = media_server.url(CHIME), media_server.url(MESSAGE)

    result = engine.chime(sequence(media_server, volume=30))
    settled(household)

    lengths = real_lengths(media_server)
    assert result.duration == pytest.approx(sum(lengths.values()))
    for speaker in household.speakers:
        name = speaker.name
        zone_result = zone(result, name)
        assert (zone_result.outcome, zone_result.resumed) == (Outcome.CHIMED, True)
        assert set(zone_result.timings) >= {"start", "end", "gaps", "restore"}
        # Paused once, the two pieces one after the other, each to its end.
        assert changes(speaker).count("Pause") == 1, name
        pieces = [(u, t) for u, t in playing_spans(speaker) if u in lengths]
        assert [url for url, _ in pieces] == [chime, message], name
        for url, seconds in pieces:
            assert seconds == pytest.approx(lengths[url], abs=0.15), (name, url)
        assert played_uris(speaker)[-1] not in lengths, name  # the music again
        state = speaker.state()
        assert state["transport_state"] == "PLAYING", name
        assert state["current_uri"] == before[name]["current_uri"], name
        assert state["track_number"] == before[name]["track_number"], name
        assert state["volume"] == before[name]["volume"], name
        assert 30 in [e["volume"] for e in speaker.events() if e["kind"] == "volume"]
    for name in ("Kitchen", "Chicken Coop"):
        position = household[name].state()["position"]
        assert position == pytest.approx(before[name]["position"], abs=1.0), name


@both_profiles
def test_overlay_plays_the_clips_in_order_over_the_music(
    household: Household, engine: ChimeEngine, media_server: MediaServer
) -> None:
    """Two clips per speaker, the second once the first is done; nothing paused."""
    before = at_work(household)
    chime, message = media_server.url(CHIME), media_server.url(MESSAGE)

    result = engine.chime(sequence(media_server, mode=ChimeMode.OVERLAY))

    for speaker in household.speakers:
        name = speaker.name
        zone_result = zone(result, name)
        assert zone_result.outcome is Outcome.CHIMED, name
        assert zone_result.way is ChimeMode.OVERLAY, name
        assert zone_result.resumed is True, name
        # The message starts once the chime is done, never over it.
        assert clip_events(speaker) == [
            (chime, "ACTIVE"),
            (chime, "DONE"),
            (message, "ACTIVE"),
            (message, "DONE"),
        ], name
        assert clip_lengths(speaker) == pytest.approx(real_lengths(media_server)), name
        assert changes(speaker) == [], name  # never paused, no volume set
        assert not [e for e in speaker.events() if e["kind"] == "transport"], name
        state = speaker.state()
        assert state["transport_state"] == "PLAYING", name
        assert state["current_uri"] == before[name]["current_uri"], name


def test_a_message_that_cannot_be_fetched_leaves_the_chime_ringing(
    household: Household, engine: ChimeEngine, media_server: MediaServer
) -> None:
    """A message nobody can fetch is left out, and said so: the chime still rings."""
    before = at_work(household)
    missing = media_server.url("missing.mp3")
    request = ChimeRequest(media_server.url(CHIME), followed_by=(ChimeMedia(missing),))

    result = engine.chime(request)
    settled(household)

    assert {z.name: z.outcome for z in result.zones} == dict.fromkeys(
        before, Outcome.CHIMED
    )
    assert set(result.unplayed) == {missing}
    assert "404" in result.unplayed[missing]
    assert result.as_dict()["unplayed"] == result.unplayed
    for speaker in household.speakers:
        played = [uri for uri, _ in playing_spans(speaker)]
        assert media_server.url(CHIME) in played, speaker.name
        assert missing not in played, speaker.name
        assert not [
            e
            for e in speaker.events()
            if e["kind"] == "media_fetch" and e["url"] == missing
        ], speaker.name
    assert household["Kitchen"].state()["track_number"] == 3


def test_a_url_that_is_not_http_is_refused() -> None:
    """A later piece is checked as the first one is."""
    with pytest.raises(ValueError, match="http"):
        ChimeRequest(
            "http://ha.local/chime.mp3",
            followed_by=(ChimeMedia("media-source://tts/message"),),
        )


@both_profiles
def test_a_fault_on_the_message_restores_that_zone_and_the_others_go_on(
    household: Household, engine: ChimeEngine, media_server: MediaServer
) -> None:
    """The kitchen refuses to load the message: it is put back and reported."""
    before = at_work(household)
    kitchen = household["Kitchen"]
    chime, message = media_server.url(CHIME), media_server.url(MESSAGE)
    request = sequence(media_server, volume=30)

    def break_the_message() -> None:
        # The chime is loaded and playing: the next load is the message's.
        wait_for(lambda: kitchen.state()["track_uri"] == chime)
        kitchen.fail_action("SetAVTransportURI", code=701, times=1)

    breaker = threading.Thread(target=break_the_message)
    breaker.start()
    result = engine.chime(request)
    breaker.join()
    settled(household)

    kitchen_result = zone(result, "Kitchen")
    assert kitchen_result.outcome is Outcome.FAILED
    assert kitchen_result.reason is Reason.UPNP_ERROR
    assert "piece 2" in (kitchen_result.detail or "")
    assert kitchen_result.resumed is True
    assert chime in played_uris(kitchen)
    assert message not in played_uris(kitchen)
    for speaker in household.speakers:
        state = speaker.state()
        name = speaker.name
        assert state["transport_state"] == "PLAYING", name
        assert state["current_uri"] == before[name]["current_uri"], name
        assert state["volume"] == before[name]["volume"], name
    for name in ("Living Room", "Chicken Coop"):
        assert zone(result, name).outcome is Outcome.CHIMED, name
        assert [u for u in played_uris(household[name]) if u in (chime, message)] == [
            chime,
            message,
        ], name


def test_a_message_the_speaker_cannot_play_is_reported_and_restored(
    household: Household, engine: ChimeEngine, media_server: MediaServer
) -> None:
    """The message is gone once the chime played: media_unplayable, put back."""
    before = at_work(household)
    missing = media_server.url("missing.mp3")
    request = ChimeRequest(
        media_server.url(CHIME),
        # A stated length is trusted: nothing fetches it before the speakers.
        followed_by=(ChimeMedia(missing, duration=1.0),),
    )

    result = engine.chime(request)
    settled(household)

    assert {z.reason for z in result.zones} == {Reason.MEDIA_UNPLAYABLE}
    for speaker in household.speakers:
        name = speaker.name
        assert media_server.url(CHIME) in played_uris(speaker), name
        assert missing not in played_uris(speaker), name
        state = speaker.state()
        assert state["transport_state"] == "PLAYING", name
        assert state["current_uri"] == before[name]["current_uri"], name


def test_a_chime_that_does_not_end_is_silenced_and_the_message_never_plays(
    household: Household, engine_for, media_server: MediaServer
) -> None:
    """A time-out on the first piece: stopped at once, no message, put back."""
    before = at_work(household)
    kitchen = household["Kitchen"]
    long_chime, message = media_server.url(MESSAGE), media_server.url(CHIME)
    request = ChimeRequest(
        # Said to last 0.1 s; it plays 2 s: the bound (0.1 s + margin) is hit.
        long_chime,
        duration=0.1,
        zone_names=("Kitchen",),
        followed_by=(ChimeMedia(message),),
    )

    result = engine_for(household, end_margin=0.3).chime(request)
    settled(household)

    kitchen_result = zone(result, "Kitchen")
    assert kitchen_result.reason is Reason.TIMEOUT
    assert kitchen_result.resumed is True
    assert message not in played_uris(kitchen)
    # Cut short by Stop, before its source was even loaded back.
    assert changes(kitchen)[:5] == [
        "Pause",
        "SetAVTransportURI",
        "Play",
        "Stop",
        "SetAVTransportURI",
    ]
    assert [url for url, _ in playing_spans(kitchen)] == [
        long_chime,
        before["Kitchen"]["current_uri"],
    ]
    state = kitchen.state()
    assert state["transport_state"] == "PLAYING"
    assert state["current_uri"] == before["Kitchen"]["current_uri"]
    assert state["track_number"] == before["Kitchen"]["track_number"]


# A process that chimes a sequence and keeps its record where the test finds it.
CHIMER = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from custom_components.sonos_chime.engine import (
        ChimeEngine, ChimeMedia, ChimeRequest,
    )

    record_path, chime, message, hosts = (
        sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
    )

    def keep(record):
        with open(record_path + ".tmp", "w") as out:
            json.dump(record, out)
        os.replace(record_path + ".tmp", record_path)

    request = ChimeRequest(
        chime, volume=45, followed_by=(ChimeMedia(message, title="Message"),)
    )
    ChimeEngine(hosts).chime(request, on_record=keep)
    """
)


def test_a_crash_during_the_message_is_put_back_from_the_record(
    household: Household, media_server: MediaServer, tmp_path: Path
) -> None:
    """Killed while the message plays: the message marks the zone as the chime's."""
    before = at_work(household)
    record_path = tmp_path / "record.json"
    chime, message = media_server.url(CHIME), media_server.url(MESSAGE)
    hosts = [speaker.ip for speaker in household.speakers]
    chimer = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [
            sys.executable,
            "-c",
            CHIMER,
            str(ROOT),
            str(record_path),
            chime,
            message,
            *hosts,
        ]
    )
    try:
        wait_for(
            lambda: all(
                (state := speaker.state())["track_uri"] == message
                and state["transport_state"] == "PLAYING"
                for speaker in household.speakers
            ),
            timeout=15,
        )
        chimer.send_signal(signal.SIGKILL)
    finally:
        chimer.wait(timeout=10)
    record = json.loads(record_path.read_text())
    assert (record["media_url"], record["followed_by"]) == (chime, [message])

    result = ChimeEngine([household["Kitchen"].ip]).recover(record)
    settled(household)

    for speaker in household.speakers:
        name = speaker.name
        assert (zone(result, name).outcome, zone(result, name).resumed) == (
            Outcome.CHIMED,
            True,
        ), name
        state = speaker.state()
        assert state["transport_state"] == "PLAYING", name
        assert state["current_uri"] == before[name]["current_uri"], name
        assert state["volume"] == before[name]["volume"], name
        assert state["track_uri"] not in (chime, message), name


def test_a_record_from_before_sequences_still_loads() -> None:
    """Records saved as 1.1 have no followed_by: upgraded, they are one piece."""
    request = record_request(
        upgrade_record(
            {
                "media_url": "http://ha.local/chime.mp3",
                "volume": 30,
                "exclude_uids": [],
            },
            1,
        )
    )

    assert [piece.url for piece in request.sequence] == ["http://ha.local/chime.mp3"]
    assert request.followed_by == ()
