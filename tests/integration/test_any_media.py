"""Any media Home Assistant knows: media sources, text-to-speech, a chime then a message."""

from dataclasses import dataclass
from pathlib import Path
import shutil
import time
from typing import Any

from homeassistant.components import media_source
from homeassistant.components.media_player import BrowseError
from homeassistant.components.tts.const import DATA_TTS_MANAGER
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import DOMAIN
from custom_components.sonos_chime.media_resolver import async_check_media
from sonos_emulator import Household, Track
from tests.conftest import assert_resumed

from .helpers import (
    TEST_MEDIA,
    assert_error_translated,
    chime_subentry,
    household_entry,
    play,
    put_in_library,
    set_up,
    state_changing_actions,
)

ZONES = ("Kitchen", "Living Room", "Chicken Coop")
MESSAGE = "It's 5 o'clock: end of the workday"
SONG = "x-file-cifs://nas/music/song.mp3"


def played(household: Household, name: str) -> list[str]:
    """The URIs a zone started playing, in order, as the speaker reports them."""
    uris: list[str] = []
    for event in household[name].events():
        if (
            event["kind"] == "transport"
            and event["state"] == "PLAYING"
            and (not uris or uris[-1] != event["uri"])
        ):
            uris.append(event["uri"])
    return uris


def queue(household: Household, name: str) -> str:
    """The URI of a zone's own queue, what it plays again after the chime."""
    return f"x-rincon-queue:{household[name].uid}#0"


def fetched(household: Household, name: str) -> list[dict[str, Any]]:
    """What a zone fetched over http, in order."""
    return [e for e in household[name].events() if e["kind"] == "media_fetch"]


@dataclass
class Music:
    """What every zone played before the chime, and since when."""

    states: dict[str, dict[str, Any]]
    since: float


def start_music(household: Household) -> Music:
    """Every zone plays its queue at its own volume."""
    for speaker in household.speakers:
        speaker.set_queue([Track(SONG, "Song")])
        speaker.play_queue(track=1, position=20.0)
        speaker.set_volume(25)
    # Taken first: each position below was read at this moment or later.
    since = time.monotonic()
    return Music(
        {speaker.name: speaker.state() for speaker in household.speakers}, since
    )


def assert_restored(
    household: Household, before: Music, silent: float, zones: tuple[str, ...] = ZONES
) -> None:
    """Each zone plays its queue again, at its volume, where it was paused."""
    for name in zones:
        after, earlier = household[name].state(), before.states[name]
        assert after["current_uri"] == earlier["current_uri"], name
        assert after["volume"] == 25, name
        assert_resumed(after, earlier["position"], before.since, silent)


@pytest.mark.usefixtures("loaded_entry")
async def test_library_is_a_media_source(hass: HomeAssistant) -> None:
    """The media browser lists the library, each file with its length."""
    put_in_library(hass, "short.mp3")

    library = await media_source.async_browse_media(
        hass, f"{media_source.URI_SCHEME}{DOMAIN}"
    )

    assert library.title == "Sonos Chime"
    titles = {child.identifier: child.title for child in library.children or []}
    assert titles["short.mp3"] == "short.mp3 (0.6 s)"
    assert all(child.can_play for child in library.children or [])
    resolved = await media_source.async_resolve_media(
        hass, f"{media_source.URI_SCHEME}{DOMAIN}/short.mp3", None
    )
    assert resolved.url == "/local/sonos_chime/short.mp3"
    with pytest.raises(media_source.Unresolvable):
        await media_source.async_resolve_media(
            hass, f"{media_source.URI_SCHEME}{DOMAIN}/nope.mp3", None
        )
    with pytest.raises(BrowseError):
        await media_source.async_browse_media(
            hass, f"{media_source.URI_SCHEME}{DOMAIN}/short.mp3"
        )


@pytest.mark.usefixtures("loaded_entry")
async def test_library_media_source_plays(
    hass: HomeAssistant, household: Household
) -> None:
    """A chime picked in the media browser plays from HA; the zones come back."""
    put_in_library(hass, "short.mp3")
    before = start_music(household)
    household.clear_events()

    response = await play(
        hass,
        media={
            "media_content_id": f"media-source://{DOMAIN}/short.mp3",
            "media_content_type": "audio/mpeg",
        },
    )

    url = f"{hass.config.internal_url}/local/sonos_chime/short.mp3"
    assert response["duration"] == pytest.approx(0.6, abs=0.2)
    for name in ZONES:
        assert response["zones"][name]["outcome"] == "chimed"
        assert played(household, name) == [url, queue(household, name)]
    assert_restored(household, before, response["duration"])


async def test_local_media_plays(
    hass: HomeAssistant,
    household: Household,
    ha_server: Any,
    mock_entry: MockConfigEntry,
    tmp_path: Path,
) -> None:
    """Home Assistant's local media, signed for the speakers, on one zone."""
    media_dir = tmp_path / "media"
    media_dir.mkdir()
    shutil.copyfile(TEST_MEDIA / "chime_short.flac", media_dir / "bell.flac")
    # Media folders are read when media_source sets up, with our entry.
    hass.config.media_dirs = {"local": str(media_dir)}
    mock_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    before = start_music(household)
    household.clear_events()

    response = await play(
        hass, media="media-source://media_source/local/bell.flac", zones=["Kitchen"]
    )

    assert list(response["zones"]) == ["Kitchen"]
    assert response["zones"]["Kitchen"]["outcome"] == "chimed"
    # Read from disk, not downloaded: the file's real length.
    assert response["duration"] == pytest.approx(0.6, abs=0.2)
    (fetch, *_) = fetched(household, "Kitchen")
    assert fetch["url"].startswith(f"{hass.config.internal_url}/media/local/bell.flac")
    assert "authSig=" in fetch["url"]
    assert fetch["status"] == 200
    assert {speaker for speaker, _ in state_changing_actions(household)} == {"Kitchen"}
    assert_restored(household, before, response["duration"], ("Kitchen",))


