"""The household's options: all zones, present and future."""

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import CONF_ALL_ZONES, DOMAIN
from tests.conftest import EMULATOR_NET


async def open_options(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Open the options form and check it is the one we translate."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["errors"] is None

    strings = await async_get_translations(hass, "en", "options", {DOMAIN})
    step = f"component.{DOMAIN}.options.step.init"
    assert f"{step}.title" in strings
    assert strings[f"{step}.data.{CONF_ALL_ZONES}"] == "All zones, present and future"
    assert f"{step}.data_description.{CONF_ALL_ZONES}" in strings
    assert [marker.schema for marker in result["data_schema"].schema] == [
        CONF_ALL_ZONES
    ]
    return result


def default(result: Any) -> bool:
    """What the switch shows when the form opens."""
    [marker] = result["data_schema"].schema
    return marker.default()


@pytest.mark.usefixtures("ha_server")
async def test_all_zones_on_then_off(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """Off by default; turning it on and off again is stored and shown."""
    assert CONF_ALL_ZONES not in loaded_entry.options
    result = await open_options(hass, loaded_entry)
    assert default(result) is False

    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ALL_ZONES: True}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {CONF_ALL_ZONES: True}
    assert loaded_entry.state is ConfigEntryState.LOADED

    result = await open_options(hass, loaded_entry)
    assert default(result) is True
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ALL_ZONES: False}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {CONF_ALL_ZONES: False}
    assert loaded_entry.state is ConfigEntryState.LOADED


async def test_options_of_a_household_not_set_up(hass: HomeAssistant) -> None:
    """The option needs no speaker: it can be set while the household is away."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="Sonos_elsewhere",
        data={"hosts": [f"{EMULATOR_NET}.29"]},
    )
    entry.add_to_hass(hass)
    assert entry.state is ConfigEntryState.NOT_LOADED

    result = await open_options(hass, entry)
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {CONF_ALL_ZONES: True}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {CONF_ALL_ZONES: True}
