"""Fixtures for the Home Assistant layer: a temp config dir, entries, a real server."""

from collections.abc import Callable, Iterator
from typing import Any

from aiohttp.test_utils import TestClient
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import (
    CONF_HOSTS,
    DOMAIN,
)
from sonos_emulator import Household

# Core's Sonos beside ours: fixtures for any test here that wants it.
from .core_sonos import core_sonos, core_sonos_factory  # noqa: F401


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
