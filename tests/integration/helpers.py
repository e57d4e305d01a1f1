"""What the integration tests share: entries, chimes, flows, the clock, the action.

Fixtures live in conftest.py; everything a test module calls lives here, so
that no test module imports another.
"""

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntryState,
    ConfigSubentry,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.storage import Store
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
from homeassistant.util.async_ import get_scheduled_timer_handles
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_capture_events,
    async_fire_time_changed,
)

from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_ENABLED,
    CONF_HOSTS,
    CONF_MEDIA,
    CONF_MESSAGE,
    CONF_NAME,
    CONF_NIGHT_VOLUME,
    CONF_QUIET_END,
    CONF_QUIET_START,
    CONF_TIME,
    CONF_TTS_ENGINE,
    CONF_TV,
    CONF_VOLUME,
    CONF_WEEKDAYS,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    CONF_ZONES,
    DOMAIN,
    EVENT_CHIME_PLAYED,
    SERVICE_PLAY,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from custom_components.sonos_chime.manager import ChimeManager
from sonos_emulator import Household

TEST_MEDIA = Path(__file__).parent.parent / "media"
MORNING = "morning"  # subentry id of the chime most tests use


# SOAP actions that never touch a speaker's state start with these.
READ_ONLY_PREFIXES = ("Get", "Browse")


def state_changing_actions(household: Household) -> list[tuple[str, str]]:
    """Every SOAP action a speaker received that could change its state."""
    return [
        (event["speaker"], event["action"])
        for event in household.events()
        if event["kind"] == "soap"
        and not str(event["action"]).startswith(READ_ONLY_PREFIXES)
    ]


async def wait_until(predicate: Callable[[], bool]) -> None:
    """Until the speakers report what the test waits for, within five seconds.

    They report from their own threads: there is nothing to await but time.
    """
    async with asyncio.timeout(5.0):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.02)


def websockets(household: Household, action: str) -> int:
    """How many clip connections the speakers saw opened, or closed."""
    return sum(
        1
        for speaker in household.speakers
        for event in speaker.events()
        if event["kind"] == "websocket" and event["action"] == action
    )


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


def household_entry(
    household: Household,
    *,
    zones: Iterable[str] = (),
    subentries: Iterable[dict[str, Any]] = (),
    all_zones: bool = False,
    entry_id: str | None = None,
    options: dict[str, Any] | None = None,
) -> MockConfigEntry:
    """The emulated household: zone subentries by name, then any others."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Chicken Coop, Kitchen, Living Room",
        unique_id=household.household_id,
        data={CONF_HOSTS: [household.speakers[0].ip]},
        options={CONF_ALL_ZONES: all_zones, **(options or {})},
        subentries_data=[
            *(zone_subentry(household, name) for name in zones),
            *subentries,
        ],
        entry_id=entry_id,
    )


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> ChimeManager:
    """Add the entry and set it up, with the short chime in the library."""
    put_in_library(hass, "short.mp3")
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry.runtime_data.manager


def touched(household: Household) -> set[str]:
    """The speakers that received a state-changing SOAP action."""
    return {speaker for speaker, _ in state_changing_actions(household)}


def outcomes(
    zones: Mapping[str, Mapping[str, Any]],
) -> dict[str, tuple[str, str | None]]:
    """Zone name -> (outcome, reason), the part of a result tests compare."""
    return {name: (zone["outcome"], zone["reason"]) for name, zone in zones.items()}


async def play(hass: HomeAssistant, **data: Any) -> dict[str, Any]:
    """Call the action and wait for its response."""
    response = await hass.services.async_call(
        DOMAIN, SERVICE_PLAY, data, blocking=True, return_response=True
    )
    assert response is not None
    return response


async def assert_error_translated(
    hass: HomeAssistant, err: HomeAssistantError, key: str, domain: str = DOMAIN
) -> None:
    """The error carries the key and renders to a full English message."""
    assert err.translation_domain == domain
    assert err.translation_key == key
    await async_get_translations(hass, "en", "exceptions", {domain})
    message = str(err)
    assert message != key
    assert "{" not in message


# The speakers, SoCo and the engine keep real time: they measure how long a
# chime plays. Home Assistant's clock is the frozen one the schedules follow.
# Clips (engine.overlay) run on Home Assistant's loop: their timeouts are set
# on its clock, which a frozen loop must be able to compare them with.
REAL_TIME = [
    *(
        f"custom_components.sonos_chime.engine.{module}"
        for module in (
            "audio_length",
            "engine",
            "group",
            "record",
            "snapshot",
            "topology",
            "url_length",
        )
    ),
    "sonos_emulator",
    "soco",
    "urllib3",
    "requests",
]


# 2026-01-05 is a Monday; the hass fixture's zone (US/Pacific) has no DST then.
MONDAY = date(2026, 1, 5)
SPRING_FORWARD = date(2026, 3, 29)  # Berlin: 02:00 CET -> 03:00 CEST
FALL_BACK = date(2026, 10, 25)  # Berlin: 03:00 CEST -> 02:00 CET
STEP = timedelta(minutes=5)


def local(day: date, at: time, fold: int = 0) -> datetime:
    """A wall time in the instance's current time zone."""
    return datetime.combine(day, at, tzinfo=dt_util.get_default_time_zone()).replace(
        fold=fold
    )


