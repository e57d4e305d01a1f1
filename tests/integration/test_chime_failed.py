"""A chime that played on no zone: an error for Play now and the action, a warning when scheduled.

The speakers get a 404 for the chime: the internal URL points at another web
server, the classic misconfiguration. Every zone fails, and is put back.
"""

from datetime import date, datetime, time

from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.sonos_chime.engine import Reason
from sonos_emulator import Household, Track
from tests.conftest import MediaServer

from .helpers import (
    COOP_CHIMES,
    KITCHEN_CHIMES,
    LAST_PLAYED,
    MORNING,
    REAL_TIME,
    assert_error_translated,
    chime_events,
    chime_subentry,
    household_entry,
    outcomes,
    play,
    press_play_now,
    set_up,
)

pytestmark = pytest.mark.usefixtures("ha_server")

# Each zone with its reason, in words (the translations' selector.reason).
FAILED = "Chicken Coop (could not play the chime), Kitchen (could not play the chime)"
MONDAY = date(2026, 1, 5)


def play_music(household: Household) -> None:
    """Kitchen plays its queue, third track, at volume 9."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(
        [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}") for n in (1, 2, 3)]
    )
    kitchen.set_volume(9)
    kitchen.play_queue(track=3, position=40.0)


def assert_music_back(household: Household) -> None:
    state = household["Kitchen"].state()
    assert state["transport_state"] == "PLAYING"
    assert state["track_number"] == 3
    assert state["volume"] == 9


def fetch_statuses(household: Household, name: str) -> list[int]:
    return [
        event["status"]
        for event in household[name].events()
        if event["kind"] == "media_fetch"
    ]


async def test_play_now_failing_on_every_zone_raises(
    hass: HomeAssistant, household: Household, media_server: MediaServer
) -> None:
    """Translated, naming zones and reasons; Last played stays; the event fires."""
    entry = household_entry(
        household, zones=["Kitchen", "Chicken Coop"], subentries=[chime_subentry()]
    )
    manager = await set_up(hass, entry)
    good_url = hass.config.internal_url
    hass.config.internal_url = media_server.base_url
    play_music(household)
    household.clear_events()
    events = chime_events(hass)

    with pytest.raises(HomeAssistantError) as err:
        await press_play_now(hass)

    await assert_error_translated(hass, err.value, "chime_failed_on_every_zone")
    assert err.value.translation_placeholders == {"zones": FAILED}
    assert FAILED in str(err.value)
    assert fetch_statuses(household, "Kitchen") == [404]
    assert_music_back(household)
    # Automations still hear of it.
    assert len(events) == 1
    assert outcomes(events[0].data["zones"]) == {
        "Chicken Coop": ("failed", Reason.MEDIA_UNPLAYABLE),
        "Kitchen": ("failed", Reason.MEDIA_UNPLAYABLE),
    }
    assert manager.last_played(MORNING) is None
    last_played = hass.states.get(LAST_PLAYED)
    assert last_played is not None
    assert last_played.state == "unknown"
    assert last_played.attributes["failed"] == (
        "Chicken Coop (could not play the chime),"
        " Kitchen (could not play the chime, resumed)"
    )

    # Played for real, Last played moves; a failure after that does not move it.
    hass.config.internal_url = good_url
    await press_play_now(hass)
    played = hass.states.get(LAST_PLAYED)
    assert played is not None
    assert played.state not in ("unknown", "unavailable")
    hass.config.internal_url = media_server.base_url
    with pytest.raises(HomeAssistantError):
        await press_play_now(hass)
    after = hass.states.get(LAST_PLAYED)
    assert after is not None
    assert after.state == played.state
    assert len(events) == 3


async def test_action_failing_on_every_zone_raises(
    hass: HomeAssistant, household: Household, media_server: MediaServer
) -> None:
    entry = household_entry(household, zones=["Kitchen"])
    await set_up(hass, entry)
    hass.config.internal_url = media_server.base_url
    play_music(household)
    events = chime_events(hass)

    with pytest.raises(HomeAssistantError) as err:
        await play(hass, media="short.mp3", zones=["Kitchen", "Chicken Coop"])

    await assert_error_translated(hass, err.value, "chime_failed_on_every_zone")
    assert err.value.translation_placeholders == {"zones": FAILED}
    assert_music_back(household)
    assert [event.data["trigger"] for event in events] == ["action"]


@pytest.mark.freeze_time("2026-01-05 12:00:00", ignore=REAL_TIME)
async def test_scheduled_chime_failing_on_every_zone_logs_a_warning(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    household: Household,
    media_server: MediaServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    freezer.move_to(datetime.combine(MONDAY, time(6), dt_util.get_default_time_zone()))
    entry = household_entry(
        household, zones=["Kitchen", "Chicken Coop"], subentries=[chime_subentry()]
    )
    manager = await set_up(hass, entry)
    hass.config.internal_url = media_server.base_url
    play_music(household)
    events = chime_events(hass)

    seven = datetime.combine(MONDAY, time(7), dt_util.get_default_time_zone())
    freezer.move_to(seven)
    async_fire_time_changed(hass, seven)
    await hass.async_block_till_done(wait_background_tasks=True)

    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelname == "WARNING"
        and record.name == "custom_components.sonos_chime"
    ]
    assert len(warnings) == 1
    assert "Morning" in warnings[0]
    assert FAILED in warnings[0]
    assert [event.data["trigger"] for event in events] == ["schedule"]
    assert manager.last_played(MORNING) is None
    assert_music_back(household)


async def test_chime_skipped_on_every_zone_is_no_error(
    hass: HomeAssistant, household: Household
) -> None:
    """Zones switched off on purpose: nothing to report, nothing played."""
    entry = household_entry(
        household, zones=["Kitchen", "Chicken Coop"], subentries=[chime_subentry()]
    )
    manager = await set_up(hass, entry)
    for switch in (KITCHEN_CHIMES, COOP_CHIMES):
        await hass.services.async_call(
            "switch", "turn_off", {"entity_id": switch}, blocking=True
        )
    events = chime_events(hass)

    await press_play_now(hass)

    assert outcomes(events[0].data["zones"]) == {
        "Chicken Coop": ("skipped", Reason.EXCLUDED),
        "Kitchen": ("skipped", Reason.EXCLUDED),
    }
    assert manager.last_played(MORNING) is None
