"""Quiet hours: a household window in which scheduled chimes hold back or play softly.

An action call plays at the night volume then, unless it is marked urgent;
Play now plays as the chime is, at any hour.
"""

from datetime import time, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_NIGHT_VOLUME,
    CONF_QUIET_END,
    CONF_QUIET_HOURS,
    CONF_QUIET_START,
    DOMAIN,
    SERVICE_PLAY,
)
from sonos_emulator import Household

from .helpers import (
    MONDAY,
    REAL_TIME,
    advance,
    chime_events,
    chime_subentry,
    configure_options,
    household_entry,
    local,
    open_options,
    scheduled,
    set_up,
    state_of,
)

pytestmark = [
    pytest.mark.freeze_time("2026-01-05 12:00:00", ignore=REAL_TIME),
    pytest.mark.usefixtures("ha_server"),
]
WINDOW = {CONF_QUIET_START: "22:00:00", CONF_QUIET_END: "07:00:00"}
SENSOR = "binary_sensor.chicken_coop_kitchen_living_room_quiet_hours"


def quiet_entry(
    household: Household,
    *,
    night_volume: int | None = 12,
    quiet_hours: str = "hold",
    **chime: Any,
) -> MockConfigEntry:
    """All zones, quiet 22:00-07:00, and the chime Morning as given."""
    options: dict[str, Any] = dict(WINDOW)
    if night_volume is not None:
        options[CONF_NIGHT_VOLUME] = night_volume
    morning = chime_subentry(**chime)
    morning["data"][CONF_QUIET_HOURS] = quiet_hours
    return household_entry(
        household, all_zones=True, subentries=[morning], options=options
    )


def heard(household: Household) -> dict[str, int | None]:
    """The first volume each speaker was set to since the events were cleared."""
    return {
        speaker.name: next(
            (e["volume"] for e in speaker.events() if e["kind"] == "volume"), None
        )
        for speaker in household.speakers
    }


async def test_quiet_hours_are_set_under_configure(
    hass: HomeAssistant, household: Household
) -> None:
    """Both times or neither, two different ones, a night volume 0-100."""
    entry = household_entry(household, all_zones=True)
    await set_up(hass, entry)
    for entered, error in (
        ({CONF_QUIET_START: "22:00"}, {CONF_QUIET_END: "quiet_hours_half"}),
        ({CONF_QUIET_END: "07:00"}, {CONF_QUIET_START: "quiet_hours_half"}),
        (
            {CONF_QUIET_START: "22:00", CONF_QUIET_END: "22:00"},
            {CONF_QUIET_END: "quiet_hours_empty"},
        ),
        ({CONF_NIGHT_VOLUME: 120}, {CONF_NIGHT_VOLUME: "invalid_volume"}),
    ):
        result = await open_options(hass, entry)
        result = await configure_options(
            hass, result, {CONF_ALL_ZONES: True, **entered}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == error

    result = await open_options(hass, entry)
    result = await configure_options(
        hass,
        result,
        {
            CONF_ALL_ZONES: True,
            CONF_QUIET_START: "22:00",
            CONF_QUIET_END: "07:00",
            CONF_NIGHT_VOLUME: 12.0,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {
        CONF_ALL_ZONES: True,
        **WINDOW,
        CONF_NIGHT_VOLUME: 12,
    }

    # Emptied again: no quiet hours at all.
    result = await open_options(hass, entry)
    result = await configure_options(hass, result, {CONF_ALL_ZONES: True})
    assert dict(entry.options) == {CONF_ALL_ZONES: True}


async def test_the_quiet_hours_sensor_follows_the_window(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """On from 22:00 until 07:00, across midnight; it says its window."""
    freezer.move_to(local(MONDAY, time(21, 0)))
    await set_up(hass, quiet_entry(household))
    assert state_of(hass, SENSOR) == "off"
    attributes = hass.states.get(SENSOR).attributes  # type: ignore[union-attr]
    assert (attributes["window"], attributes["night_volume"]) == ("22:00-07:00", 12)

    await advance(hass, freezer, local(MONDAY, time(22, 0)))
    assert state_of(hass, SENSOR) == "on"
    await advance(hass, freezer, local(MONDAY + timedelta(days=1), time(6, 59)))
    assert state_of(hass, SENSOR) == "on"
    await advance(hass, freezer, local(MONDAY + timedelta(days=1), time(7, 0)))
    assert state_of(hass, SENSOR) == "off"


@pytest.mark.parametrize(
    ("choice", "played_at"), [("hold", None), ("night_volume", 12)]
)
async def test_a_scheduled_chime_in_quiet_hours_holds_or_plays_softly(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    choice: str,
    played_at: int | None,
) -> None:
    """At 23:00 it holds back, or plays at the night volume, as the chime says."""
    freezer.move_to(local(MONDAY, time(22, 30)))
    await set_up(
        hass, quiet_entry(household, at="23:00:00", volume=40, quiet_hours=choice)
    )
    events = chime_events(hass)
    household.clear_events()

    await advance(hass, freezer, local(MONDAY, time(23, 0)))

    if played_at is None:
        assert scheduled(events) == []
        assert all(not speaker.events() for speaker in household.speakers)
    else:
        assert len(scheduled(events)) == 1
        assert set(heard(household).values()) == {played_at}


async def test_actions_play_at_the_night_volume_unless_urgent(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    """In quiet hours: the night volume; urgent: the volume asked. Play now as it is."""
    freezer.move_to(local(MONDAY, time(23, 30)))
    await set_up(hass, quiet_entry(household, volume=40))

    async def play(**data: Any) -> None:
        household.clear_events()
        await hass.services.async_call(
            DOMAIN, SERVICE_PLAY, {"media": "short.mp3", **data}, blocking=True
        )

    await play(volume=50)
    assert set(heard(household).values()) == {12}
    await play(volume=50, urgent=True)
    assert set(heard(household).values()) == {50}

    household.clear_events()
    await hass.services.async_call(
        "button", "press", {"entity_id": "button.morning_play_now"}, blocking=True
    )
    assert set(heard(household).values()) == {40}
