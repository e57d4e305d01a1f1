"""Scheduled chimes get ready before their time, so that at the instant only
the pause, or the clip, remains; one that could not get ready still plays.
"""

import asyncio
from datetime import datetime, time, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest

from custom_components.sonos_chime import ahead, chime_pieces
from custom_components.sonos_chime.ahead import PREPARE_AHEAD
from custom_components.sonos_chime.const import CONF_MODE, DOMAIN
from sonos_emulator import Household

from .helpers import (
    MONDAY,
    MORNING,
    REAL_TIME,
    advance,
    chime_events,
    chime_subentry,
    entity_id,
    household_entry,
    local,
    put_in_library,
    scheduled,
    set_up,
    websockets,
)

pytestmark = [
    pytest.mark.freeze_time("2026-01-05 12:00:00", ignore=REAL_TIME),
    pytest.mark.usefixtures("ha_server"),
]

MESSAGE = "Good morning"


def seven() -> datetime:
    """Monday 07:00 in the instance's time zone, the chime's time."""
    return local(MONDAY, time(7))


def spy(monkeypatch: pytest.MonkeyPatch, name: str, calls: list[datetime]) -> None:
    """Note Home Assistant's time at each call of chime_pieces' name."""
    original = getattr(chime_pieces, name)

    def noted(*args: Any, **kwargs: Any) -> Any:
        calls.append(dt_util.now())
        return original(*args, **kwargs)

    monkeypatch.setattr(chime_pieces, name, noted)


