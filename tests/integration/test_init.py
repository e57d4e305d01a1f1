"""Setting up and unloading a household."""

import asyncio
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import CONF_HOSTS, DOMAIN, SERVICE_PLAY
from custom_components.sonos_chime.engine import ChimeEngine
from custom_components.sonos_chime.guard import async_get_guard
from sonos_emulator import Household, Track
from tests.conftest import EMULATOR_NET

from .helpers import (
    LAST_PLAYED,
    MORNING,
    chime_subentry,
    household_entry,
    play,
    press_play_now,
    put_in_library,
    set_up,
    state_changing_actions,
)

ALL_HOSTS = [f"{EMULATOR_NET}.2", f"{EMULATOR_NET}.3", f"{EMULATOR_NET}.4"]

pytestmark = pytest.mark.usefixtures("ha_server")


async def test_setup_and_unload(
    hass: HomeAssistant, household: Household, mock_entry: MockConfigEntry
) -> None:
    """Setup reads the household, learns every host; unload keeps the action."""
    mock_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_entry.state is ConfigEntryState.LOADED
    data = mock_entry.runtime_data
    assert isinstance(data.engine, ChimeEngine)
    assert data.household.household_id == household.household_id
    assert sorted(zone.name for zone in data.household.zones) == sorted(
        sp.name for sp in household.speakers
    )
    assert sorted(mock_entry.data[CONF_HOSTS]) == ALL_HOSTS
    assert hass.services.has_service(DOMAIN, SERVICE_PLAY)

    assert await hass.config_entries.async_unload(mock_entry.entry_id)
    await hass.async_block_till_done()
    assert mock_entry.state is ConfigEntryState.NOT_LOADED
    assert hass.services.has_service(DOMAIN, SERVICE_PLAY)


async def test_setup_household_offline(
    hass: HomeAssistant, household: Household, mock_entry: MockConfigEntry
) -> None:
    """No speaker answers: retry later, with a translated reason."""
    for speaker in household.speakers:
        speaker.go_offline()
    mock_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()

    assert mock_entry.state is ConfigEntryState.SETUP_RETRY
    assert mock_entry.reason is not None
    assert mock_entry.reason.startswith("The Sonos household does not answer")
    assert mock_entry.data[CONF_HOSTS] == [f"{EMULATOR_NET}.2"]


async def test_setup_other_household_at_hosts(
    hass: HomeAssistant, household: Household
) -> None:
    """The addresses now answer for another household: not this entry's."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="Sonos_elsewhere", data={CONF_HOSTS: ALL_HOSTS}
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "another Sonos household" in entry.reason


def play_music(household: Household) -> None:
    """Kitchen plays the third track of its queue at volume 9."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(
        [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}") for n in (1, 2, 3)]
    )
    kitchen.set_volume(9)
    kitchen.play_queue(track=3, position=40.0)


async def chime_playing(
    hass: HomeAssistant, household: Household, media: str = "long.mp3"
) -> None:
    """Wait until Kitchen plays the long chime."""
    long_url = f"{hass.config.internal_url}/local/sonos_chime/{media}"
    async with asyncio.timeout(5):
        while household["Kitchen"].state()["track_uri"] != long_url:  # noqa: ASYNC110 - the speaker is polled
            await asyncio.sleep(0.02)


async def test_unload_waits_for_the_running_chime(
    hass: HomeAssistant, household: Household, loaded_entry: MockConfigEntry
) -> None:
    """Unloaded mid-chime, the household is let go once its zones are back."""
    play_music(household)
    put_in_library(hass, "long.mp3", "chime_long.mp3")
    chime = hass.async_create_task(
        play(hass, media="long.mp3", zones=["Kitchen"], volume=30)
    )
    await chime_playing(hass, household)

    assert await hass.config_entries.async_unload(loaded_entry.entry_id)

    assert_back_on_the_queue(household)
    assert (await chime)["zones"]["Kitchen"]["outcome"] == "chimed"
    assert await hass.config_entries.async_setup(loaded_entry.entry_id)
    await hass.async_block_till_done()
    response = await play(hass, media="long.mp3", zones=["Kitchen"], volume=50)
    assert response["zones"]["Kitchen"]["outcome"] == "chimed"
    assert_back_on_the_queue(household)


def record_key(entry: MockConfigEntry) -> str:
    """Where the chime under way keeps what it will restore."""
    return f"{DOMAIN}.{entry.entry_id}.chime_record"


