"""The sonos_chime.play action against the emulated household."""

from pathlib import Path
import re
import time
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import DOMAIN as HOMEASSISTANT_DOMAIN, HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
import yaml

from custom_components.sonos_chime.const import CONF_HOSTS, DOMAIN, SERVICE_PLAY
from sonos_emulator import Household, Track
from tests.conftest import EMULATOR_NET, assert_resumed

from .helpers import (
    assert_error_translated,
    play,
    put_in_library,
    state_changing_actions,
)

RADIO = "x-rincon-mp3radio://radio.example.com/stream.mp3"
BARN = f"{EMULATOR_NET}.10"  # the second household's only speaker


@pytest.mark.usefixtures("loaded_entry")
async def test_a_wrong_choice_is_named_with_the_choices(hass: HomeAssistant) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, media="bell.mp3", mode="loud")
    assert str(err.value) == (
        "loud is not a mode this action knows; choose one of: interrupt, overlay, auto"
    )


@pytest.mark.usefixtures("loaded_entry")
async def test_an_unknown_zone_is_shown_beside_the_zones_there_are(
    hass: HomeAssistant, household: Household
) -> None:
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, media="bell.mp3", zones=["Garage"])
    await assert_error_translated(hass, err.value, "unknown_zone")
    assert str(err.value) == (
        "Unknown zone: Garage. Zone names must match the names in the Sonos app;"
        " this household has Chicken Coop, Kitchen, Living Room"
    )


@pytest.mark.usefixtures("loaded_entry")
@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"media": "bell.mp3", "zones": ["Kitchen", "Garage"]}, "unknown_zone"),
        ({"media": "nope.mp3"}, "media_not_found"),
        ({"media": "/local/nope.mp3"}, "media_not_found"),
        ({"media": "/local/sonos_chime/nope.mp3"}, "media_not_found"),
        ({"media": "ftp://example.com/bell.mp3"}, "invalid_media_scheme"),
        ({"media": "file:///config/www/bell.mp3"}, "invalid_media_scheme"),
        ({"media": "bell.mp3", "volume": 101}, "invalid_volume"),
        ({"media": "bell.mp3", "volume": -1}, "invalid_volume"),
        ({"media": "bell.mp3", "zone_volumes": {"Kitchen": 120}}, "invalid_volume"),
        ({"media": "bell.mp3", "zone_volumes": {"Garage": 20}}, "unknown_zone"),
        ({"media": "bell.mp3", "volume_offset": 150}, "invalid_volume_offset"),
        ({"media": "bell.mp3", "volume_min": -5}, "invalid_volume"),
        (
            {
                "media": "bell.mp3",
                "volume_offset": 5,
                "volume_min": 60,
                "volume_max": 40,
            },
            "invalid_volume_range",
        ),
        ({"media": "bell.mp3", "volume": 30, "volume_offset": 5}, "volume_and_offset"),
        ({"media": "bell.mp3", "mode": "loud"}, "invalid_choice"),
        ({"media": "bell.mp3", "tv": "always"}, "invalid_choice"),
        ({"media": "../secrets.yaml"}, "invalid_media"),
        ({"media": "/local/../secrets.yaml"}, "invalid_media"),
        ({"media": "/config/secrets.yaml"}, "invalid_media"),
        ({"media": "http:///bell.mp3"}, "invalid_media"),
    ],
)
async def test_bad_input_touches_nothing(
    hass: HomeAssistant, household: Household, data: dict[str, Any], key: str
) -> None:
    """Every bad call is refused, translated, before any speaker is changed."""
    household.clear_events()
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, **data)
    await assert_error_translated(hass, err.value, key)
    assert state_changing_actions(household) == []


@pytest.mark.usefixtures("loaded_entry")
async def test_unknown_household(hass: HomeAssistant, household: Household) -> None:
    """Home Assistant's own lookup refuses an entry id of no household."""
    household.clear_events()
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, media="bell.mp3", config_entry_id="nope")
    await assert_error_translated(
        hass, err.value, "service_config_entry_not_found", HOMEASSISTANT_DOMAIN
    )
    assert state_changing_actions(household) == []