@pytest.mark.usefixtures("demo_tts")
async def test_a_message_is_spoken_and_measured_before_its_time(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At 06:59:30 the message is spoken and measured; at 07:00 it just plays."""
    spoken: list[datetime] = []
    measured: list[datetime] = []
    spy(monkeypatch, "async_resolve_message", spoken)
    spy(monkeypatch, "probe_duration", measured)
    freezer.move_to(local(MONDAY, time(6, 50)))
    morning = chime_subentry(message=MESSAGE, tts_engine="demo")
    await set_up(hass, household_entry(household, all_zones=True, subentries=[morning]))
    events = chime_events(hass)

    ahead = seven() - PREPARE_AHEAD
    await advance(hass, freezer, ahead - timedelta(seconds=1))
    assert spoken == []
    await advance(hass, freezer, ahead)
    assert spoken == [ahead]
    # Read from the file text-to-speech wrote, or fetched when not yet written.
    assert set(measured) <= {ahead}
    done_ahead = (list(spoken), list(measured))

    await advance(hass, freezer, seven())
    [event] = scheduled(events)
    assert event.data["message"] == {"spoken": True, "error": None}
    assert {zone["outcome"] for zone in event.data["zones"].values()} == {"chimed"}
    assert (spoken, measured) == done_ahead  # nothing more at 07:00


async def test_a_chime_that_could_not_get_ready_still_plays_at_its_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """Its file is missing at 06:59:30 and back by 07:00: it plays, as it would have."""
    freezer.move_to(local(MONDAY, time(6, 50)))
    morning = chime_subentry(media="later.mp3")
    entry = household_entry(household, all_zones=True, subentries=[morning])
    await set_up(hass, entry)
    events = chime_events(hass)

    await advance(hass, freezer, seven() - PREPARE_AHEAD)
    issue_id = f"missing_media_{MORNING}"
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is not None
    # The periodic look for missing files is done too: it found none either.
    await hass.async_block_till_done(wait_background_tasks=True)
    put_in_library(hass, "later.mp3")

    await advance(hass, freezer, seven())
    [event] = scheduled(events)
    assert {zone["outcome"] for zone in event.data["zones"].values()} == {"chimed"}
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None


async def test_a_chime_held_back_does_not_get_ready(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With Quiet on, nothing is resolved for a chime that will not play."""
    resolved: list[datetime] = []
    spy(monkeypatch, "async_resolve_media", resolved)
    freezer.move_to(local(MONDAY, time(6, 50)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)
    await hass.services.async_call(
        "switch",
        "turn_on",
        {"entity_id": entity_id(hass, entry, "switch", "quiet")},
        blocking=True,
    )
    events = chime_events(hass)

    await advance(hass, freezer, seven() - PREPARE_AHEAD)
    await advance(hass, freezer, seven())
    assert resolved == []
    assert scheduled(events) == []


async def test_a_chime_moved_after_getting_ready_drops_what_it_got(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """Ready for 07:00, moved to 07:10: nothing is kept for a time gone."""
    freezer.move_to(local(MONDAY, time(6, 50)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    await advance(hass, freezer, seven() - PREPARE_AHEAD)
    assert list(manager.ahead._prepared) == [(MORNING, time(7))]

    await hass.services.async_call(
        "time",
        "set_value",
        {"entity_id": entity_id(hass, entry, "time", "time"), "time": "07:10:00"},
        blocking=True,
    )
    assert manager.ahead._prepared == {}


async def test_the_speakers_get_ready_too(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """A chime over the music has its clip connections open before its time,
    and at its time only loads its clips."""
    freezer.move_to(local(MONDAY, time(6, 50)))
    morning = chime_subentry()
    morning["data"][CONF_MODE] = "overlay"
    await set_up(hass, household_entry(household, all_zones=True, subentries=[morning]))
    events = chime_events(hass)
    household.clear_events()

    await advance(hass, freezer, seven() - PREPARE_AHEAD)
    opened = websockets(household, "opened")
    assert opened == 2 * len(household.speakers)
    assert [
        e for s in household.speakers for e in s.events() if e["kind"] == "clip"
    ] == []

    await advance(hass, freezer, seven())
    [event] = scheduled(events)
    assert {zone["way"] for zone in event.data["zones"].values()} == {"overlay"}
    assert websockets(household, "opened") == opened


async def test_speakers_that_cannot_get_ready_still_chime_at_its_time(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """Every speaker away at 06:59:30, back by 07:00: the chime plays, on time."""
    freezer.move_to(local(MONDAY, time(6, 50)))
    morning = chime_subentry()
    morning["data"][CONF_MODE] = "overlay"
    await set_up(hass, household_entry(household, all_zones=True, subentries=[morning]))
    events = chime_events(hass)
    for speaker in household.speakers:
        speaker.go_offline()

    await advance(hass, freezer, seven() - PREPARE_AHEAD)
    assert websockets(household, "opened") == 0
    for speaker in household.speakers:
        speaker.go_online()

    await advance(hass, freezer, seven())
    [event] = scheduled(events)
    assert {zone["outcome"] for zone in event.data["zones"].values()} == {"chimed"}
    assert {zone["way"] for zone in event.data["zones"].values()} == {"overlay"}


@pytest.mark.usefixtures("demo_tts")
async def test_speakers_failing_to_get_ready_keep_what_is_ready(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever goes wrong getting the speakers ready, the message spoken ahead
    is kept, and the chime plays at its time."""
    spoken: list[datetime] = []
    spy(monkeypatch, "async_resolve_message", spoken)
    freezer.move_to(local(MONDAY, time(6, 50)))
    morning = chime_subentry(message=MESSAGE, tts_engine="demo")
    manager = await set_up(
        hass, household_entry(household, all_zones=True, subentries=[morning])
    )
    events = chime_events(hass)

    def broken(_request: object) -> None:
        raise RuntimeError("something unforeseen")

    monkeypatch.setattr(manager.engine, "prepare", broken)

    await advance(hass, freezer, seven() - PREPARE_AHEAD)
    await advance(hass, freezer, seven())

    [event] = scheduled(events)
    assert {zone["outcome"] for zone in event.data["zones"].values()} == {"chimed"}
    assert event.data["message"] == {"spoken": True, "error": None}
    assert spoken == [seven() - PREPARE_AHEAD]


async def test_getting_ready_again_keeps_only_the_latest(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Got ready again for one time (its schedule armed again) while the last
    is still under way: that one is given up, the chime plays the latest."""
    freezer.move_to(local(MONDAY, time(6, 59, 45)))
    manager = await set_up(
        hass,
        household_entry(household, all_zones=True, subentries=[chime_subentry()]),
    )
    events = chime_events(hass)
    config = manager.chime_config(MORNING)
    assert config is not None
    original = ahead.async_chime_pieces
    stuck = asyncio.Event()
    calls = 0

    async def first_stuck(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            await stuck.wait()  # set only at the end: a cancel ends it first
        return await original(*args, **kwargs)

    monkeypatch.setattr(ahead, "async_chime_pieces", first_stuck)
    try:
        manager.ahead.async_get_ready(MORNING, config, time(7))
        [(_, under_way)] = manager.ahead._prepared.values()
        await asyncio.sleep(0)
        manager.ahead.async_get_ready(MORNING, config, time(7))
        for _ in range(3):  # a cancelled task ends at its next step
            await asyncio.sleep(0)
        assert under_way.cancelled()
    finally:
        stuck.set()
    await advance(hass, freezer, seven())

    [event] = scheduled(events)
    assert {zone["outcome"] for zone in event.data["zones"].values()} == {"chimed"}
    assert calls == 2