async def advance(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, moment: datetime
) -> None:
    """Let the clock reach moment and run whatever became due, chimes included."""
    freezer.move_to(moment)
    async_fire_time_changed(hass, moment)
    await hass.async_block_till_done()


async def walk(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, start: datetime, end: datetime
) -> None:
    """Step through real time (UTC), so DST days pass in steps of five minutes."""
    moment = dt_util.as_utc(start)
    while moment <= dt_util.as_utc(end):
        await advance(hass, freezer, moment)
        moment += STEP


def active_timers(hass: HomeAssistant) -> set[asyncio.TimerHandle]:
    """Every timer armed on the event loop, but the registries' delayed saves."""
    return {
        handle
        for handle in get_scheduled_timer_handles(hass.loop)
        if not handle.cancelled()
        and not isinstance(getattr(handle._callback, "__self__", None), Store)
    }


def scheduled(events: list[Event]) -> list[Event]:
    """The events of scheduled chimes."""
    return [event for event in events if event.data["trigger"] == "schedule"]


def entity_id(
    hass: HomeAssistant, entry: MockConfigEntry, platform: str, key: str
) -> str:
    """The entity id of a household or Morning chime entity."""
    scope = "household" if key == "quiet" else MORNING
    found = er.async_get(hass).async_get_entity_id(
        platform, DOMAIN, f"{entry.entry_id}_{scope}_{key}"
    )
    assert found is not None
    return found


def state_of(hass: HomeAssistant, entity: str) -> str:
    """An entity's state, which must exist."""
    state = hass.states.get(entity)
    assert state is not None
    return state.state


KITCHEN_CHIMES = "switch.kitchen_chimes"
COOP_CHIMES = "switch.chicken_coop_chimes"
PLAY_NOW = "button.morning_play_now"
LAST_PLAYED = "sensor.morning_last_played"


async def press_play_now(hass: HomeAssistant) -> None:
    """Press the chime Morning's Play now, as the UI does."""
    await hass.services.async_call(
        "button", "press", {"entity_id": PLAY_NOW}, blocking=True
    )


async def start_subentry_flow(
    hass: HomeAssistant, entry: MockConfigEntry, kind: str
) -> Any:
    """Open a subentry flow the way the UI's "Add" button does."""
    result = await hass.config_entries.subentries.async_init(
        (entry.entry_id, kind), context={"source": SOURCE_USER}
    )
    await assert_flow_translated(hass, result, "config_subentries", kind)
    return result


