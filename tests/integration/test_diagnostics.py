"""Diagnostics: what a chime needs to be followed, without addresses or ids."""

import json
from typing import Any

from homeassistant.components.diagnostics import REDACTED
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_HOSTS,
    CONF_MEDIA,
    CONF_TIME,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    DOMAIN,
)
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET

from .helpers import (
    chime_subentry,
    put_in_library,
    zone_subentry,
)

HOSTS = [f"{EMULATOR_NET}.2", f"{EMULATOR_NET}.3", f"{EMULATOR_NET}.4"]
URL_MEDIA = "http://user:secret@nas.example/chimes/gong.mp3"


@pytest.fixture
def entry(household: Household) -> MockConfigEntry:
    """Two zones added (the Living Room is not), a local and a URL chime."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Chicken Coop, Kitchen, Living Room",
        unique_id=household.household_id,
        data={CONF_HOSTS: HOSTS},
        options={CONF_ALL_ZONES: False},
        subentries_data=[
            zone_subentry(household, "Kitchen"),
            zone_subentry(household, "Chicken Coop"),
            chime_subentry(
                "bell", name="Bell", media="short.mp3", at="07:30:00", volume=20
            ),
            chime_subentry(
                "gong",
                name="Gong",
                media=URL_MEDIA,
                at="07:30:00",
                volume=20,
                enabled=False,
            ),
        ],
    )


@pytest.fixture
def library(hass: HomeAssistant) -> None:
    """The Bell chime's file, in the library before setup."""
    put_in_library(hass, "short.mp3")


def subentry_id(entry: MockConfigEntry, title: str) -> str:
    (found,) = (s for s in entry.subentries.values() if s.title == title)
    return found.subentry_id


def assert_nothing_identifies(
    diagnostics: dict[str, Any], household: Household
) -> None:
    text = json.dumps(diagnostics)
    for secret in (*HOSTS, household.household_id, "secret", "nas.example"):
        assert secret not in text, secret


@pytest.mark.usefixtures("ha_server", "library")
async def test_diagnostics_of_a_household_that_chimed(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    household: Household,
    entry: MockConfigEntry,
) -> None:
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    manager = entry.runtime_data.manager
    coop = household["Chicken Coop"].uid
    kitchen = household["Kitchen"].uid
    manager.async_set_quiet(True)
    manager.async_set_zone_enabled(coop, False)
    bell = subentry_id(entry, "Bell")
    gong = subentry_id(entry, "Gong")
    await manager.async_play_chime(bell, trigger="button")

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert_nothing_identifies(diagnostics, household)
    assert diagnostics["entry"] == {
        "title": "Chicken Coop, Kitchen, Living Room",
        "state": "loaded",
        "version": 1,
        "minor_version": 3,
        "unique_id": REDACTED,
        "data": {CONF_HOSTS: REDACTED},
        "options": {CONF_ALL_ZONES: False},
    }
    subentries = {sub["title"]: sub for sub in diagnostics["subentries"]}
    assert subentries["Kitchen"]["unique_id"] == kitchen
    assert subentries["Kitchen"]["data"] == {
        CONF_ZONE_UID: kitchen,
        CONF_ZONE_NAME: "Kitchen",
    }
    assert subentries["Bell"]["data"][CONF_MEDIA] == "short.mp3"
    assert subentries["Gong"]["data"][CONF_MEDIA] == REDACTED
    assert subentries["Gong"]["data"][CONF_TIME] == "07:30:00"

    for moment in ("at_setup", "now"):
        topology = diagnostics["topology"][moment]
        assert topology["household_id"] == REDACTED
        assert [z["name"] for z in topology["zones"]] == [
            "Chicken Coop",
            "Kitchen",
            "Living Room",
        ]
        for reported in topology["zones"]:
            assert reported["host"] == REDACTED
            assert reported["uid"] == household[reported["name"]].uid
            assert reported["coordinator_uid"] == reported["uid"]

    chimes = diagnostics["chimes"]
    assert chimes["quiet"] is True
    assert chimes["chime_zones"] == [coop, kitchen]
    assert chimes["zone_switches"] == {
        coop: False,
        kitchen: True,
        household["Living Room"].uid: True,
    }
    assert chimes["chimes"][gong] == {
        "title": "Gong",
        "next_fire": None,
        "last_played": None,
        "last_result": None,
    }
    played = chimes["chimes"][bell]
    assert played["title"] == "Bell"
    assert played["next_fire"] == manager.next_fire(bell).isoformat()
    assert played["last_played"] == manager.last_played(bell).isoformat()
    zones = played["last_result"]["zones"]
    assert zones["Kitchen"]["outcome"] == "chimed"
    assert zones["Chicken Coop"]["outcome"] == "skipped"
    assert zones["Chicken Coop"]["reason"] == "excluded"
    assert "Living Room" not in zones


@pytest.mark.usefixtures("ha_server", "library")
async def test_diagnostics_when_the_household_stops_answering(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    household: Household,
    entry: MockConfigEntry,
) -> None:
    """What it said at setup stays; why it is silent now, without its addresses."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for speaker in household.speakers:
        speaker.go_offline()

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert_nothing_identifies(diagnostics, household)
    assert len(diagnostics["topology"]["at_setup"]["zones"]) == 3
    error = diagnostics["topology"]["now"]["error"]
    assert error
    assert REDACTED in error


@pytest.mark.usefixtures("ha_server")
async def test_diagnostics_of_a_household_not_loaded(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    household: Household,
    entry: MockConfigEntry,
) -> None:
    for speaker in household.speakers:
        speaker.go_offline()
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert_nothing_identifies(diagnostics, household)
    assert diagnostics["entry"]["state"] == "setup_retry"
    assert diagnostics["entry"]["data"] == {CONF_HOSTS: REDACTED}
    assert len(diagnostics["subentries"]) == 4
    assert diagnostics["topology"] is None
    assert diagnostics["chimes"] is None