async def test_other_integrations_entry(
    hass: HomeAssistant, household: Household, loaded_entry: MockConfigEntry
) -> None:
    """An entry of another integration is no household, even a loaded one."""
    other = MockConfigEntry(domain="sun", title="Sun")
    other.add_to_hass(hass)
    household.clear_events()
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, media="bell.mp3", config_entry_id=other.entry_id)
    await assert_error_translated(
        hass, err.value, "service_config_entry_wrong_domain", HOMEASSISTANT_DOMAIN
    )
    assert state_changing_actions(household) == []


async def test_no_household_loaded(hass: HomeAssistant, household: Household) -> None:
    """The action exists without a household but refuses to run."""
    assert await async_setup_component(hass, DOMAIN, {})
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, media="bell.mp3")
    await assert_error_translated(
        hass,
        err.value,
        "service_found_no_config_entry_for_domain",
        HOMEASSISTANT_DOMAIN,
    )
    assert state_changing_actions(household) == []


@pytest.mark.usefixtures("ha_server")
async def test_household_not_loaded(
    hass: HomeAssistant, household: Household, mock_entry: MockConfigEntry
) -> None:
    """A household that did not answer at setup cannot be chimed on."""
    for speaker in household.speakers:
        speaker.go_offline()
    mock_entry.add_to_hass(hass)
    await hass.config_entries.async_setup(mock_entry.entry_id)
    assert mock_entry.state is ConfigEntryState.SETUP_RETRY

    for data in ({}, {"config_entry_id": mock_entry.entry_id}):
        with pytest.raises(ServiceValidationError) as err:
            await play(hass, media="bell.mp3", **data)
        await assert_error_translated(
            hass, err.value, "service_config_entry_not_loaded", HOMEASSISTANT_DOMAIN
        )


async def test_several_households(
    hass: HomeAssistant, household: Household, loaded_entry: MockConfigEntry
) -> None:
    """With two households loaded, the call must say which one."""
    with Household(
        names=["Barn"], first_ip=BARN, household_id="Other", profile="fast"
    ) as other:
        second = MockConfigEntry(
            domain=DOMAIN,
            title="Barn",
            unique_id="Other",
            data={CONF_HOSTS: [BARN]},
        )
        second.add_to_hass(hass)
        assert await hass.config_entries.async_setup(second.entry_id)
        household.clear_events()
        other.clear_events()

        with pytest.raises(ServiceValidationError) as err:
            await play(hass, media="bell.mp3")
        await assert_error_translated(
            hass,
            err.value,
            "service_found_multiple_config_entry_for_domain",
            HOMEASSISTANT_DOMAIN,
        )
        assert state_changing_actions(household) == []
        assert state_changing_actions(other) == []

        # Naming one works, and only that household chimes.
        put_in_library(hass, "short.mp3", "chime_short.mp3")
        response = await play(hass, media="short.mp3", config_entry_id=second.entry_id)
        assert list(response["zones"]) == ["Barn"]
        assert state_changing_actions(household) == []
        assert state_changing_actions(other) != []
        assert await hass.config_entries.async_unload(second.entry_id)


@pytest.mark.usefixtures("loaded_entry")
async def test_media_not_audio(
    hass: HomeAssistant, household: Household, media_server: Any
) -> None:
    """A URL that is not audio is refused by the engine before any change."""
    household.clear_events()
    with pytest.raises(HomeAssistantError) as err:
        await play(hass, media=media_server.url("not_audio.txt"))
    await assert_error_translated(hass, err.value, "media_unavailable")
    assert state_changing_actions(household) == []


@pytest.mark.usefixtures("loaded_entry")
async def test_no_internal_url(hass: HomeAssistant, household: Household) -> None:
    """Without an internal URL the speakers could not fetch a local chime."""
    household.clear_events()
    with (
        patch(
            "custom_components.sonos_chime.media_resolver.get_url",
            side_effect=NoURLAvailableError,
        ),
        pytest.raises(HomeAssistantError) as err,
    ):
        await play(hass, media="bell.mp3")
    await assert_error_translated(hass, err.value, "no_internal_url")
    assert state_changing_actions(household) == []


