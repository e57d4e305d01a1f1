"""Clip connections kept open between chimes, and a chime got ready ahead.

The engine is handed an event loop, as Home Assistant hands it its own: the
connections then live on that loop from chime to chime.
"""

import asyncio
from collections.abc import Callable, Iterator
import threading

import pytest

from custom_components.sonos_chime.engine import (
    ChimeEngine,
    ChimeMode,
    ChimeRequest,
    Outcome,
)
from sonos_emulator import Household, Speaker

from .conftest import QUEUE, changes, settled, wait_for

NAMES = ("Kitchen", "Living Room", "Office")


@pytest.fixture
def caller_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running in a thread of its own, as Home Assistant's does."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="caller loop")
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


@pytest.fixture
def three(household_factory: Callable[..., Household]) -> Household:
    """Three speakers on their own, each playing its queue."""
    household = household_factory(names=NAMES)
    for speaker in household.speakers:
        speaker.set_queue(QUEUE)
        speaker.play_queue(track=2, position=30.0)
    settled(household)
    household.clear_events()
    return household


@pytest.fixture
def engine(
    three: Household, caller_loop: asyncio.AbstractEventLoop
) -> Iterator[ChimeEngine]:
    """An engine on the caller's loop, closed at the end."""
    engine = ChimeEngine(
        [speaker.ip for speaker in three.speakers],
        clip_loop=caller_loop,
        poll_interval=0.05,
    )
    yield engine
    engine.close()


def connections(speaker: Speaker, action: str) -> int:
    """How many websockets the speaker saw opened, or closed."""
    return sum(
        1
        for event in speaker.events()
        if event["kind"] == "websocket" and event["action"] == action
    )


def info_reads(speaker: Speaker) -> int:
    """How often the speaker was asked what it can (its local API's info)."""
    return sum(1 for event in speaker.events() if event["kind"] == "info")


def overlay(url: str) -> ChimeRequest:
    """A chime over the music, at one volume."""
    return ChimeRequest(url, volume=30, mode=ChimeMode.OVERLAY)


def assert_overlaid(engine: ChimeEngine, url: str) -> None:
    """Every zone got its clip, over its music."""
    result = engine.chime(overlay(url))
    assert [zone.outcome for zone in result.zones] == [Outcome.CHIMED] * len(NAMES)
    assert all(zone.way is ChimeMode.OVERLAY for zone in result.zones)


def test_a_second_chime_opens_no_connection(
    three: Household, engine: ChimeEngine, media_server
) -> None:
    """Commands and events stay connected; the speaker is not asked again."""
    url = media_server.url("chime_short.mp3")

    assert_overlaid(engine, url)
    first = {s.name: (connections(s, "opened"), info_reads(s)) for s in three}
    assert_overlaid(engine, url)

    for speaker in three.speakers:
        assert first[speaker.name] == (2, 1), speaker.name
        assert connections(speaker, "opened") == 2, speaker.name
        assert info_reads(speaker) == 1, speaker.name
        assert connections(speaker, "closed") == 0, speaker.name


def test_close_closes_every_connection(
    three: Household, engine: ChimeEngine, media_server
) -> None:
    """Nothing is left open on a speaker once the chimes are over."""
    assert_overlaid(engine, media_server.url("chime_short.mp3"))

    engine.close()

    for speaker in three.speakers:
        wait_for(lambda speaker=speaker: connections(speaker, "closed") == 2)


def test_a_speaker_gone_and_back_is_connected_again(
    three: Household, engine: ChimeEngine, media_server
) -> None:
    """A restart drops its connections: the next chime opens new ones."""
    url = media_server.url("chime_short.mp3")
    assert_overlaid(engine, url)
    office = three["Office"]
    office.go_offline()
    office.go_online()
    office.play_queue(track=2, position=30.0)
    settled(three)

    assert_overlaid(engine, url)

    assert connections(office, "opened") == 4
    assert connections(three["Kitchen"], "opened") == 2


def test_prepare_connects_ahead_and_touches_nothing(
    three: Household, engine: ChimeEngine, media_server
) -> None:
    """Got ready, the chime itself only loads its clips."""
    url = media_server.url("chime_short.mp3")

    engine.prepare(overlay(url))

    for speaker in three.speakers:
        assert changes(speaker) == [], speaker.name
        assert not [e for e in speaker.events() if e["kind"] == "clip"]
        assert connections(speaker, "opened") == 2, speaker.name
        assert info_reads(speaker) == 1, speaker.name
    assert_overlaid(engine, url)
    for speaker in three.speakers:
        assert connections(speaker, "opened") == 2, speaker.name
        assert info_reads(speaker) == 1, speaker.name


def test_prepare_for_an_interrupt_opens_nothing(
    three: Household, engine: ChimeEngine, media_server
) -> None:
    """A chime that pauses needs no clip connection."""
    request = ChimeRequest(media_server.url("chime_short.mp3"), volume=30)

    engine.prepare(request)

    for speaker in three.speakers:
        assert connections(speaker, "opened") == 0, speaker.name
        assert info_reads(speaker) == 0, speaker.name
        assert changes(speaker) == [], speaker.name


def test_prepare_gets_only_the_zones_asked_for(
    three: Household, engine: ChimeEngine, media_server
) -> None:
    """A chime for one zone connects to that zone alone."""
    kitchen = three["Kitchen"]
    request = ChimeRequest(
        media_server.url("chime_short.mp3"),
        volume=30,
        mode=ChimeMode.OVERLAY,
        zone_uids=(kitchen.uid,),
    )

    engine.prepare(request)

    assert connections(kitchen, "opened") == 2
    assert connections(three["Office"], "opened") == 0
    assert connections(three["Living Room"], "opened") == 0
