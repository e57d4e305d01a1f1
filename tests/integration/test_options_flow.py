"""The household's options: all zones, present and future."""

from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    CONF_ZONES,
    DOMAIN,
    SUBENTRY_ZONE,
)
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET


async def assert_translated(hass: HomeAssistant, result: Any) -> None:
    """Whatever the options flow shows has English text."""
    strings = await async_get_translations(hass, "en", "options", {DOMAIN})
    prefix = f"component.{DOMAIN}.options"
    if result["type"] is FlowResultType.FORM:
        step = f"{prefix}.step.{result['step_id']}"
        assert f"{step}.title" in strings
        for marker in result["data_schema"].schema:
            assert f"{step}.data.{marker.schema}" in strings
            assert f"{step}.data_description.{marker.schema}" in strings
        for error in (result["errors"] or {}).values():
            assert f"{prefix}.error.{error}" in strings
    elif result["type"] is FlowResultType.ABORT:
        assert f"{prefix}.abort.{result['reason']}" in strings


async def open_options(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Open the options form and check it is the one we translate."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["errors"] == {}

    strings = await async_get_translations(hass, "en", "options", {DOMAIN})
    step = f"component.{DOMAIN}.options.step.init"
    assert strings[f"{step}.data.{CONF_ALL_ZONES}"] == "All zones, present and future"
    await assert_translated(hass, result)
    assert [marker.schema for marker in result["data_schema"].schema] == [
        CONF_ALL_ZONES
    ]
    return result


async def configure(hass: HomeAssistant, result: Any, user_input: Any) -> Any:
    """Submit a form of the options flow and let any reload finish."""
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input
    )
    await hass.async_block_till_done()
    await assert_translated(hass, result)
    return result


def default(result: Any) -> bool:
    """What the switch shows when the form opens."""
    [marker] = result["data_schema"].schema
    return marker.default()


def zones_added(entry: MockConfigEntry) -> list[str]:
    """The names of the zones added one by one."""
    return sorted(
        subentry.title
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_ZONE
    )


@pytest.mark.usefixtures("ha_server")
async def test_all_zones_on_then_off(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, household: Household
) -> None:
    """Off by default for a household added before; on and off again is stored.

    Switched off with no zone added, nothing would chime: the zones are asked
    for before anything is saved.
    """
    uids = {speaker.name: speaker.uid for speaker in household.speakers}
    assert CONF_ALL_ZONES not in loaded_entry.options
    result = await open_options(hass, loaded_entry)
    assert default(result) is False

    result = await configure(hass, result, {CONF_ALL_ZONES: True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {CONF_ALL_ZONES: True}
    assert loaded_entry.state is ConfigEntryState.LOADED

    result = await open_options(hass, loaded_entry)
    assert default(result) is True
    result = await configure(hass, result, {CONF_ALL_ZONES: False})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zones"
    [marker] = result["data_schema"].schema
    assert [
        (option["value"], option["label"])
        for option in result["data_schema"].schema[marker].config["options"]
    ] == [(uids[name], name) for name in ("Chicken Coop", "Kitchen", "Living Room")]
    assert dict(loaded_entry.options) == {CONF_ALL_ZONES: True}

    result = await configure(hass, result, {CONF_ZONES: []})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ZONES: "no_zones_chosen"}

    result = await configure(
        hass, result, {CONF_ZONES: [uids["Living Room"], uids["Kitchen"]]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {CONF_ALL_ZONES: False}
    assert zones_added(loaded_entry) == ["Kitchen", "Living Room"]
    [kitchen] = [
        subentry
        for subentry in loaded_entry.subentries.values()
        if subentry.title == "Kitchen"
    ]
    assert kitchen.unique_id == uids["Kitchen"]
    assert dict(kitchen.data) == {
        CONF_ZONE_UID: uids["Kitchen"],
        CONF_ZONE_NAME: "Kitchen",
    }
    assert loaded_entry.state is ConfigEntryState.LOADED
    manager = loaded_entry.runtime_data.manager
    assert [zone.name for zone in manager.chime_zones()] == ["Kitchen", "Living Room"]


@pytest.mark.usefixtures("ha_server")
async def test_all_zones_off_with_zones_added(
    hass: HomeAssistant, mock_entry: MockConfigEntry, household: Household
) -> None:
    """Zones added before chime again as soon as All zones is off."""
    kitchen = household["Kitchen"].uid
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_entry.title,
        unique_id=mock_entry.unique_id,
        data=dict(mock_entry.data),
        options={CONF_ALL_ZONES: True},
        subentries_data=[
            ConfigSubentryData(
                data={CONF_ZONE_UID: kitchen, CONF_ZONE_NAME: "Kitchen"},
                subentry_type=SUBENTRY_ZONE,
                title="Kitchen",
                unique_id=kitchen,
            )
        ],
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    result = await open_options(hass, entry)
    result = await configure(hass, result, {CONF_ALL_ZONES: False})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {CONF_ALL_ZONES: False}
    assert zones_added(entry) == ["Kitchen"]


async def test_options_of_a_household_not_set_up(hass: HomeAssistant) -> None:
    """All zones needs no speaker: it can be switched on while the household is away.

    Off, with no zone added, needs the zones the household would list.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="Sonos_elsewhere",
        data={"hosts": [f"{EMULATOR_NET}.29"]},
    )
    entry.add_to_hass(hass)
    assert entry.state is ConfigEntryState.NOT_LOADED

    result = await open_options(hass, entry)
    result = await configure(hass, result, {CONF_ALL_ZONES: False})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ALL_ZONES: "entry_not_loaded"}
    assert dict(entry.options) == {}

    result = await configure(hass, result, {CONF_ALL_ZONES: True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {CONF_ALL_ZONES: True}
