"""The chime manager: zone switches, the event, results and reloads."""

from collections.abc import Callable
from datetime import time

from homeassistant.config_entries import ConfigEntryState, ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_ENABLED,
    CONF_TIME,
    CONF_VOLUME,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    SUBENTRY_ZONE,
)
from sonos_emulator import Household
from tests.conftest import MediaServer

from .helpers import (
    MORNING,
    chime_events,
    chime_subentry,
    household_entry,
    outcomes,
    play,
    set_up,
    touched,
)


def subentry(entry: MockConfigEntry, subentry_id: str) -> ConfigSubentry:
    """One subentry as it is stored now."""
    return entry.subentries[subentry_id]


# ---------------------------------------------------------------- tests

pytestmark = pytest.mark.usefixtures("ha_server")


async def test_chime_zones(hass: HomeAssistant, household: Household) -> None:
    """Zone subentries choose the chime zones, unless all zones are chosen."""
    entry = household_entry(household, zones=["Kitchen", "Chicken Coop"])
    manager = await set_up(hass, entry)
    assert [zone.name for zone in manager.chime_zones()] == ["Chicken Coop", "Kitchen"]
    assert manager.zone_subentry_id(household["Kitchen"].uid) == "zone_kitchen"
    assert manager.zone_subentry_id(household["Living Room"].uid) is None

    hass.config_entries.async_update_entry(entry, options={CONF_ALL_ZONES: True})
    await hass.async_block_till_done()
    manager = entry.runtime_data.manager
    assert [zone.name for zone in manager.chime_zones()] == [
        "Chicken Coop",
        "Kitchen",
        "Living Room",
    ]


async def test_chime_plays_on_chime_zones_only(
    hass: HomeAssistant, household: Household
) -> None:
    """A chime for every zone means every chime zone: Living Room is not one."""
    entry = household_entry(
        household, zones=["Kitchen", "Chicken Coop"], subentries=[chime_subentry()]
    )
    manager = await set_up(hass, entry)
    events = chime_events(hass)
    household.clear_events()

    result = await manager.async_play_chime(MORNING, trigger="button")

    assert result is not None
    assert [zone.name for zone in result.chimed] == ["Chicken Coop", "Kitchen"]
    assert touched(household) == {"Chicken Coop", "Kitchen"}
    assert len(events) == 1
    event = events[0].data
    assert event["entry_id"] == entry.entry_id
    assert event["household"] == household.household_id
    assert (event["chime"], event["chime_id"], event["trigger"]) == (
        "Morning",
        MORNING,
        "button",
    )
    assert outcomes(event["zones"]) == {
        "Chicken Coop": ("chimed", None),
        "Kitchen": ("chimed", None),
    }
    assert manager.last_result(MORNING) == {
        key: value
        for key, value in event.items()
        if key not in ("entry_id", "household", "chime", "chime_id")
    }
    assert manager.last_played(MORNING) == result.started_at


async def test_chime_on_listed_zones(hass: HomeAssistant, household: Household) -> None:
    """Zones are kept by uid: the chime follows a zone the household renamed."""
    kitchen = household["Kitchen"]
    entry = household_entry(
        household, all_zones=True, subentries=[chime_subentry(zones=[kitchen.uid])]
    )
    manager = await set_up(hass, entry)
    kitchen.name = "Cuisine"
    household.clear_events()

    result = await manager.async_play_chime(MORNING, trigger="button")

    assert result is not None
    assert outcomes(result.as_dict()["zones"]) == {"Cuisine": ("chimed", None)}
    assert touched(household) == {"Cuisine"}


async def test_zone_switched_off_is_left_alone(
    hass: HomeAssistant, household: Household
) -> None:
    """A zone switched off gets no state-changing action and shows as skipped."""
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    coop = household["Chicken Coop"]
    manager.async_set_zone_enabled(coop.uid, False)
    assert not manager.zone_enabled(coop.uid)
    events = chime_events(hass)
    household.clear_events()

    await manager.async_play_chime(MORNING, trigger="button")

    assert touched(household) == {"Kitchen", "Living Room"}
    assert outcomes(events[0].data["zones"]) == {
        "Chicken Coop": ("skipped", "excluded"),
        "Kitchen": ("chimed", None),
        "Living Room": ("chimed", None),
    }

    # Back on, it chimes again.
    manager.async_set_zone_enabled(coop.uid, True)
    household.clear_events()
    await manager.async_play_chime(MORNING, trigger="button")
    assert touched(household) == {"Chicken Coop", "Kitchen", "Living Room"}


async def test_zone_switched_off_in_a_chimed_group(
    hass: HomeAssistant, household: Household
) -> None:
    """Grouped with a zone that chimes, a zone switched off stays muted."""
    household.join("Chicken Coop", "Kitchen")
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    coop = household["Chicken Coop"]
    manager.async_set_zone_enabled(coop.uid, False)

    result = await manager.async_play_chime(MORNING, trigger="button")

    assert result is not None
    assert outcomes(result.as_dict()["zones"])["Chicken Coop"] == (
        "skipped",
        "excluded",
    )
    assert [event["mute"] for event in coop.events() if event["kind"] == "mute"] == [
        True,
        False,
    ]
    assert coop.state()["mute"] is False


