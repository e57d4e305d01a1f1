"""Fixtures for the Home Assistant layer: a temp config dir, entries, a real server."""

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import (
    CONF_ENABLED,
    CONF_HOSTS,
    CONF_MEDIA,
    CONF_MESSAGE,
    CONF_NAME,
    CONF_TIME,
    CONF_TTS_ENGINE,
    CONF_TV,
    CONF_VOLUME,
    CONF_WEEKDAYS,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    CONF_ZONES,
    DOMAIN,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from sonos_emulator import Household

# Core's Sonos beside ours: fixtures for any test here that wants it.
from .core_sonos import core_sonos, core_sonos_factory  # noqa: F401

TEST_MEDIA = Path(__file__).parent.parent / "media"
MORNING = "morning"  # subentry id of the chime most tests use

# Sonos speakers never touch a speaker's state with these.
READ_ONLY_PREFIXES = ("Get", "Browse")


@pytest.fixture(autouse=True)
def no_home_assistant_reports_about_us(
    caplog: pytest.LogCaptureFixture,
) -> Iterator[None]:
    """Home Assistant reports no misuse by this integration (frame helper, loop).

    Its reports are warnings that only break in a later release: here they
    fail the test that caused them.
    """
    yield
    reports = [
        record.getMessage()
        for when in ("setup", "call")
        for record in caplog.get_records(when)
        if record.getMessage().startswith("Detected")
        and f"integration '{DOMAIN}'" in record.getMessage()
    ]
    assert reports == []


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load custom_components/sonos_chime."""


@pytest.fixture
def hass_config_dir(hass_tmp_config_dir: str) -> str:
    """Every test gets its own config dir, so config/www starts out missing."""
    return hass_tmp_config_dir


@pytest.fixture
def mock_entry(household: Household) -> MockConfigEntry:
    """A config entry for the emulated household, knowing only one of its hosts."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Chicken Coop, Kitchen, Living Room",
        unique_id=household.household_id,
        data={CONF_HOSTS: [household.speakers[0].ip]},
    )


@pytest.fixture
async def ha_server(
    hass: HomeAssistant, aiohttp_client: Callable[..., Any], emulator_network: None
) -> TestClient:
    """Home Assistant's http app really serving on 127.0.0.1, as internal URL."""
    assert await async_setup_component(hass, "http", {})
    # Home Assistant's server keeps its router open after start-up, so that
    # integrations set up later can still add routes (HomeAssistantHTTP.start
    # does this; pytest-aiohttp's client would freeze it).
    hass.http.app._router.freeze = lambda: None
    client: TestClient = await aiohttp_client(hass.http.app)
    hass.config.internal_url = f"http://{client.host}:{client.port}"
    return client


@pytest.fixture
async def demo_tts(hass: HomeAssistant) -> None:
    """Home Assistant's demo text-to-speech: a real engine that needs no network."""
    # The demo needs conversation, which needs Home Assistant's core set up.
    assert await async_setup_component(hass, "homeassistant", {})
    assert await async_setup_component(hass, "tts", {"tts": {"platform": "demo"}})
    await hass.async_block_till_done()


@pytest.fixture
async def loaded_entry(
    hass: HomeAssistant, ha_server: TestClient, mock_entry: MockConfigEntry
) -> MockConfigEntry:
    """The emulated household, set up and ready to chime."""
    mock_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()
    return mock_entry


def state_changing_actions(household: Household) -> list[tuple[str, str]]:
    """Every SOAP action a speaker received that could change its state."""
    return [
        (event["speaker"], event["action"])
        for event in household.events()
        if event["kind"] == "soap"
        and not str(event["action"]).startswith(READ_ONLY_PREFIXES)
    ]


def put_in_library(
    hass: HomeAssistant, name: str, source: str = "chime_short.mp3"
) -> Path:
    """A chime file in config/www/sonos_chime, as a user drops it there."""
    target = Path(hass.config.path("www", "sonos_chime", name))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes((TEST_MEDIA / source).read_bytes())
    return target


def zone_subentry(household: Household, name: str) -> dict[str, Any]:
    """A zone subentry as the zone flow stores it."""
    uid = household[name].uid
    return {
        "subentry_id": f"zone_{name.lower().replace(' ', '_')}",
        "subentry_type": SUBENTRY_ZONE,
        "title": name,
        "unique_id": uid,
        "data": {CONF_ZONE_UID: uid, CONF_ZONE_NAME: name},
    }


def chime_subentry(
    subentry_id: str = MORNING,
    *,
    name: str = "Morning",
    media: str = "short.mp3",
    at: str = "07:00:00",
    weekdays: Sequence[str] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    zones: Sequence[str] = (),
    enabled: bool = True,
    volume: int | None = None,
    message: str | None = None,
    tts_engine: str | None = None,
) -> dict[str, Any]:
    """A chime subentry as the chime flow stores it."""
    data: dict[str, Any] = {
        CONF_NAME: name,
        CONF_MEDIA: media,
        CONF_ZONES: list(zones),
        CONF_TIME: at,
        CONF_WEEKDAYS: list(weekdays),
        CONF_TV: "skip",
        CONF_ENABLED: enabled,
    }
    if volume is not None:
        data[CONF_VOLUME] = volume
    if message is not None:
        data[CONF_MESSAGE] = message
    if tts_engine is not None:
        data[CONF_TTS_ENGINE] = tts_engine
    return {
        "subentry_id": subentry_id,
        "subentry_type": SUBENTRY_CHIME,
        "title": name,
        "unique_id": None,
        "data": data,
    }
