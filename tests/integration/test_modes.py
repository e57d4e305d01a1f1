"""Chime modes through Home Assistant: the action's mode, a chime's saved mode."""

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import CONF_MODE
from custom_components.sonos_chime.engine import engine as engine_module
from custom_components.sonos_chime.engine.overlay import OverlaySession
from sonos_emulator import Household, Track

from .helpers import (
    chime_events,
    chime_subentry,
    household_entry,
    play,
    press_play_now,
    put_in_library,
    set_up,
    wait_until,
    websockets,
)

QUEUE = [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}", 180.0) for n in (1, 2)]


def clip_statuses(household: Household, name: str) -> list[str]:
    """What the speaker's clips did, in order."""
    return [e["status"] for e in household[name].events() if e["kind"] == "clip"]


def transport_changes(household: Household, name: str) -> list[str]:
    """SOAP actions that would pause, load or play something on the speaker."""
    return [
        str(e["action"])
        for e in household[name].events()
        if e["kind"] == "soap"
        and e["action"] in {"Pause", "Play", "SetAVTransportURI", "Stop", "Seek"}
    ]


@pytest.mark.usefixtures("loaded_entry")
async def test_action_overlays_where_it_can(
    hass: HomeAssistant, household: Household
) -> None:
    """Overlay: the queue plays on under the clip; the coop, without clips, is
    paused and put back in the same call."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0)
    household["Chicken Coop"].set_audio_clip("unsupported")
    put_in_library(hass, "short.mp3", "chime_short.mp3")
    household.clear_events()

    response = await play(hass, media="short.mp3", mode="overlay", volume=30)

    ways = {name: zone["way"] for name, zone in response["zones"].items()}
    assert ways == {
        "Kitchen": "overlay",
        "Living Room": "overlay",
        "Chicken Coop": "interrupt",
    }
    assert response["zones"]["Kitchen"]["resumed"] is True
    assert clip_statuses(household, "Kitchen")[-1] == "DONE"
    assert transport_changes(household, "Kitchen") == []
    assert kitchen.state()["transport_state"] == "PLAYING"
    assert kitchen.state()["track_number"] == 2
    assert "SetAVTransportURI" in transport_changes(household, "Chicken Coop")


@pytest.mark.usefixtures("loaded_entry")
async def test_clips_go_out_on_home_assistants_loop_and_session(
    hass: HomeAssistant, household: Household, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No loop, thread or client session of the chime's own in Home Assistant."""
    sessions: list[OverlaySession] = []

    class Recorded(OverlaySession):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            sessions.append(self)

    monkeypatch.setattr(engine_module, "OverlaySession", Recorded)
    put_in_library(hass, "short.mp3", "chime_short.mp3")
    response = await play(hass, media="short.mp3", mode="overlay")

    assert {zone["way"] for zone in response["zones"].values()} == {"overlay"}
    [session] = sessions
    assert session._thread is None
    assert session._loop is hass.loop
    assert session._session is async_get_clientsession(hass)
    assert not session._session.closed


async def test_clip_connections_stay_open_until_unloaded(
    hass: HomeAssistant, household: Household, loaded_entry: MockConfigEntry
) -> None:
    """Kept from chime to chime, as core's Sonos keeps its own; closed with the
    entry, so nothing is left open on a speaker."""
    put_in_library(hass, "short.mp3", "chime_short.mp3")
    household.clear_events()

    await play(hass, media="short.mp3", mode="overlay")
    opened = websockets(household, "opened")
    await play(hass, media="short.mp3", mode="overlay")

    assert opened == 2 * len(household.speakers)
    assert websockets(household, "opened") == opened
    assert websockets(household, "closed") == 0
    assert await hass.config_entries.async_unload(loaded_entry.entry_id)
    await wait_until(lambda: websockets(household, "closed") == opened)


async def test_clip_connections_close_when_home_assistant_stops(
    hass: HomeAssistant, household: Household, loaded_entry: MockConfigEntry
) -> None:
    """Home Assistant stopping closes them too: it unloads no entry."""
    put_in_library(hass, "short.mp3", "chime_short.mp3")
    household.clear_events()
    await play(hass, media="short.mp3", mode="overlay")

    await hass.async_stop()

    await wait_until(
        lambda: websockets(household, "closed") == websockets(household, "opened")
    )
    assert loaded_entry.state is ConfigEntryState.LOADED


@pytest.mark.usefixtures("ha_server")
@pytest.mark.parametrize(
    ("mode", "way"),
    [(None, "interrupt"), ("auto", "overlay"), ("interrupt", "interrupt")],
    ids=["saved_before_modes", "auto", "interrupt"],
)
async def test_a_chime_plays_in_its_saved_mode(
    hass: HomeAssistant, household: Household, mode: str | None, way: str
) -> None:
    """Play now follows the chime's mode; chimes saved before modes interrupt."""
    subentry: dict[str, Any] = chime_subentry()
    if mode is not None:
        subentry["data"][CONF_MODE] = mode
    await set_up(
        hass, household_entry(household, all_zones=True, subentries=[subentry])
    )
    events = chime_events(hass)

    await press_play_now(hass)

    zones = events[0].data["zones"]
    assert {zone["way"] for zone in zones.values()} == {way}
