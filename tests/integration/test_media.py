"""The chime library: installed at setup, served under /local at once."""

from pathlib import Path
from unittest.mock import patch

from aiohttp import web
from aiohttp.test_utils import TestClient
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest

from custom_components.sonos_chime.const import DOMAIN, LOCAL_URL_PATH
from custom_components.sonos_chime.engine import Outcome, read_file_duration
from custom_components.sonos_chime.library import (
    SHIPPED_CHIMES_DIR,
    LibraryChime,
    async_list_library,
    async_setup_media,
)
from sonos_emulator import Household

from .helpers import (
    household_entry,
    play,
    set_up,
)

SHIPPED = sorted(path.name for path in SHIPPED_CHIMES_DIR.iterdir())
TEST_MEDIA = Path(__file__).parent.parent / "media"


def library(hass: HomeAssistant) -> Path:
    """config/www/sonos_chime of this test's config dir."""
    return Path(hass.config.path("www", "sonos_chime"))


def served_paths(hass: HomeAssistant) -> list[str]:
    """Every folder the http app serves, by URL prefix."""
    return [
        resource.canonical
        for resource in hass.http.app.router.resources()
        if isinstance(resource, web.StaticResource)
    ]


def test_shipped_chimes_exist() -> None:
    """The integration ships its four chimes."""
    assert {"bell.mp3", "ding_dong.mp3", "soft_chime.mp3", "westminster.mp3"} <= set(
        SHIPPED
    )


async def test_library_served_without_www_at_start(
    hass: HomeAssistant, ha_server: TestClient
) -> None:
    """config/www did not exist: the chimes are copied, and /local served by us."""
    www = Path(hass.config.path("www"))
    assert not await hass.async_add_executor_job(www.exists)
    assert Path(hass.config.config_dir).is_relative_to(Path("/tmp"))

    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()

    assert sorted(p.name for p in library(hass).iterdir()) == SHIPPED
    assert served_paths(hass).count(LOCAL_URL_PATH) == 1
    for name in SHIPPED:
        response = await ha_server.get(f"/local/sonos_chime/{name}")
        assert response.status == 200
        assert await response.read() == (SHIPPED_CHIMES_DIR / name).read_bytes()

    # A chime dropped in later is served at once.
    (library(hass) / "mine.wav").write_bytes(
        (TEST_MEDIA / "chime_short.wav").read_bytes()
    )
    response = await ha_server.get("/local/sonos_chime/mine.wav")
    assert response.status == 200

    # Once per run: a second call registers nothing more.
    await async_setup_media(hass)
    assert served_paths(hass).count(LOCAL_URL_PATH) == 1


async def test_library_served_by_local_when_www_existed(
    hass: HomeAssistant, ha_server: TestClient
) -> None:
    """config/www existed, so /local serves the library; no second route."""
    www = Path(hass.config.path("www"))
    await hass.async_add_executor_job(www.mkdir)
    # What the frontend does at start-up when config/www exists.
    await hass.http.async_register_static_paths(
        [StaticPathConfig("/local", str(www), cache_headers=False)]
    )

    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()

    assert served_paths(hass).count(LOCAL_URL_PATH) == 1
    response = await ha_server.get("/local/sonos_chime/bell.mp3")
    assert response.status == 200
    assert await response.read() == (SHIPPED_CHIMES_DIR / "bell.mp3").read_bytes()


async def test_user_files_are_kept(hass: HomeAssistant, ha_server: TestClient) -> None:
    """A user's file named like a shipped chime is never overwritten."""
    library(hass).mkdir(parents=True)
    (library(hass) / "bell.mp3").write_bytes(b"my own bell")

    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()

    assert (library(hass) / "bell.mp3").read_bytes() == b"my own bell"
    assert (library(hass) / "westminster.mp3").is_file()
    assert not [p for p in library(hass).iterdir() if p.name.startswith(".")]


@pytest.mark.usefixtures("ha_server")
async def test_list_library(hass: HomeAssistant) -> None:
    """Shipped and user-dropped chimes, with their durations; others ignored."""
    assert await async_setup_component(hass, DOMAIN, {})
    await hass.async_block_till_done()
    (library(hass) / "Short.wav").write_bytes(
        (TEST_MEDIA / "chime_short.wav").read_bytes()
    )
    (library(hass) / "notes.txt").write_text("not a chime")

    chimes = await async_list_library(hass)

    assert [chime.name for chime in chimes] == sorted(
        [*SHIPPED, "Short.wav"], key=str.casefold
    )
    for chime in chimes:
        assert isinstance(chime, LibraryChime)
        assert chime.duration == read_file_duration(library(hass) / chime.name)
        assert chime.duration is not None
        assert 0.3 < chime.duration < 20


async def test_local_file_outside_the_library_on_a_fresh_install(
    hass: HomeAssistant, ha_server: TestClient, household: Household
) -> None:
    """config/www did not exist at start-up, so the frontend serves no /local.

    A file the user drops in config/www afterwards is still played: the URL
    handed to the speakers is one Home Assistant really serves.
    """
    assert not await hass.async_add_executor_job(Path(hass.config.path("www")).exists)
    entry = household_entry(household, zones=["Kitchen"])
    await set_up(hass, entry)
    doorbell = Path(hass.config.path("www", "doorbell.mp3"))
    await hass.async_add_executor_job(
        doorbell.write_bytes, (TEST_MEDIA / "chime_short.mp3").read_bytes()
    )
    household.clear_events()

    response = await play(hass, media="/local/doorbell.mp3", zones=["Kitchen"])

    assert response["zones"]["Kitchen"]["outcome"] == Outcome.CHIMED
    url = f"{hass.config.internal_url}/local/doorbell.mp3"
    fetched = [
        event["status"]
        for event in household["Kitchen"].events()
        if event["kind"] == "media_fetch" and event["url"] == url
    ]
    assert fetched == [200]
    served = await ha_server.get("/local/doorbell.mp3")
    assert served.status == 200
    assert await served.read() == (TEST_MEDIA / "chime_short.mp3").read_bytes()


async def test_local_served_once_www_appears(
    hass: HomeAssistant, ha_server: TestClient, household: Household
) -> None:
    """The shipped chimes could not be installed: /local is served once a file is."""
    with patch(
        "custom_components.sonos_chime.library.install_chimes",
        side_effect=OSError("Read-only file system"),
    ):
        assert await async_setup_component(hass, DOMAIN, {})
    assert LOCAL_URL_PATH not in served_paths(hass)

    entry = household_entry(household, zones=["Kitchen"])
    await set_up(hass, entry)  # the user makes config/www/sonos_chime/short.mp3
    response = await play(hass, media="/local/sonos_chime/short.mp3", zones=["Kitchen"])

    assert response["zones"]["Kitchen"]["outcome"] == Outcome.CHIMED
    assert served_paths(hass).count(LOCAL_URL_PATH) == 1