async def test_action_goes_through_the_manager(
    hass: HomeAssistant, household: Household, media_server: MediaServer
) -> None:
    """The action respects zone switches and fires the event too."""
    entry = household_entry(household, zones=["Kitchen", "Chicken Coop"])
    manager = await set_up(hass, entry)
    manager.async_set_zone_enabled(household["Chicken Coop"].uid, False)
    events = chime_events(hass)
    household.clear_events()

    response = await play(hass, media=media_server.url("chime_short.mp3"))

    # Living Room is no chime zone, but the action plays on every zone asked.
    assert outcomes(response["zones"]) == {
        "Chicken Coop": ("skipped", "excluded"),
        "Kitchen": ("chimed", None),
        "Living Room": ("chimed", None),
    }
    assert touched(household) == {"Kitchen", "Living Room"}
    assert len(events) == 1
    event = events[0].data
    assert event["trigger"] == "action"
    assert (event["chime"], event["chime_id"]) == (None, None)
    assert event["zones"] == response["zones"]

    # A zone named in the call but switched off is not played either.
    household.clear_events()
    response = await play(
        hass, media=media_server.url("chime_short.mp3"), zones=["chicken coop"]
    )
    assert outcomes(response["zones"]) == {"Chicken Coop": ("skipped", "excluded")}
    assert touched(household) == set()


async def test_no_chime_zone(hass: HomeAssistant, household: Household) -> None:
    """A chime whose zones are no chime zones refuses, translated."""
    entry = household_entry(
        household,
        zones=["Kitchen"],
        subentries=[chime_subentry(zones=[household["Living Room"].uid])],
    )
    manager = await set_up(hass, entry)
    events = chime_events(hass)
    household.clear_events()

    with pytest.raises(ServiceValidationError) as err:
        await manager.async_play_chime(MORNING, trigger="button")
    assert err.value.translation_key == "no_chime_zones"
    assert err.value.translation_placeholders == {"chime": "Morning"}
    assert touched(household) == set()
    # Nothing played, and automations hear why.
    [event] = events
    assert event.data["zones"] == {}
    assert event.data["error"] == str(err.value)


async def test_ui_changes_reload_own_changes_do_not(
    hass: HomeAssistant, household: Household
) -> None:
    """Subentries and options from the UI reload; time and Enabled do not."""
    entry = household_entry(household, zones=["Kitchen"], subentries=[chime_subentry()])
    manager = await set_up(hass, entry)

    def reloaded() -> bool:
        return entry.runtime_data.manager is not manager

    manager.async_set_chime_time(MORNING, time(8, 15))
    manager.async_set_chime_enabled(MORNING, False)
    await hass.async_block_till_done()
    assert not reloaded()
    assert subentry(entry, MORNING).data[CONF_TIME] == "08:15:00"
    assert subentry(entry, MORNING).data[CONF_ENABLED] is False

    changes: list[Callable[[], object]] = [
        lambda: hass.config_entries.async_update_subentry(
            entry,
            subentry(entry, MORNING),
            data={**subentry(entry, MORNING).data, CONF_VOLUME: 30},
        ),
        lambda: hass.config_entries.async_add_subentry(
            entry,
            ConfigSubentry(
                data={
                    CONF_ZONE_UID: household["Living Room"].uid,
                    CONF_ZONE_NAME: "Living Room",
                },
                subentry_type=SUBENTRY_ZONE,
                title="Living Room",
                unique_id=household["Living Room"].uid,
            ),
        ),
        lambda: hass.config_entries.async_remove_subentry(entry, "zone_kitchen"),
        lambda: hass.config_entries.async_update_entry(
            entry, options={CONF_ALL_ZONES: True}
        ),
    ]
    for change in changes:
        manager = entry.runtime_data.manager
        change()
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert reloaded()

    manager = entry.runtime_data.manager
    assert [zone.name for zone in manager.chime_zones()] == [
        "Chicken Coop",
        "Kitchen",
        "Living Room",
    ]


async def test_a_chime_plays_each_room_at_its_volume(
    hass: HomeAssistant, household: Household
) -> None:
    """Saved room volumes reach the speakers; every one gets its own back."""
    own = {"Chicken Coop": 8, "Kitchen": 30, "Living Room": 60}
    for name, volume in own.items():
        household[name].set_volume(volume)
    chime = chime_subentry()
    chime["data"] |= {
        "zone_volumes": {household["Kitchen"].uid: 44},
        "volume_offset": 10,
        "volume_min": 12,
        "volume_max": 50,
    }
    entry = household_entry(household, all_zones=True, subentries=[chime])
    manager = await set_up(hass, entry)
    household.clear_events()

    await manager.async_play_chime(MORNING, trigger="button")

    heard = {
        speaker.name: next(
            e["volume"] for e in speaker.events() if e["kind"] == "volume"
        )
        for speaker in household.speakers
    }
    assert heard == {"Chicken Coop": 18, "Kitchen": 44, "Living Room": 50}
    assert {s.name: s.state()["volume"] for s in household.speakers} == own
