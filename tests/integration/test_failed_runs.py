"""Nothing fails in silence: a chime's message, its engine, a run that did not play.

A message that cannot be spoken leaves the chime ringing alone and says why;
a message whose engine is gone raises a repair naming both; a run refused
before any speaker is shown on Last result and in the event, and a chime that
keeps failing raises a repair until it plays again.
"""

from typing import Any

from homeassistant.components.demo.tts import DemoProvider
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import async_capture_events

from custom_components.sonos_chime.const import DOMAIN, EVENT_CHIME_PLAYED
from custom_components.sonos_chime.issues import FAILING_STREAK
from sonos_emulator import Household

from .helpers import (
    MORNING,
    chime_subentry,
    household_entry,
    put_in_library,
    set_up,
)

MESSAGE = "Lunch is ready"
LAST_RESULT = "sensor.morning_last_result"
LAST_PLAYED = "sensor.morning_last_played"

pytestmark = pytest.mark.usefixtures("ha_server")


def played(household: Household, name: str) -> list[str]:
    """What the speaker was told to play, in order."""
    return [
        event["args"]["CurrentURI"]
        for event in household[name].events()
        if event["kind"] == "soap" and event["action"] == "SetAVTransportURI"
    ]


def state(hass: HomeAssistant, entity_id: str) -> Any:
    """An entity's state, which must exist."""
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found


async def test_a_message_the_engine_cannot_speak_leaves_the_chime_ringing(
    hass: HomeAssistant,
    household: Household,
    demo_tts: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The speakers get an error for the message: the chime rings, and says so."""
    entry = household_entry(
        household,
        zones=["Kitchen"],
        subentries=[chime_subentry(message=MESSAGE, tts_engine="demo")],
    )
    put_in_library(hass, "short.mp3")
    manager = await set_up(hass, entry)
    # The text-to-speech service answers nothing, as one out of reach does.
    monkeypatch.setattr(DemoProvider, "get_tts_audio", lambda *_, **__: (None, None))
    events = async_capture_events(hass, EVENT_CHIME_PLAYED)
    household.clear_events()

    result = await manager.async_play_chime(MORNING, trigger="button")

    assert result is not None
    assert [zone.name for zone in result.chimed] == ["Kitchen"]
    assert [uri.rsplit("/", 1)[-1] for uri in played(household, "Kitchen")][:1] == [
        "short.mp3"
    ]
    assert not any("tts_proxy" in uri for uri in played(household, "Kitchen"))
    [event] = events
    assert event.data["message"]["spoken"] is False
    assert event.data["message"]["error"]
    last_result = state(hass, LAST_RESULT)
    assert last_result.state == "partly"
    assert last_result.attributes["message"].startswith("not spoken: ")
    assert state(hass, LAST_PLAYED).state != "unknown"


async def test_a_message_whose_engine_is_gone_raises_a_repair(
    hass: HomeAssistant, household: Household, demo_tts: None
) -> None:
    """Saved while its engine existed: the chime rings alone, a repair names both."""
    entry = household_entry(
        household,
        zones=["Kitchen"],
        subentries=[chime_subentry(message=MESSAGE, tts_engine="tts.gone")],
    )
    put_in_library(hass, "short.mp3")
    manager = await set_up(hass, entry)

    # The look at set-up found it already.
    found = ir.async_get(hass).async_get_issue(
        DOMAIN, f"message_engine_missing_{MORNING}"
    )
    assert found is not None
    assert found.translation_placeholders == {"chime": "Morning", "engine": "tts.gone"}

    result = await manager.async_play_chime(MORNING, trigger="schedule")

    assert result is not None
    assert [zone.name for zone in result.chimed] == ["Kitchen"]
    last_result = state(hass, LAST_RESULT)
    assert last_result.state == "partly"
    assert "tts.gone" in last_result.attributes["message"]


async def test_a_chime_that_keeps_failing_is_seen_and_repaired(
    hass: HomeAssistant, household: Household
) -> None:
    """Runs refused before any speaker show as failed; a streak raises a repair."""
    entry = household_entry(
        household, zones=["Kitchen"], subentries=[chime_subentry(media="gone.mp3")]
    )
    manager = await set_up(hass, entry)
    events = async_capture_events(hass, EVENT_CHIME_PLAYED)
    issue_id = f"chime_failing_{MORNING}"

    for run in range(1, FAILING_STREAK + 1):
        with pytest.raises(HomeAssistantError):
            await manager.async_play_chime(MORNING, trigger="schedule")
        failing = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
        assert (failing is not None) == (run == FAILING_STREAK), run

    assert [event.data["zones"] for event in events] == [{}] * FAILING_STREAK
    assert all("gone.mp3" in event.data["error"] for event in events)
    last_result = state(hass, LAST_RESULT)
    assert last_result.state == "failed"
    assert "gone.mp3" in last_result.attributes["error"]
    assert state(hass, LAST_PLAYED).state == "unknown"
    assert failing is not None
    assert failing.translation_placeholders is not None
    assert failing.translation_placeholders["chime"] == "Morning"
    assert failing.translation_placeholders["runs"] == str(FAILING_STREAK)

    # Back, the next run plays and clears it.
    put_in_library(hass, "gone.mp3")
    await manager.async_play_chime(MORNING, trigger="button")
    assert ir.async_get(hass).async_get_issue(DOMAIN, issue_id) is None
    assert state(hass, LAST_RESULT).state == "chimed"