@pytest.mark.usefixtures("loaded_entry")
async def test_play_library_chime_and_resume(
    hass: HomeAssistant, household: Household
) -> None:
    """A library chime plays on every zone from HA itself; each zone resumes."""
    kitchen, living_room, coop = (household[name] for name in household_names())
    kitchen.set_queue(
        [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}") for n in (1, 2, 3)]
    )
    since = time.monotonic()
    kitchen.play_queue(track=2, position=30.0)
    kitchen.set_volume(25)
    living_room.set_source(RADIO, state="PLAYING")
    coop.set_queue([Track("x-file-cifs://nas/music/coop.mp3", "Coop song")])
    coop.play_queue(track=1, position=10.0, state="PAUSED_PLAYBACK")
    put_in_library(hass, "short.mp3", "chime_short.mp3")
    household.clear_events()

    response = await play(hass, media="short.mp3", volume=40)

    assert set(response["zones"]) == set(household_names())
    for name, zone in response["zones"].items():
        assert zone["outcome"] == "chimed", (name, zone)
        # Playing again where it played; the paused coop stays paused.
        assert zone["resumed"] is (name != "Chicken Coop"), (name, zone)
    assert response["start_skew"] is not None

    url = f"{hass.config.internal_url}/local/sonos_chime/short.mp3"
    for speaker in household.speakers:
        fetched = [
            event
            for event in speaker.events()
            if event["kind"] == "media_fetch" and event["url"] == url
        ]
        assert fetched, f"{speaker.name} did not fetch {url} from Home Assistant"
        assert fetched[0]["status"] == 200
        assert fetched[0]["error"] is None
        assert fetched[0]["duration"] == pytest.approx(0.6, abs=0.2)

    after = {sp.name: sp.state() for sp in household.speakers}
    assert after["Kitchen"]["transport_state"] == "PLAYING"
    assert after["Kitchen"]["track_number"] == 2
    assert_resumed(after["Kitchen"], 30.0, since, response["duration"])
    assert after["Kitchen"]["volume"] == 25
    assert after["Living Room"]["transport_state"] == "PLAYING"
    assert after["Living Room"]["current_uri"] == RADIO
    # Paused comes back paused at its track and position, not playing.
    assert after["Chicken Coop"]["transport_state"] == "PAUSED_PLAYBACK"
    assert after["Chicken Coop"]["track_number"] == 1
    assert abs(after["Chicken Coop"]["position"] - 10.0) <= 1.0


@pytest.mark.usefixtures("loaded_entry")
async def test_play_local_path_on_one_zone(
    hass: HomeAssistant, household: Household
) -> None:
    """A /local path to a shipped chime, on one zone: the others are untouched."""
    household.clear_events()

    response = await play(
        hass, media="/local/sonos_chime/ding_dong.mp3", zones=["kitchen"]
    )

    assert list(response["zones"]) == ["Kitchen"]
    assert response["zones"]["Kitchen"]["outcome"] == "chimed"
    touched = {speaker for speaker, _ in state_changing_actions(household)}
    assert touched == {"Kitchen"}


@pytest.mark.usefixtures("loaded_entry")
async def test_play_url(
    hass: HomeAssistant, household: Household, media_server: Any
) -> None:
    """An http URL is handed over unchanged; the engine reads its duration."""
    response = await play(
        hass, media=media_server.url("chime_short.mp3"), zones=["Living Room"]
    )
    assert response["zones"]["Living Room"]["outcome"] == "chimed"
    assert response["duration"] == pytest.approx(0.6, abs=0.2)


def household_names() -> tuple[str, str, str]:
    """The default household's zones."""
    return ("Kitchen", "Living Room", "Chicken Coop")