async def test_reload_waits_for_the_running_chime(
    hass: HomeAssistant, household: Household, hass_storage: dict[str, Any]
) -> None:
    """Reloaded mid-chime: zones back first, the play shown, the next one plays."""
    play_music(household)
    put_in_library(hass, "long.mp3", "chime_long.mp3")
    entry = household_entry(
        household,
        zones=["Kitchen"],
        subentries=[chime_subentry(media="long.mp3", volume=30)],
    )
    manager = await set_up(hass, entry)
    chime = hass.async_create_task(press_play_now(hass))
    await chime_playing(hass, household)
    assert record_key(entry) in hass_storage

    assert await hass.config_entries.async_reload(entry.entry_id)

    assert_back_on_the_queue(household)
    # Forgotten once the household was back, not when the reload began.
    assert record_key(entry) not in hass_storage
    await chime
    assert entry.state is ConfigEntryState.LOADED
    assert entry.runtime_data.manager is not manager
    # The chime's result reached Last played before its entities went away.
    last_played = hass.states.get(LAST_PLAYED)
    assert last_played is not None
    assert "Kitchen" in last_played.attributes["chimed"]

    # The household set up again chimes as before.
    await press_play_now(hass)
    assert entry.runtime_data.manager.last_played(MORNING) is not None
    assert_back_on_the_queue(household)


async def test_a_cancelled_caller_leaves_the_chime_to_finish(
    hass: HomeAssistant,
    household: Household,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """A script restarted mid-chime: the chime still puts every zone back.

    The record stays until then, so a stop in between would still restore.
    """
    play_music(household)
    put_in_library(hass, "long.mp3", "chime_long.mp3")
    chime = hass.async_create_task(
        play(hass, media="long.mp3", zones=["Kitchen"], volume=30)
    )
    await chime_playing(hass, household)

    chime.cancel()
    with pytest.raises(asyncio.CancelledError):
        await chime

    assert record_key(loaded_entry) in hass_storage
    assert household["Kitchen"].state()["volume"] == 30  # still chiming
    await hass.async_block_till_done()
    assert_back_on_the_queue(household)
    assert record_key(loaded_entry) not in hass_storage


async def test_stop_mid_chime_puts_every_zone_back_first(
    hass: HomeAssistant,
    household: Household,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Home Assistant's graceful stop waits while the chime is cut short and undone."""
    play_music(household)
    put_in_library(hass, "silence.ogg", "chime_silent_long.ogg")
    chime = hass.async_create_task(
        play(hass, media="silence.ogg", zones=["Kitchen"], volume=30)
    )
    await chime_playing(hass, household, "silence.ogg")

    await hass.async_stop()

    # Cut short (the 30 s chime had not ended) and put back before the stop ended;
    # the call says so, without an error at every restart.
    assert_back_on_the_queue(household)
    assert record_key(loaded_entry) not in hass_storage
    kitchen = (await chime)["zones"]["Kitchen"]
    assert (kitchen["outcome"], kitchen["reason"]) == ("failed", "stopped")


async def test_a_stop_while_preparing_touches_nothing(
    hass: HomeAssistant,
    household: Household,
    loaded_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
) -> None:
    """Stopping before the first pause: no record, no speaker changed."""
    play_music(household)
    put_in_library(hass, "long.mp3", "chime_long.mp3")
    await loaded_entry.runtime_data.manager.async_cut_short()
    household.clear_events()

    with pytest.raises(HomeAssistantError) as err:
        await play(hass, media="long.mp3", zones=["Kitchen"], volume=30)

    assert "stopping" in str(err.value)
    assert state_changing_actions(household) == []
    assert record_key(loaded_entry) not in hass_storage


def assert_back_on_the_queue(household: Household) -> None:
    """Kitchen plays its third queue track again, at its own volume."""
    kitchen = household["Kitchen"]
    state = kitchen.state()
    assert state["current_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert state["transport_state"] == "PLAYING"
    assert state["track_number"] == 3
    assert state["volume"] == 9


async def test_unload_gives_up_waiting_after_the_busy_timeout(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A household held past the bound is unloaded anyway, with a warning."""
    data = loaded_entry.runtime_data
    async_get_guard(hass).timeout = 0.05
    async with async_get_guard(hass).hold(data.household.household_id, 1.0):
        assert await hass.config_entries.async_unload(loaded_entry.entry_id)

    assert loaded_entry.state is ConfigEntryState.NOT_LOADED
    assert "while a chime still holds the household" in caplog.text
