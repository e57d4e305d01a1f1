"""The household's options: all zones, present and future."""

from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState, ConfigSubentryData
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
)

from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_MODE,
    CONF_NAME,
    CONF_ONLY_OCCUPIED,
    CONF_QUIET_HOURS,
    CONF_TV,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    CONF_ZONES,
    DOMAIN,
    SUBENTRY_ZONE,
)
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET

from .helpers import (
    MORNING,
    chime_subentry,
    configure_options,
    household_entry,
    open_options,
    set_up,
    zone_subentry,
)


def default(result: Any) -> bool:
    """What the All zones switch shows when the form opens."""
    marker = next(iter(result["data_schema"].schema))
    return bool(marker.default())


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

    result = await configure_options(hass, result, {CONF_ALL_ZONES: True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(loaded_entry.options) == {CONF_ALL_ZONES: True}
    assert loaded_entry.state is ConfigEntryState.LOADED

    result = await open_options(hass, loaded_entry)
    assert default(result) is True
    result = await configure_options(hass, result, {CONF_ALL_ZONES: False})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zones"
    [marker] = result["data_schema"].schema
    assert [
        (option["value"], option["label"])
        for option in result["data_schema"].schema[marker].config["options"]
    ] == [(uids[name], name) for name in ("Chicken Coop", "Kitchen", "Living Room")]
    assert dict(loaded_entry.options) == {CONF_ALL_ZONES: True}

    result = await configure_options(hass, result, {CONF_ZONES: []})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ZONES: "no_zones_chosen"}

    result = await configure_options(
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


def stored_entry(
    mock_entry: MockConfigEntry,
    household: Household,
    zones: tuple[str, ...],
    *,
    minor_version: int,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """The household as version 1.minor_version stored it, zones added one by one."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=mock_entry.title,
        unique_id=mock_entry.unique_id,
        data=dict(mock_entry.data),
        options=options or {},
        version=1,
        minor_version=minor_version,
        subentries_data=[
            cast(ConfigSubentryData, zone_subentry(household, name)) for name in zones
        ],
    )


def zone_places(
    hass: HomeAssistant, entry: MockConfigEntry
) -> dict[str, set[str | None]]:
    """Each zone's subentry titles, as its device and entities belong to them.

    The integration page lists devices under their subentry, and those in
    none under "Devices that don't belong to a sub-entry".
    """
    titles = {sub.subentry_id: sub.title for sub in entry.subentries.values()}
    places: dict[str, set[str | None]] = {}
    devices = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(devices, entry.entry_id):
        if device.model in ("Household", "Chime"):
            continue
        assert device.name is not None
        places.setdefault(device.name, set()).add(titles.get(device.config_subentry_id))
        for entity in er.async_entries_for_device(er.async_get(hass), device.id):
            places[device.name].add(titles.get(entity.config_subentry_id))
    return places


@pytest.mark.usefixtures("ha_server")
async def test_all_zones_on_then_off_lists_every_zone_alike(
    hass: HomeAssistant, mock_entry: MockConfigEntry, household: Household
) -> None:
    """On, no zone is listed apart from the others; off again asks which zones.

    Zones added one by one become part of all, keeping their entities as the
    user renamed them; zones not chosen again leave no device behind.
    """
    uids = {speaker.name: speaker.uid for speaker in household.speakers}
    entry = stored_entry(
        mock_entry,
        household,
        ("Kitchen", "Living Room"),
        minor_version=2,
        options={CONF_ALL_ZONES: False},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert zone_places(hass, entry) == {
        "Kitchen": {"Kitchen"},
        "Living Room": {"Living Room"},
    }
    entities = er.async_get(hass)
    kitchen_chimes = entities.async_get_entity_id(
        "switch", DOMAIN, f"{entry.entry_id}_{uids['Kitchen']}_chimes"
    )
    assert kitchen_chimes is not None
    entities.async_update_entity(kitchen_chimes, name="Kitchen bell")
    registry_updates = async_capture_events(hass, er.EVENT_ENTITY_REGISTRY_UPDATED)

    result = await open_options(hass, entry)
    result = await configure_options(hass, result, {CONF_ALL_ZONES: True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {CONF_ALL_ZONES: True}
    assert zones_added(entry) == []
    assert zone_places(hass, entry) == {
        "Chicken Coop": {None},
        "Kitchen": {None},
        "Living Room": {None},
    }
    renamed = entities.async_get(kitchen_chimes)
    assert renamed is not None
    assert renamed.name == "Kitchen bell"
    assert hass.states.get(kitchen_chimes) is not None
    manager = entry.runtime_data.manager
    assert [zone.name for zone in manager.chime_zones()] == [
        "Chicken Coop",
        "Kitchen",
        "Living Room",
    ]

    result = await open_options(hass, entry)
    result = await configure_options(hass, result, {CONF_ALL_ZONES: False})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "zones"
    result = await configure_options(
        hass, result, {CONF_ZONES: [uids["Kitchen"], uids["Living Room"]]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert zones_added(entry) == ["Kitchen", "Living Room"]
    assert zone_places(hass, entry) == {
        "Kitchen": {"Kitchen"},
        "Living Room": {"Living Room"},
    }
    renamed = entities.async_get(kitchen_chimes)
    assert renamed is not None
    assert renamed.name == "Kitchen bell"
    assert hass.states.get(kitchen_chimes) is not None
    # Moved, never removed and made again: only the Coop, not chosen, went.
    removed = {
        event.data["entity_id"]
        for event in registry_updates
        if event.data["action"] == "remove"
    }
    assert removed == {"switch.chicken_coop_chimes"}


@pytest.mark.usefixtures("ha_server")
async def test_migration_takes_zones_added_into_all_zones(
    hass: HomeAssistant, mock_entry: MockConfigEntry, household: Household
) -> None:
    """1.1 kept zones added while All zones was on; 1.2 keeps them as part of all."""
    kitchen = household["Kitchen"].uid
    entry = stored_entry(
        mock_entry,
        household,
        ("Kitchen",),
        minor_version=1,
        options={CONF_ALL_ZONES: True},
    )
    entry.add_to_hass(hass)
    # Registered under its subentry by the version that made it.
    kitchen_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        config_subentry_id="zone_kitchen",
        identifiers={(DOMAIN, kitchen)},
        name="Kitchen",
    )
    chimes = er.async_get(hass).async_get_or_create(
        "switch",
        DOMAIN,
        f"{entry.entry_id}_{kitchen}_chimes",
        config_entry=entry,
        config_subentry_id="zone_kitchen",
        device_id=kitchen_device.id,
        suggested_object_id="kitchen_bell",
    )

    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, 3)
    assert zones_added(entry) == []
    assert zone_places(hass, entry) == {
        "Chicken Coop": {None},
        "Kitchen": {None},
        "Living Room": {None},
    }
    assert hass.states.get(chimes.entity_id) is not None
    assert chimes.entity_id == "switch.kitchen_bell"


@pytest.mark.usefixtures("ha_server")
async def test_migration_keeps_zones_added_with_all_zones_off(
    hass: HomeAssistant, mock_entry: MockConfigEntry, household: Household
) -> None:
    """With All zones off, the zones added are the chime zones: nothing moves."""
    entry = stored_entry(mock_entry, household, ("Kitchen",), minor_version=1)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert (entry.version, entry.minor_version) == (1, 3)
    assert zones_added(entry) == ["Kitchen"]
    assert zone_places(hass, entry) == {"Kitchen": {"Kitchen"}}


async def test_migration_refuses_a_newer_version(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    """A household stored by a newer version is not guessed at."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=mock_entry.unique_id,
        data=dict(mock_entry.data),
        version=2,
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.MIGRATION_ERROR


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
    result = await configure_options(hass, result, {CONF_ALL_ZONES: False})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ALL_ZONES: "entry_not_loaded"}
    assert dict(entry.options) == {}

    result = await configure_options(hass, result, {CONF_ALL_ZONES: True})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert dict(entry.options) == {CONF_ALL_ZONES: True}


@pytest.mark.usefixtures("ha_server")
async def test_migration_gives_older_chimes_every_setting(
    hass: HomeAssistant, household: Household
) -> None:
    """1.3: a chime stored before modes, quiet hours and occupancy keeps playing
    as it did (interrupting, held in quiet hours, everywhere); one that has
    them keeps its own.
    """
    old = chime_subentry()
    old["data"].pop(CONF_TV)
    old["data"].pop(CONF_ZONES)
    newer = chime_subentry("evening", name="Evening")
    newer["data"] |= {
        CONF_MODE: "overlay",
        CONF_QUIET_HOURS: "night_volume",
        CONF_ONLY_OCCUPIED: True,
    }
    entry = household_entry(household, all_zones=True, subentries=[old, newer])
    assert (entry.version, entry.minor_version) == (1, 1)
    await set_up(hass, entry)

    assert (entry.version, entry.minor_version) == (1, 3)
    assert {
        key: entry.subentries[MORNING].data[key]
        for key in (CONF_NAME, CONF_ZONES, CONF_TV, CONF_MODE)
    } == {CONF_NAME: "Morning", CONF_ZONES: [], CONF_TV: "skip", CONF_MODE: "interrupt"}
    assert entry.subentries[MORNING].data[CONF_QUIET_HOURS] == "hold"
    assert entry.subentries[MORNING].data[CONF_ONLY_OCCUPIED] is False
    evening = entry.subentries["evening"].data
    assert (
        evening[CONF_MODE],
        evening[CONF_QUIET_HOURS],
        evening[CONF_ONLY_OCCUPIED],
    ) == ("overlay", "night_volume", True)
    manager = entry.runtime_data.manager
    assert manager.next_fire(MORNING) is not None
    assert manager.next_fire("evening") is not None