async def test_action_description(hass: HomeAssistant) -> None:
    """services.yaml loads, and the UI gets every field, named in English."""
    assert await async_setup_component(hass, DOMAIN, {})
    descriptions = await async_get_all_descriptions(hass)
    play_spec = descriptions[DOMAIN][SERVICE_PLAY]
    assert set(play_spec["fields"]) == {
        "media",
        "strikes",
        "message",
        "tts_engine",
        "zones",
        "volume",
        "zone_volumes",
        "volume_offset",
        "volume_min",
        "volume_max",
        "urgent",
        "only_occupied",
        "tv",
        "mode",
        "config_entry_id",
    }
    # A message alone is spoken without a chime: neither is required.
    assert "required" not in play_spec["fields"]["media"]
    # Media is picked in Home Assistant's media browser, audio only.
    assert play_spec["fields"]["media"]["selector"]["media"]["accept"] == ["audio/*"]
    # The target picker offers Sonos speakers and our zone switches only:
    # devices are offered when they hold one of these entities.
    assert play_spec["target"] == {
        "entity": [
            {"integration": "sonos", "domain": ["media_player"]},
            {"integration": DOMAIN, "domain": ["switch"], "device_class": ["switch"]},
        ],
    }
    strings = await async_get_translations(hass, "en", "services", {DOMAIN})
    assert strings[f"component.{DOMAIN}.services.{SERVICE_PLAY}.name"] == "Play chime"


def developer_tools_accepts(description: dict[str, Any], call: dict[str, Any]) -> bool:
    """Whether Developer tools runs a call, by the frontend's own check.

    Its action panel refuses an action whose description has a target unless
    the call has a ``target`` (an empty one will do) or ``entity_id``,
    ``device_id`` or ``area_id`` in its data ("This action requires a target").
    """
    if "target" not in description:
        return True
    data = call.get("data") or {}
    return call.get("target") is not None or any(
        data.get(key) not in (None, "") for key in ("entity_id", "device_id", "area_id")
    )


async def test_the_documented_developer_tools_calls_run(
    hass: HomeAssistant, household: Household, loaded_entry: MockConfigEntry
) -> None:
    """The README's Developer tools call passes the frontend's check and chimes."""
    descriptions = await async_get_all_descriptions(hass)
    description = descriptions[DOMAIN][SERVICE_PLAY]
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    documented = [
        block
        for block in yaml_blocks(readme)
        if block.get("action") == f"{DOMAIN}.{SERVICE_PLAY}" and "target" in block
    ]
    assert documented
    for call in documented:
        assert developer_tools_accepts(description, call)
        household.clear_events()
        response = await hass.services.async_call(
            DOMAIN,
            SERVICE_PLAY,
            call["data"],
            blocking=True,
            return_response=True,
            target=call["target"],
        )
        assert response is not None
        assert set(response["zones"]) == set(
            call["data"].get("zones", household_names())
        )
    # Leaving the target out is refused there: the README does not suggest it.
    assert not developer_tools_accepts(description, {"data": {"media": "bell.mp3"}})


def yaml_blocks(text: str) -> list[dict[str, Any]]:
    """Every YAML example of a text that is a mapping."""
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    return [block for block in blocks if isinstance(block, dict)]


@pytest.mark.usefixtures("loaded_entry")
async def test_room_volumes_from_the_action(
    hass: HomeAssistant, household: Household
) -> None:
    """A volume by zone name over the rest; or own volume plus an offset, capped.

    The speakers report the volume each one played at, then their own again.
    """
    own = {"Chicken Coop": 8, "Kitchen": 30, "Living Room": 60}
    for name, volume in own.items():
        household[name].set_volume(volume)
    household.clear_events()

    def heard() -> dict[str, int]:
        return {
            speaker.name: next(
                e["volume"] for e in speaker.events() if e["kind"] == "volume"
            )
            for speaker in household.speakers
        }

    await play(hass, media="bell.mp3", volume=25, zone_volumes={"kitchen": 40})
    assert heard() == {"Chicken Coop": 25, "Kitchen": 40, "Living Room": 25}
    assert {s.name: s.state()["volume"] for s in household.speakers} == own

    household.clear_events()
    await play(hass, media="bell.mp3", volume_offset=10, volume_min=12, volume_max=50)
    assert heard() == {"Chicken Coop": 18, "Kitchen": 40, "Living Room": 50}
    assert {s.name: s.state()["volume"] for s in household.speakers} == own
