"""A chime at several times of day, or every N minutes between two times.

Each time is a scheduled time of its own: it plays once per date, by the
daylight saving rule of schedule.py, and Next chime shows the next of them.
"""

from datetime import UTC, datetime, time, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import (
    CONF_MORE_TIMES,
    CONF_REPEAT_MINUTES,
    CONF_REPEAT_UNTIL,
)
from sonos_emulator import Household

from .helpers import (
    FALL_BACK,
    MONDAY,
    REAL_TIME,
    SPRING_FORWARD,
    advance,
    chime_events,
    chime_subentry,
    entity_id,
    household_entry,
    local,
    scheduled,
    set_up,
    state_of,
    submit_new_chime,
    walk,
)

pytestmark = [
    pytest.mark.freeze_time("2026-01-05 12:00:00", ignore=REAL_TIME),
    pytest.mark.usefixtures("ha_server"),
]


def many_times(household: Household, **times: Any) -> MockConfigEntry:
    """All zones, and the chime Morning at 07:00 with more times as given."""
    morning = chime_subentry()
    morning["data"] |= times
    return household_entry(household, all_zones=True, subentries=[morning])


async def test_plays_at_each_of_its_times_once(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """07:00, every 30 minutes until 08:00, and 12:00; Next chime the next one."""
    freezer.move_to(local(MONDAY, time(6)))
    entry = many_times(
        household,
        **{
            CONF_MORE_TIMES: ["12:00:00"],
            CONF_REPEAT_MINUTES: 30,
            CONF_REPEAT_UNTIL: "08:00:00",
        },
    )
    await set_up(hass, entry)
    events = chime_events(hass)
    next_chime = entity_id(hass, entry, "sensor", "next_chime")
    assert (
        state_of(hass, next_chime) == dt_util.as_utc(local(MONDAY, time(7))).isoformat()
    )

    moments = [time(7), time(7, 30), time(8), time(12)]
    for moment in moments:
        await advance(hass, freezer, local(MONDAY, moment))
    await advance(hass, freezer, local(MONDAY, time(13)))

    assert [event.time_fired for event in scheduled(events)] == [
        dt_util.as_utc(local(MONDAY, moment)) for moment in moments
    ]
    tuesday = MONDAY + timedelta(days=1)
    assert (
        state_of(hass, next_chime)
        == dt_util.as_utc(local(tuesday, time(7))).isoformat()
    )


async def test_every_time_keeps_the_rule_on_both_changes(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """02:00 and 02:30 play at the jump in spring, and at their first hour in autumn."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    begin = local(SPRING_FORWARD - timedelta(days=1), time(23))
    freezer.move_to(begin)
    morning = chime_subentry(at="02:00:00")
    morning["data"][CONF_MORE_TIMES] = ["02:30:00"]
    entry = household_entry(household, all_zones=True, subentries=[morning])
    await set_up(hass, entry)
    events = chime_events(hass)

    await walk(hass, freezer, begin, local(SPRING_FORWARD, time(6)))
    jump = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert [event.time_fired for event in scheduled(events)] == [jump, jump]

    events.clear()
    begin = local(FALL_BACK - timedelta(days=1), time(23))
    await advance(hass, freezer, begin)
    events.clear()
    await walk(hass, freezer, begin, local(FALL_BACK, time(6)))
    # First occurrences, still summer time: 00:00 and 00:30 UTC.
    assert [event.time_fired for event in scheduled(events)] == [
        datetime(2026, 10, 25, 0, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
    ]


@pytest.mark.parametrize(
    ("entered", "stored", "error"),
    [
        (
            {CONF_MORE_TIMES: ["18:00", " ", "12:00", "18:00"]},
            {CONF_MORE_TIMES: ["12:00:00", "18:00:00"]},
            None,
        ),
        (
            {CONF_REPEAT_MINUTES: 15.0, CONF_REPEAT_UNTIL: "08:00"},
            {CONF_REPEAT_MINUTES: 15, CONF_REPEAT_UNTIL: "08:00:00"},
            None,
        ),
        ({CONF_MORE_TIMES: ["noon"]}, None, {CONF_MORE_TIMES: "invalid_time"}),
        ({CONF_REPEAT_MINUTES: 15}, None, {CONF_REPEAT_UNTIL: "repeat_half"}),
        ({CONF_REPEAT_UNTIL: "08:00"}, None, {CONF_REPEAT_MINUTES: "repeat_half"}),
        (
            {CONF_REPEAT_MINUTES: 15, CONF_REPEAT_UNTIL: "06:00"},
            None,
            {CONF_REPEAT_UNTIL: "repeat_until_before"},
        ),
    ],
)
async def test_the_form_takes_more_times(
    hass: HomeAssistant,
    household: Household,
    entered: dict[str, Any],
    stored: dict[str, Any] | None,
    error: dict[str, str] | None,
) -> None:
    """Times in any order, each once; a repeat with both ends and after the time."""
    saved = await submit_new_chime(hass, household, entered, error)
    if saved is None:
        return
    assert stored is not None
    assert {key: saved.data[key] for key in stored} == stored