async def configure_subentry(
    hass: HomeAssistant, kind: str, result: Any, user_input: dict[str, Any]
) -> Any:
    """Submit a form of a subentry flow and let any reload finish."""
    result = await hass.config_entries.subentries.async_configure(
        result["flow_id"], user_input
    )
    await hass.async_block_till_done()
    await assert_flow_translated(hass, result, "config_subentries", kind)
    return result


def subentries(entry: MockConfigEntry, kind: str) -> list[ConfigSubentry]:
    """The entry's subentries of one type."""
    return [s for s in entry.subentries.values() if s.subentry_type == kind]


async def open_options(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Open the options form and check it is the one we translate."""
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["errors"] == {}

    strings = await async_get_translations(hass, "en", "options", {DOMAIN})
    step = f"component.{DOMAIN}.options.step.init"
    assert strings[f"{step}.data.{CONF_ALL_ZONES}"] == "All zones, present and future"
    await assert_flow_translated(hass, result, "options")
    assert [marker.schema for marker in result["data_schema"].schema] == [
        CONF_ALL_ZONES,
        CONF_QUIET_START,
        CONF_QUIET_END,
        CONF_NIGHT_VOLUME,
    ]
    return result


async def configure_options(hass: HomeAssistant, result: Any, user_input: Any) -> Any:
    """Submit a form of the options flow and let any reload finish."""
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], user_input
    )
    await hass.async_block_till_done()
    await assert_flow_translated(hass, result, "options")
    return result


SEARCH = "custom_components.sonos_chime.discovery.discover_hosts"


def chime_events(hass: HomeAssistant) -> list[Event]:
    """Every sonos_chime_played event from now on, as it is fired."""
    return async_capture_events(hass, EVENT_CHIME_PLAYED)


async def assert_flow_translated(
    hass: HomeAssistant, result: Any, category: str, kind: str | None = None
) -> None:
    """Whatever a flow shows has English text: step, fields, menu, errors, abort.

    category is "config", "options" or "config_subentries" (with its kind).
    """
    strings = await async_get_translations(hass, "en", category, {DOMAIN})
    prefix = f"component.{DOMAIN}.{category}" + (f".{kind}" if kind else "")
    if kind is not None:
        assert f"{prefix}.entry_type" in strings
        assert f"{prefix}.initiate_flow.user" in strings
    if result["type"] in (FlowResultType.FORM, FlowResultType.MENU):
        step = f"{prefix}.step.{result['step_id']}"
        assert f"{step}.title" in strings
        if result["type"] is FlowResultType.MENU:
            for option in result["menu_options"]:
                assert f"{step}.menu_options.{option}" in strings
                assert f"{step}.menu_option_descriptions.{option}" in strings
        else:
            for marker in result["data_schema"].schema:
                assert f"{step}.data.{marker.schema}" in strings
                assert f"{step}.data_description.{marker.schema}" in strings
        for error in (result.get("errors") or {}).values():
            assert f"{prefix}.error.{error}" in strings
    elif result["type"] is FlowResultType.ABORT and result["reason"] != (
        "reconfigure_successful"  # Home Assistant's own text
    ):
        assert f"{prefix}.abort.{result['reason']}" in strings


async def submit_new_chime(
    hass: HomeAssistant,
    household: Household,
    entered: dict[str, Any],
    error: dict[str, str] | None,
) -> ConfigSubentry | None:
    """Add chime on a household of all zones: 07:00, short.mp3, and what is entered.

    The form must show error (refused), or save one chime, which is returned.
    """
    entry = household_entry(household, all_zones=True)
    await set_up(hass, entry)
    result = await start_subentry_flow(hass, entry, SUBENTRY_CHIME)
    chime = {CONF_NAME: "Bell", CONF_MEDIA: "short.mp3", CONF_TIME: "07:00"}
    result = await configure_subentry(hass, SUBENTRY_CHIME, result, chime | entered)
    if error is not None:
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == error
        return None
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [saved] = subentries(entry, SUBENTRY_CHIME)
    return saved
