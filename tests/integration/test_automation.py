"""Automations: an event chimes the household, the result reaches another one."""

from pathlib import Path
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import area_registry as ar, device_registry as dr
from homeassistant.setup import async_setup_component
from homeassistant.util.yaml import parse_yaml
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sonos_chime.const import DOMAIN, EVENT_CHIME_PLAYED
from sonos_emulator import Household, Track

from .helpers import (
    household_entry,
    put_in_library,
    set_up,
    state_changing_actions,
)

README = Path(__file__).resolve().parent.parent.parent / "README.md"

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


def readme_automation(alias: str) -> dict[str, Any]:
    """An automation as the README shows it, read from the README itself."""
    for block in re.findall(r"```yaml\n(.*?)```", README.read_text(), re.DOTALL):
        config = parse_yaml(block)
        if isinstance(config, dict) and "automation" in config:
            for automation in config["automation"]:
                if automation["alias"] == alias:
                    return dict(automation)
    raise AssertionError(f"The README shows no automation {alias!r}")


@pytest.mark.usefixtures("demo_tts")
async def test_readme_automation_chimes_an_area_and_speaks(
    hass: HomeAssistant, household: Household, ha_server: Any
) -> None:
    """The README's example: two areas' zones chime, then say the message."""
    entry = household_entry(household, all_zones=True)
    await set_up(hass, entry)
    areas, devices = ar.async_get(hass), dr.async_get(hass)
    for name in ("Kitchen", "Living Room"):
        area = areas.async_create(name)
        [device] = devices.async_get_devices(
            identifiers={(DOMAIN, household[name].uid)}
        )
        devices.async_update_device(device.id, area_id=area.id)
    for speaker in household.speakers:
        speaker.set_queue(SONGS)
        speaker.play_queue(track=2, position=30.0)
    automation = readme_automation("End of the workday")
    assert await async_setup_component(
        hass, "automation", {"automation": [{"id": "workday", **automation}]}
    )
    household.clear_events()

    # Its time trigger is Home Assistant's own; the actions are what we check.
    await hass.services.async_call(
        "automation",
        "trigger",
        {"entity_id": "automation.end_of_the_workday", "skip_condition": True},
        blocking=True,
    )
    await hass.async_block_till_done()

    chime = f"{hass.config.internal_url}/local/sonos_chime/ding_dong.mp3"
    heard = {}
    for speaker in household.speakers:
        # Each speaker fetches what it plays as it plays it: in that order.
        heard[speaker.name] = [
            event["url"] for event in speaker.events() if event["kind"] == "media_fetch"
        ]
        # Over the music (auto mode): the queue plays on, never paused.
        assert speaker.state()["transport_state"] == "PLAYING"
        assert speaker.state()["track_number"] == 2
    assert heard["Chicken Coop"] == []
    for name in ("Kitchen", "Living Room"):
        assert heard[name][0] == chime, name
        assert "/api/tts_proxy/" in heard[name][1], name
        clips = [
            event["status"]
            for event in household[name].events()
            if event["kind"] == "clip" and event["status"] in ("DONE", "ERROR")
        ]
        assert clips == ["DONE", "DONE"], name
    # Its 17:00 trigger would outlive the test.
    await hass.services.async_call(
        "automation",
        "turn_off",
        {"entity_id": "automation.end_of_the_workday"},
        blocking=True,
    )
