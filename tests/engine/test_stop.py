"""Home Assistant stops mid-chime: the chime ends early and every zone is put back.

``ChimeEngine.stop`` is what a graceful stop calls: a chime under way stops
waiting for its end, silences the chime and restores; one still preparing
gives up before it touches a speaker, and leaves no record.
"""

from concurrent.futures import Future, ThreadPoolExecutor

import pytest

from custom_components.sonos_chime.engine import (
    ChimeEngine,
    ChimeMode,
    ChimeRequest,
    ChimeResult,
    ChimeStoppedError,
    Outcome,
    Reason,
)
from sonos_emulator import Household, Speaker

from .conftest import (
    assert_at_work,
    both_profiles,
    changes,
    chime_sounding,
    settled,
    wait_for,
)


def chiming(engine: ChimeEngine, request: ChimeRequest, records: list[dict]) -> Future:
    """The chime, under way in a worker as Home Assistant runs it."""
    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(engine.chime, request, records.append)
    pool.shutdown(wait=False)
    return future


@both_profiles
def test_stop_mid_chime_puts_every_zone_back(
    household_at_work: Household, engine: ChimeEngine, media_server
) -> None:
    household = household_at_work
    # Thirty seconds of silence: only a stop ends it within the wait below.
    url = media_server.url("chime_silent_long.ogg")
    records: list[dict] = []
    future = chiming(engine, ChimeRequest(url, volume=45), records)
    wait_for(chime_sounding(household, url), timeout=10)

    engine.stop()
    result: ChimeResult = future.result(timeout=10)
    settled(household)

    # Cut short (not played to its end) and put back, every zone.
    assert {(z.name, z.outcome, z.reason) for z in result.zones} == {
        ("Kitchen", Outcome.FAILED, Reason.STOPPED),
        ("Living Room", Outcome.FAILED, Reason.STOPPED),
        ("Chicken Coop", Outcome.FAILED, Reason.STOPPED),
    }
    assert len(records) == 1
    assert_at_work(household, url)


def test_stop_before_the_chime_touches_nothing(
    household_at_work: Household, engine: ChimeEngine, media_server
) -> None:
    household = household_at_work
    household.clear_events()
    records: list[dict] = []
    engine.stop()

    with pytest.raises(ChimeStoppedError):
        engine.chime(
            ChimeRequest(media_server.url("chime_short.mp3")), on_record=records.append
        )

    assert records == []
    assert all(changes(speaker) == [] for speaker in household.speakers)


def clip_statuses(speaker: Speaker) -> list[str]:
    """The statuses the speaker's clips went through."""
    return [e["status"] for e in speaker.events() if e["kind"] == "clip"]


def test_stop_cancels_every_clip_still_sounding(
    household_at_work: Household, engine: ChimeEngine, media_server
) -> None:
    """Overlay: nothing was paused, and no clip outlives the process."""
    household = household_at_work
    household.clear_events()
    url = media_server.url("chime_long.mp3")
    future = chiming(engine, ChimeRequest(url, mode=ChimeMode.OVERLAY), [])
    wait_for(
        lambda: all(
            "ACTIVE" in clip_statuses(speaker) for speaker in household.speakers
        ),
        timeout=10,
    )

    engine.stop()
    result: ChimeResult = future.result(timeout=15)

    assert {(z.name, z.outcome, z.reason) for z in result.zones} == {
        (name, Outcome.FAILED, Reason.STOPPED)
        for name in ("Kitchen", "Living Room", "Chicken Coop")
    }
    for speaker in household.speakers:
        # Cancelled, not left to play on: no clip outlives a stop.
        assert speaker.state()["clip"] is None, speaker.name
        assert clip_statuses(speaker)[-1] == "DISMISSED", speaker.name
        assert changes(speaker) == [], speaker.name
    assert household["Kitchen"].state()["transport_state"] == "PLAYING"