@pytest.mark.usefixtures("loaded_entry", "demo_tts")
async def test_text_to_speech_media_plays(
    hass: HomeAssistant, household: Household
) -> None:
    """A text-to-speech media-source id plays like any file."""
    before = start_music(household)
    household.clear_events()

    response = await play(
        hass, media=f"media-source://tts/demo?message={MESSAGE}", zones=["Kitchen"]
    )

    assert response["zones"]["Kitchen"]["outcome"] == "chimed"
    # The demo engine's voice lasts 2.06 s, as the engine read it from the URL.
    assert response["duration"] == pytest.approx(2.06, abs=0.1)
    (uri, back) = played(household, "Kitchen")
    assert uri.startswith(f"{hass.config.internal_url}/api/tts_proxy/")
    assert back == queue(household, "Kitchen")
    assert_restored(household, before, response["duration"], ("Kitchen",))


@pytest.mark.usefixtures("loaded_entry", "demo_tts")
async def test_chime_then_message(hass: HomeAssistant, household: Household) -> None:
    """The chime, then the message, on every zone in that order; one restore."""
    put_in_library(hass, "short.mp3")
    before = start_music(household)
    household.clear_events()

    response = await play(hass, media="short.mp3", message=MESSAGE, volume=40)

    chime = f"{hass.config.internal_url}/local/sonos_chime/short.mp3"
    # Both lengths: the chime's from disk, the message's from its URL.
    assert response["duration"] == pytest.approx(0.6 + 2.06, abs=0.25)
    for name in ZONES:
        assert response["zones"][name]["outcome"] == "chimed"
        (first, message, back) = played(household, name)
        assert first == chime
        assert message.startswith(f"{hass.config.internal_url}/api/tts_proxy/")
        assert back == queue(household, name)
        fetches = fetched(household, name)
        assert [f["status"] for f in fetches] == [200] * len(fetches)
    assert_restored(household, before, response["duration"])


@pytest.mark.usefixtures("loaded_entry", "demo_tts")
async def test_message_alone(hass: HomeAssistant, household: Household) -> None:
    """A message needs no chime before it."""
    household.clear_events()

    response = await play(hass, message="Dinner is ready", zones=["Living Room"])

    assert response["zones"]["Living Room"]["outcome"] == "chimed"
    (message, *_) = played(household, "Living Room")
    assert "/api/tts_proxy/" in message


async def test_scheduled_chime_speaks_its_message(
    hass: HomeAssistant, household: Household, ha_server: Any, demo_tts: None
) -> None:
    """A chime saved with a message plays it after the chime."""
    entry: MockConfigEntry = household_entry(
        household,
        all_zones=True,
        subentries=[
            chime_subentry(media="short.mp3", message=MESSAGE, tts_engine="demo")
        ],
    )
    manager = await set_up(hass, entry)
    household.clear_events()

    (chime_id,) = [s.subentry_id for s in manager.chime_subentries()]
    result = await manager.async_play_chime(chime_id, trigger="button")

    assert result is not None
    assert len(result.chimed) == len(ZONES)
    for name in ZONES:
        uris = played(household, name)
        assert uris[0].endswith("/local/sonos_chime/short.mp3")
        assert "/api/tts_proxy/" in uris[1]


@pytest.mark.usefixtures("loaded_entry")
@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({}, "nothing_to_play"),
        ({"media": "short.mp3", "tts_engine": "demo"}, "engine_without_message"),
        ({"media": "media-source://nowhere/bell.mp3"}, "media_unresolvable"),
        ({"media": f"media-source://{DOMAIN}/nope.mp3"}, "media_unresolvable"),
        ({"media": "short.mp3", "message": MESSAGE}, "no_tts"),
        ({"message": "   "}, "empty_message"),
    ],
)
async def test_bad_media_touches_nothing(
    hass: HomeAssistant, household: Household, data: dict[str, Any], key: str
) -> None:
    """Media nobody can play, and messages nobody can speak, touch nothing."""
    put_in_library(hass, "short.mp3")
    household.clear_events()
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, **data)
    await assert_error_translated(hass, err.value, key)
    assert state_changing_actions(household) == []


@pytest.mark.usefixtures("loaded_entry", "demo_tts")
async def test_unknown_engine_touches_nothing(
    hass: HomeAssistant, household: Household
) -> None:
    """An engine that is not there is named in the refusal."""
    household.clear_events()
    with pytest.raises(ServiceValidationError) as err:
        await play(hass, message=MESSAGE, tts_engine="tts.nope")
    await assert_error_translated(hass, err.value, "unknown_tts_engine")
    assert "tts.nope" in str(err.value)
    assert state_changing_actions(household) == []


@pytest.mark.usefixtures("loaded_entry", "demo_tts")
async def test_checks_speak_nothing(hass: HomeAssistant) -> None:
    """Saving a chime, or looking for its media, never has an engine speak."""
    streams = hass.data[DATA_TTS_MANAGER].token_to_stream
    speech = "media-source://tts/demo?message=Good%20morning"

    await async_check_media(hass, speech)

    assert streams == {}
    with pytest.raises(ServiceValidationError) as err:
        await async_check_media(hass, "media-source://tts/nope?message=Hi")
    await assert_error_translated(hass, err.value, "unknown_tts_engine")
    with pytest.raises(ServiceValidationError) as err:
        await async_check_media(hass, "media-source://nowhere/bell.mp3")
    await assert_error_translated(hass, err.value, "media_unresolvable")
