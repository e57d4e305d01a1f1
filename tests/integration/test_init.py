"""Setting up and unloading a household."""

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import CONF_HOSTS, DOMAIN, SERVICE_PLAY
from custom_components.sonos_chime.engine import ChimeEngine
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET

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
