"""Automations: an event chimes the household, the result reaches another one."""

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sonos_chime.const import DOMAIN, EVENT_CHIME_PLAYED
from sonos_emulator import Household, Track

from .conftest import put_in_library, state_changing_actions

SONGS = [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}") for n in (1, 2, 3)]

AUTOMATIONS = [
    {
        "id": "chime_on_event",
        "alias": "Chime when asked",
        "triggers": [{"trigger": "event", "event_type": "chime_now"}],
        "actions": [
            {
                "action": f"{DOMAIN}.play",
                "data": {"media": "short.mp3", "zones": ["Kitchen", "Living Room"]},
            }
        ],
    },
    {
        "id": "report_chime",
        "alias": "Report how the chime went",
        "triggers": [{"trigger": "event", "event_type": EVENT_CHIME_PLAYED}],
        "actions": [
            {
                "event": "chime_report",
                "event_data": {
                    "zones": "{{ trigger.event.data.zones | list | sort }}",
                    "kitchen": "{{ trigger.event.data.zones['Kitchen'].outcome }}",
                    "resumed": "{{ trigger.event.data.zones['Kitchen'].resumed }}",
                    "trigger": "{{ trigger.event.data.trigger }}",
                    "entry_id": "{{ trigger.event.data.entry_id }}",
                },
            }
        ],
    },
]


@pytest.fixture
def library_chime(hass: HomeAssistant) -> str:
    """A short chime the user dropped into the library."""
    return put_in_library(hass, "short.mp3").name


async def test_event_chimes_and_result_reaches_automations(
    hass: HomeAssistant,
    household: Household,
    loaded_entry: MockConfigEntry,
    library_chime: str,
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(SONGS)
    kitchen.play_queue(track=2, position=30.0)
    assert await async_setup_component(hass, "automation", {"automation": AUTOMATIONS})
    reports = async_capture_events(hass, "chime_report")
    household.clear_events()

    hass.bus.async_fire("chime_now")
    await hass.async_block_till_done()

    # The speakers themselves fetched the library file from Home Assistant.
    url = f"{hass.config.internal_url}/local/sonos_chime/{library_chime}"
    for name in ("Kitchen", "Living Room"):
        fetches = [
            event
            for event in household[name].events()
            if event["kind"] == "media_fetch" and event["url"] == url
        ]
        assert [event["status"] for event in fetches] == [200], name
    touched = {speaker for speaker, _ in state_changing_actions(household)}
    assert touched == {"Kitchen", "Living Room"}
    after = kitchen.state()
    assert after["transport_state"] == "PLAYING"
    assert after["track_number"] == 2
    assert after["current_uri"] != url

    # The second automation saw every zone's result in the event.
    assert len(reports) == 1
    assert reports[0].data == {
        "zones": ["Kitchen", "Living Room"],
        "kitchen": "chimed",
        "resumed": True,
        "trigger": "action",
        "entry_id": loaded_entry.entry_id,
    }
