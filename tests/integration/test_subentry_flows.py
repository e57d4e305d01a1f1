"""Zone and chime subentry flows against the emulated household."""

from datetime import date, datetime, time
from pathlib import Path
import shutil
from typing import Any
from unittest.mock import patch

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    ConfigEntryState,
    ConfigSubentryData,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, InvalidData
from homeassistant.helpers.network import NoURLAvailableError
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_CLOCK,
    CONF_ENABLED,
    CONF_MEDIA,
    CONF_MESSAGE,
    CONF_MODE,
    CONF_NAME,
    CONF_ONLY_OCCUPIED,
    CONF_QUIET_HOURS,
    CONF_TIME,
    CONF_TTS_ENGINE,
    CONF_TV,
    CONF_VOLUME,
    CONF_VOLUME_MAX,
    CONF_VOLUME_MIN,
    CONF_VOLUME_OFFSET,
    CONF_WEEKDAYS,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    CONF_ZONE_VOLUMES,
    CONF_ZONES,
    DOMAIN,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from custom_components.sonos_chime.engine import read_file_duration
from custom_components.sonos_chime.library import SHIPPED_CHIMES_DIR
from sonos_emulator import Household

from .helpers import (
    TEST_MEDIA,
    assert_flow_translated,
    configure_subentry,
    start_subentry_flow,
    subentries,
)

ALL_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
GONE_UID = "RINCON_000E58FFFFFF01400"  # a zone that left the household

pytestmark = pytest.mark.usefixtures("ha_server")


# --------------------------------------------------------------------- helpers


def field(result: SubentryFlowResult, key: str) -> tuple[Any, dict[str, Any]]:
    """A form field's marker and its selector config."""
    for marker, validator in result["data_schema"].schema.items():
        if marker.schema == key:
            return marker, validator.config
    raise AssertionError(f"{key} is not on the form")


def options(result: SubentryFlowResult, key: str) -> list[tuple[str, str]]:
    """A select field's (value, label) pairs as the UI lists them."""
    return [(o["value"], o["label"]) for o in field(result, key)[1]["options"]]


def suggested(result: SubentryFlowResult) -> dict[str, Any]:
    """The values a form is pre-filled with."""
    return {
        marker.schema: marker.description["suggested_value"]
        for marker in result["data_schema"].schema
        if marker.description and "suggested_value" in marker.description
    }


def zone_subentry(speaker_uid: str, name: str) -> ConfigSubentryData:
    """A zone added earlier."""
    return ConfigSubentryData(
        data={CONF_ZONE_UID: speaker_uid, CONF_ZONE_NAME: name},
        subentry_type=SUBENTRY_ZONE,
        title=name,
        unique_id=speaker_uid,
    )


def with_subentries(
    entry: MockConfigEntry, subentries_data: list[ConfigSubentryData]
) -> MockConfigEntry:
    """The household's entry, with zones and chimes added earlier."""
    return MockConfigEntry(
        domain=DOMAIN,
        title=entry.title,
        unique_id=entry.unique_id,
        data=dict(entry.data),
        subentries_data=subentries_data,
    )


async def set_up(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Set the entry up against the emulated household."""
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    return entry


@pytest.fixture
def uids(household: Household) -> dict[str, str]:
    """Zone uids by name."""
    return {speaker.name: speaker.uid for speaker in household.speakers}


@pytest.fixture
async def chiming_entry(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> MockConfigEntry:
    """The household as it is added now: every zone chimes."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_entry.title,
        unique_id=mock_entry.unique_id,
        data=dict(mock_entry.data),
        options={CONF_ALL_ZONES: True},
    )
    return await set_up(hass, entry)


# ----------------------------------------------------------------------- zones
async def test_zone_add(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """Every zone is offered by name; the one picked becomes a subentry."""
    result = await start_subentry_flow(hass, loaded_entry, SUBENTRY_ZONE)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert options(result, CONF_ZONE_UID) == [
        (uids["Chicken Coop"], "Chicken Coop"),
        (uids["Kitchen"], "Kitchen"),
        (uids["Living Room"], "Living Room"),
    ]

    result = await configure_subentry(
        hass, SUBENTRY_ZONE, result, {CONF_ZONE_UID: uids["Chicken Coop"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [zone] = subentries(loaded_entry, SUBENTRY_ZONE)
    assert zone.title == "Chicken Coop"
    assert zone.unique_id == uids["Chicken Coop"]
    assert dict(zone.data) == {
        CONF_ZONE_UID: uids["Chicken Coop"],
        CONF_ZONE_NAME: "Chicken Coop",
    }


async def test_zone_offers_only_zones_not_added(
    hass: HomeAssistant, mock_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """Zones added before are not offered again."""
    entry = with_subentries(
        mock_entry,
        [zone_subentry(uids["Kitchen"], "Kitchen")],
    )
    await set_up(hass, entry)

    result = await start_subentry_flow(hass, entry, SUBENTRY_ZONE)
    assert options(result, CONF_ZONE_UID) == [
        (uids["Chicken Coop"], "Chicken Coop"),
        (uids["Living Room"], "Living Room"),
    ]
    with pytest.raises(InvalidData):
        await configure_subentry(
            hass, SUBENTRY_ZONE, result, {CONF_ZONE_UID: uids["Kitchen"]}
        )

    result = await configure_subentry(
        hass, SUBENTRY_ZONE, result, {CONF_ZONE_UID: uids["Living Room"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert sorted(s.title for s in subentries(entry, SUBENTRY_ZONE)) == [
        "Kitchen",
        "Living Room",
    ]


async def test_zone_no_zones_left(
    hass: HomeAssistant, mock_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """Every zone is added: nothing to offer."""
    entry = with_subentries(
        mock_entry,
        [zone_subentry(uid, name) for name, uid in uids.items()],
    )
    await set_up(hass, entry)

    result = await start_subentry_flow(hass, entry, SUBENTRY_ZONE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_zones_left"


async def test_zone_already_configured(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """Two flows pick the same zone: the second one is refused."""
    first = await start_subentry_flow(hass, loaded_entry, SUBENTRY_ZONE)
    second = await start_subentry_flow(hass, loaded_entry, SUBENTRY_ZONE)

    result = await configure_subentry(
        hass, SUBENTRY_ZONE, first, {CONF_ZONE_UID: uids["Kitchen"]}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    result = await configure_subentry(
        hass, SUBENTRY_ZONE, second, {CONF_ZONE_UID: uids["Kitchen"]}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert len(subentries(loaded_entry, SUBENTRY_ZONE)) == 1


async def test_zone_cannot_connect(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, household: Household
) -> None:
    """The household stopped answering since it was set up."""
    for speaker in household.speakers:
        speaker.go_offline()
    result = await start_subentry_flow(hass, loaded_entry, SUBENTRY_ZONE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


@pytest.mark.parametrize("kind", [SUBENTRY_ZONE, SUBENTRY_CHIME])
async def test_entry_not_loaded(
    hass: HomeAssistant, mock_entry: MockConfigEntry, household: Household, kind: str
) -> None:
    """A household that is not set up cannot say which zones it has."""
    for speaker in household.speakers:
        speaker.go_offline()
    mock_entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(mock_entry.entry_id)
    assert mock_entry.state is ConfigEntryState.SETUP_RETRY

    result = await start_subentry_flow(hass, mock_entry, kind)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_zone_names_are_read_fresh(
    hass: HomeAssistant,
    loaded_entry: MockConfigEntry,
    household: Household,
    uids: dict[str, str],
) -> None:
    """A zone renamed in the Sonos app after setup is offered by its new name."""
    household["Kitchen"].name = "Pantry"
    result = await start_subentry_flow(hass, loaded_entry, SUBENTRY_ZONE)
    assert (uids["Kitchen"], "Pantry") in options(result, CONF_ZONE_UID)

    result = await configure_subentry(
        hass, SUBENTRY_ZONE, result, {CONF_ZONE_UID: uids["Kitchen"]}
    )
    [zone] = subentries(loaded_entry, SUBENTRY_ZONE)
    assert zone.title == "Pantry"
    assert dict(zone.data) == {CONF_ZONE_UID: uids["Kitchen"], CONF_ZONE_NAME: "Pantry"}


# ---------------------------------------------------------------------- chimes
def shipped_options() -> list[tuple[str, str]]:
    """The shipped chimes as the media field lists them, with their lengths."""
    return [
        (path.name, f"{path.name} ({read_file_duration(path):.1f} s)")
        for path in sorted(SHIPPED_CHIMES_DIR.iterdir())
    ]


@pytest.mark.parametrize(
    "clock", [(time(6, 20, 41), "07:00:00"), (time(23, 30), "00:00:00")]
)
async def test_chime_form(
    hass: HomeAssistant,
    freezer: FrozenDateTimeFactory,
    chiming_entry: MockConfigEntry,
    uids: dict[str, str],
    clock: tuple[time, str],
) -> None:
    """The form lists the library, the zones, the weekdays and the TV modes.

    Its time is the next full hour, picked in hours and minutes as the Time
    entity shows it: never a midnight nobody chose, never a seconds field.
    """
    now, suggested_time = clock
    freezer.move_to(
        datetime.combine(date(2026, 3, 2), now, dt_util.get_default_time_zone())
    )
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == {}
    assert suggested(result) == {CONF_TIME: suggested_time}
    time_marker, time_config = field(result, CONF_TIME)
    assert time_config == {"no_second": True}
    assert time_marker.default is probatio.UNDEFINED

    assert options(result, CONF_MEDIA) == shipped_options()
    assert field(result, CONF_MEDIA)[1]["custom_value"] is True
    assert options(result, CONF_ZONES) == [
        (uids["Chicken Coop"], "Chicken Coop"),
        (uids["Kitchen"], "Kitchen"),
        (uids["Living Room"], "Living Room"),
    ]
    assert field(result, CONF_ZONES)[1]["multiple"] is True
    # A box, empty until a volume is typed: no slider sitting at 0.
    assert field(result, CONF_VOLUME)[1] == {
        "step": 1,
        "unit_of_measurement": "%",
        "mode": "box",
    }
    weekdays, weekdays_config = field(result, CONF_WEEKDAYS)
    assert weekdays_config["options"] == ALL_WEEKDAYS
    assert weekdays_config["translation_key"] == "weekdays"
    assert weekdays.default() == ALL_WEEKDAYS
    tv, tv_config = field(result, CONF_TV)
    assert (tv_config["options"], tv_config["translation_key"]) == (
        ["skip", "interrupt"],
        "tv",
    )
    assert tv.default() == "skip"
    assert field(result, CONF_ENABLED)[0].default() is True
    # An optional message, spoken by a text-to-speech entity (or the default).
    assert field(result, CONF_MESSAGE)[1]["multiline"] is True
    assert field(result, CONF_TTS_ENGINE)[1]["domain"] == ["tts"]

    selectors = await async_get_translations(hass, "en", "selector", {DOMAIN})
    for key in ("weekdays", "tv"):
        for option in field(result, key)[1]["options"]:
            assert f"component.{DOMAIN}.selector.{key}.options.{option}" in selectors


async def test_chime_add(
    hass: HomeAssistant, chiming_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """Every field given: the subentry holds exactly what the runtime reads."""
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        {
            CONF_NAME: " Coop wake-up ",
            CONF_MEDIA: "westminster.mp3",
            CONF_VOLUME: 35.0,
            CONF_ZONES: [uids["Kitchen"], uids["Chicken Coop"]],
            CONF_TIME: "06:45",
            CONF_WEEKDAYS: ["sat", "mon", "fri"],
            CONF_TV: "interrupt",
            CONF_MODE: "overlay",
            CONF_ENABLED: False,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [chime] = subentries(chiming_entry, SUBENTRY_CHIME)
    assert chime.title == "Coop wake-up"
    assert chime.unique_id is None
    assert dict(chime.data) == {
        CONF_NAME: "Coop wake-up",
        CONF_MEDIA: "westminster.mp3",
        CONF_VOLUME: 35,
        CONF_ZONES: [uids["Kitchen"], uids["Chicken Coop"]],
        CONF_TIME: "06:45:00",
        CONF_WEEKDAYS: ["mon", "fri", "sat"],
        CONF_TV: "interrupt",
        CONF_MODE: "overlay",
        CONF_QUIET_HOURS: "hold",
        CONF_ONLY_OCCUPIED: False,
        CONF_ENABLED: False,
    }
    assert isinstance(chime.data[CONF_VOLUME], int)


async def test_chime_add_defaults(
    hass: HomeAssistant, chiming_entry: MockConfigEntry
) -> None:
    """Only the required fields: all zones, every day, TV skipped, enabled, auto."""
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        {CONF_NAME: "Bell", CONF_MEDIA: "bell.mp3", CONF_TIME: "12:00:30"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [chime] = subentries(chiming_entry, SUBENTRY_CHIME)
    assert dict(chime.data) == {
        CONF_NAME: "Bell",
        CONF_MEDIA: "bell.mp3",
        CONF_ZONES: [],
        CONF_TIME: "12:00:30",
        CONF_WEEKDAYS: ALL_WEEKDAYS,
        CONF_TV: "skip",
        CONF_MODE: "auto",  # over the music where the speakers can
        CONF_QUIET_HOURS: "hold",
        CONF_ONLY_OCCUPIED: False,
        CONF_ENABLED: True,
    }


@pytest.mark.parametrize(
    "media",
    [
        "/local/sonos_chime/ding_dong.mp3",
        "http://chimes.example.com/gong.mp3",
        "https://chimes.example.com/gong.mp3",
        "media-source://sonos_chime/bell.mp3",
    ],
)
async def test_chime_media_typed(
    hass: HomeAssistant, chiming_entry: MockConfigEntry, media: str
) -> None:
    """A /local/… path, a URL or a media-source id can be typed instead."""
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        {CONF_NAME: "Gong", CONF_MEDIA: f" {media} ", CONF_TIME: "08:00:00"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [chime] = subentries(chiming_entry, SUBENTRY_CHIME)
    assert chime.data[CONF_MEDIA] == media


@pytest.mark.usefixtures("demo_tts")
async def test_chime_with_message(
    hass: HomeAssistant, chiming_entry: MockConfigEntry
) -> None:
    """A message is kept, spoken by the default engine: nothing speaks it yet."""
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        {
            CONF_NAME: "End of work",
            CONF_MEDIA: "bell.mp3",
            CONF_TIME: "17:00:00",
            CONF_MESSAGE: " It's 5 o'clock ",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [chime] = subentries(chiming_entry, SUBENTRY_CHIME)
    assert chime.data[CONF_MESSAGE] == "It's 5 o'clock"
    assert CONF_TTS_ENGINE not in chime.data


@pytest.mark.usefixtures("demo_tts")
async def test_chime_message_engine_refused(
    hass: HomeAssistant, chiming_entry: MockConfigEntry
) -> None:
    """An engine that is not there is shown on its field; empty picks the default."""
    good = {
        CONF_NAME: "End of work",
        CONF_MEDIA: "bell.mp3",
        CONF_TIME: "17:00:00",
        CONF_MESSAGE: "It's 5 o'clock",
    }
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    result = await configure_subentry(
        hass, SUBENTRY_CHIME, result, good | {CONF_TTS_ENGINE: "tts.gone"}
    )
    assert result["errors"] == {CONF_TTS_ENGINE: "unknown_tts_engine"}

    result = await configure_subentry(hass, SUBENTRY_CHIME, result, good)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_chime_library_lists_dropped_in_files(
    hass: HomeAssistant, chiming_entry: MockConfigEntry
) -> None:
    """A chime the user copies into the library is offered at once."""
    library = Path(hass.config.path("www", "sonos_chime"))
    shutil.copyfile(TEST_MEDIA / "chime_short.wav", library / "Doorbell.wav")
    duration = read_file_duration(library / "Doorbell.wav")
    assert duration is not None

    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    listed = options(result, CONF_MEDIA)
    assert ("Doorbell.wav", f"Doorbell.wav ({duration:.1f} s)") in listed
    assert [value for value, _ in listed] == sorted(
        [name for name, _ in shipped_options()] + ["Doorbell.wav"], key=str.casefold
    )

    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        {CONF_NAME: "Door", CONF_MEDIA: "Doorbell.wav", CONF_TIME: "08:00:00"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({CONF_MEDIA: "nope.mp3"}, {CONF_MEDIA: "media_not_found"}),
        ({CONF_MEDIA: "/local/sonos_chime/nope.mp3"}, {CONF_MEDIA: "media_not_found"}),
        (
            {CONF_MEDIA: "ftp://example.com/bell.mp3"},
            {CONF_MEDIA: "invalid_media_scheme"},
        ),
        ({CONF_MEDIA: "../secrets.yaml"}, {CONF_MEDIA: "invalid_media"}),
        ({CONF_MEDIA: "http:///bell.mp3"}, {CONF_MEDIA: "invalid_media"}),
        ({CONF_WEEKDAYS: []}, {CONF_WEEKDAYS: "no_weekdays"}),
        ({CONF_NAME: "   "}, {CONF_NAME: "no_name"}),
        (
            {CONF_MEDIA: "media-source://nowhere/bell.mp3"},
            {CONF_MEDIA: "media_unresolvable"},
        ),
        # No text-to-speech is set up: nothing could speak it.
        ({CONF_MESSAGE: "Good morning"}, {CONF_TTS_ENGINE: "no_tts"}),
        (
            {CONF_NAME: "", CONF_MEDIA: "nope.mp3", CONF_WEEKDAYS: []},
            {
                CONF_NAME: "no_name",
                CONF_MEDIA: "media_not_found",
                CONF_WEEKDAYS: "no_weekdays",
            },
        ),
    ],
)
async def test_chime_errors_then_recover(
    hass: HomeAssistant,
    chiming_entry: MockConfigEntry,
    changes: dict[str, Any],
    errors: dict[str, str],
) -> None:
    """Each mistake is shown on its field, what was typed stays, and can be fixed."""
    good = {
        CONF_NAME: "Bell",
        CONF_MEDIA: "bell.mp3",
        CONF_TIME: "07:00:00",
        CONF_WEEKDAYS: ["mon"],
    }
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    result = await configure_subentry(hass, SUBENTRY_CHIME, result, good | changes)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "user"
    assert result["errors"] == errors
    assert {key: suggested(result)[key] for key in changes} == changes
    assert subentries(chiming_entry, SUBENTRY_CHIME) == []

    result = await configure_subentry(hass, SUBENTRY_CHIME, result, good)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [chime] = subentries(chiming_entry, SUBENTRY_CHIME)
    assert chime.data[CONF_WEEKDAYS] == ["mon"]


async def test_chime_no_internal_url(
    hass: HomeAssistant, chiming_entry: MockConfigEntry
) -> None:
    """A library chime the speakers could not be told where to fetch."""
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    data = {CONF_NAME: "Bell", CONF_MEDIA: "bell.mp3", CONF_TIME: "07:00:00"}
    with patch(
        "custom_components.sonos_chime.media_resolver.get_url",
        side_effect=NoURLAvailableError,
    ):
        result = await configure_subentry(hass, SUBENTRY_CHIME, result, data)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "no_internal_url"}
    assert subentries(chiming_entry, SUBENTRY_CHIME) == []

    result = await configure_subentry(hass, SUBENTRY_CHIME, result, data)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_chime_zones_from_setup_when_household_is_silent(
    hass: HomeAssistant,
    chiming_entry: MockConfigEntry,
    household: Household,
    uids: dict[str, str],
) -> None:
    """Chimes can be added while the speakers are off: zones as found at setup."""
    for speaker in household.speakers:
        speaker.go_offline()
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    assert result["type"] is FlowResultType.FORM
    assert [value for value, _ in options(result, CONF_ZONES)] == [
        uids["Chicken Coop"],
        uids["Kitchen"],
        uids["Living Room"],
    ]


async def test_chime_zone_names_are_read_fresh(
    hass: HomeAssistant,
    chiming_entry: MockConfigEntry,
    household: Household,
    uids: dict[str, str],
) -> None:
    """Zones renamed after setup are listed by their new names."""
    household["Living Room"].name = "Lounge"
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    assert options(result, CONF_ZONES) == [
        (uids["Chicken Coop"], "Chicken Coop"),
        (uids["Kitchen"], "Kitchen"),
        (uids["Living Room"], "Lounge"),
    ]


async def test_chime_refused_while_no_zone_chimes(
    hass: HomeAssistant, loaded_entry: MockConfigEntry
) -> None:
    """No zone added and All zones off: the form could only save a silent chime."""
    assert CONF_ALL_ZONES not in loaded_entry.options
    result = await start_subentry_flow(hass, loaded_entry, SUBENTRY_CHIME)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_chime_zones"


async def test_chime_offers_only_zones_added(
    hass: HomeAssistant, mock_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """With All zones off, only the zones added chime, so only they are offered."""
    entry = with_subentries(mock_entry, [zone_subentry(uids["Kitchen"], "Kitchen")])
    await set_up(hass, entry)

    result = await start_subentry_flow(hass, entry, SUBENTRY_CHIME)
    assert options(result, CONF_ZONES) == [(uids["Kitchen"], "Kitchen")]
    with pytest.raises(InvalidData):
        await configure_subentry(
            hass,
            SUBENTRY_CHIME,
            result,
            {
                CONF_NAME: "Bell",
                CONF_MEDIA: "bell.mp3",
                CONF_TIME: "07:00:00",
                CONF_ZONES: [uids["Living Room"]],
            },
        )
    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        {CONF_NAME: "Bell", CONF_MEDIA: "bell.mp3", CONF_TIME: "07:00:00"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_chime_refused_when_zones_stop_chiming_meanwhile(
    hass: HomeAssistant, chiming_entry: MockConfigEntry
) -> None:
    """All zones switched off while the form is open: saving says how to fix it."""
    chime = {CONF_NAME: "Bell", CONF_MEDIA: "bell.mp3", CONF_TIME: "07:00:00"}
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    hass.config_entries.async_update_entry(
        chiming_entry, options={CONF_ALL_ZONES: False}
    )
    await hass.async_block_till_done()
    assert chiming_entry.state is ConfigEntryState.LOADED

    result = await configure_subentry(hass, SUBENTRY_CHIME, result, chime)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ZONES: "no_chime_zones"}
    assert options(result, CONF_ZONES) == []
    assert subentries(chiming_entry, SUBENTRY_CHIME) == []

    hass.config_entries.async_update_entry(
        chiming_entry, options={CONF_ALL_ZONES: True}
    )
    await hass.async_block_till_done()
    result = await configure_subentry(hass, SUBENTRY_CHIME, result, chime)
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize("volume", [150.0, -1.0, 35.5])
async def test_chime_volume_refused(
    hass: HomeAssistant, chiming_entry: MockConfigEntry, volume: float
) -> None:
    """A volume out of range or not whole is refused on the field, in words."""
    chime = {CONF_NAME: "Bell", CONF_MEDIA: "bell.mp3", CONF_TIME: "07:00:00"}
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    result = await configure_subentry(
        hass, SUBENTRY_CHIME, result, chime | {CONF_VOLUME: volume}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_VOLUME: "invalid_volume"}
    assert suggested(result)[CONF_VOLUME] == volume

    # Left empty: each zone keeps its volume.
    result = await configure_subentry(hass, SUBENTRY_CHIME, result, chime)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [saved] = subentries(chiming_entry, SUBENTRY_CHIME)
    assert CONF_VOLUME not in saved.data


async def test_chime_room_volumes(
    hass: HomeAssistant, chiming_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """Zone volumes as a list in the form, stored by zone; an offset in a range.

    Reconfigure shows them as they were entered.
    """
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    _, config = field(result, CONF_ZONE_VOLUMES)
    assert config["multiple"] is True
    assert config["label_field"] == "zone"
    zone_choices = config["fields"]["zone"]["selector"]["select"]["options"]
    assert [choice["label"] for choice in zone_choices] == [
        "Chicken Coop",
        "Kitchen",
        "Living Room",
    ]
    rows = [
        {"zone": uids["Kitchen"], "volume": 40.0},
        {"zone": uids["Chicken Coop"], "volume": 15},
    ]
    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        {
            CONF_NAME: "Bell",
            CONF_MEDIA: "bell.mp3",
            CONF_TIME: "07:00",
            CONF_ZONE_VOLUMES: rows,
            CONF_VOLUME_OFFSET: -5.0,
            CONF_VOLUME_MIN: 10,
            CONF_VOLUME_MAX: 45,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [chime] = subentries(chiming_entry, SUBENTRY_CHIME)
    assert chime.data[CONF_ZONE_VOLUMES] == {
        uids["Kitchen"]: 40,
        uids["Chicken Coop"]: 15,
    }
    assert (
        chime.data[CONF_VOLUME_OFFSET],
        chime.data[CONF_VOLUME_MIN],
        chime.data[CONF_VOLUME_MAX],
    ) == (-5, 10, 45)
    config = chiming_entry.runtime_data.manager.chime_config(chime.subentry_id)
    assert config is not None
    assert (config.volume_offset, config.volume_range) == (-5, (10, 45))

    result = await hass.config_entries.subentries.async_init(
        (chiming_entry.entry_id, SUBENTRY_CHIME),
        context={"source": "reconfigure", "subentry_id": chime.subentry_id},
    )
    assert suggested(result)[CONF_ZONE_VOLUMES] == [
        {"zone": uids["Kitchen"], "volume": 40},
        {"zone": uids["Chicken Coop"], "volume": 15},
    ]


@pytest.mark.parametrize(
    "case",
    [
        (
            {CONF_ZONE_VOLUMES: [{"zone": "ZONE", "volume": 20.5}]},
            "invalid_zone_volume",
        ),
        ({CONF_VOLUME_OFFSET: 150}, "invalid_volume_offset"),
        ({CONF_VOLUME_OFFSET: 5, CONF_VOLUME: 30}, "volume_and_offset"),
        ({CONF_VOLUME_MIN: 60, CONF_VOLUME_MAX: 40}, "volume_range"),
        ({CONF_VOLUME_MIN: 101}, "invalid_volume"),
    ],
)
async def test_chime_room_volumes_refused(
    hass: HomeAssistant,
    chiming_entry: MockConfigEntry,
    uids: dict[str, str],
    case: tuple[dict[str, Any], str],
) -> None:
    """Each rule that cannot hold is refused on its field, in words."""
    entered, error = case
    chime = {CONF_NAME: "Bell", CONF_MEDIA: "bell.mp3", CONF_TIME: "07:00:00"}
    if CONF_ZONE_VOLUMES in entered:
        [row] = entered[CONF_ZONE_VOLUMES]
        entered = {CONF_ZONE_VOLUMES: [row | {"zone": uids["Kitchen"]}]}
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    result = await configure_subentry(hass, SUBENTRY_CHIME, result, chime | entered)
    assert result["type"] is FlowResultType.FORM
    assert list(result["errors"].values()) == [error]
    assert subentries(chiming_entry, SUBENTRY_CHIME) == []


@pytest.mark.parametrize(
    "rows",
    [[{"zone": "RINCON_nowhere", "volume": 20}], [{"volume": 20}], [{"zone": "Z"}]],
)
async def test_chime_room_volume_rows_the_selector_refuses(
    hass: HomeAssistant, chiming_entry: MockConfigEntry, rows: list[dict[str, Any]]
) -> None:
    """A zone not offered, or a row without zone or volume, never reaches the chime."""
    chime = {CONF_NAME: "Bell", CONF_MEDIA: "bell.mp3", CONF_TIME: "07:00:00"}
    result = await start_subentry_flow(hass, chiming_entry, SUBENTRY_CHIME)
    with pytest.raises(InvalidData):
        await configure_subentry(
            hass, SUBENTRY_CHIME, result, chime | {CONF_ZONE_VOLUMES: rows}
        )
    assert subentries(chiming_entry, SUBENTRY_CHIME) == []


# ----------------------------------------------------------------- reconfigure
CHIME = {
    CONF_NAME: "Morning bell",
    CONF_MEDIA: "bell.mp3",
    CONF_VOLUME: 30,
    CONF_ZONES: [],
    CONF_TIME: "07:00:00",
    CONF_WEEKDAYS: ["mon", "tue", "wed", "thu", "fri"],
    CONF_TV: "skip",
    CONF_ENABLED: True,
}


@pytest.fixture
async def chime_entry(
    hass: HomeAssistant, mock_entry: MockConfigEntry, uids: dict[str, str]
) -> MockConfigEntry:
    """The household with three zones added, one since gone, and a chime."""
    entry = with_subentries(
        mock_entry,
        [
            zone_subentry(GONE_UID, "Garden"),
            zone_subentry(uids["Kitchen"], "Kitchen"),
            zone_subentry(uids["Living Room"], "Living Room"),
            ConfigSubentryData(
                data=CHIME | {CONF_ZONES: [uids["Kitchen"], GONE_UID]},
                subentry_type=SUBENTRY_CHIME,
                title=CHIME[CONF_NAME],
                unique_id=None,
            ),
        ],
    )
    return await set_up(hass, entry)


async def reconfigure(hass: HomeAssistant, entry: MockConfigEntry) -> Any:
    """Open the chime's reconfigure flow."""
    [chime] = subentries(entry, SUBENTRY_CHIME)
    result = await entry.start_subentry_reconfigure_flow(hass, chime.subentry_id)
    await assert_flow_translated(hass, result, "config_subentries", SUBENTRY_CHIME)
    return result


async def test_chime_reconfigure(
    hass: HomeAssistant, chime_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """The form shows the chime as it is; what is saved replaces it whole."""
    [chime] = subentries(chime_entry, SUBENTRY_CHIME)
    result = await reconfigure(hass, chime_entry)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    # Saved before modes existed: it keeps interrupting until changed.
    assert suggested(result) == dict(chime.data) | {CONF_MODE: "interrupt"}
    # Only the zones added chime; the Chicken Coop is not offered. A zone
    # that left the household is still one, named as it was added.
    assert options(result, CONF_ZONES) == [
        (GONE_UID, "Garden"),
        (uids["Kitchen"], "Kitchen"),
        (uids["Living Room"], "Living Room"),
    ]

    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        {
            CONF_NAME: "Weekend bell",
            CONF_MEDIA: "soft_chime.mp3",
            CONF_ZONES: [uids["Living Room"]],
            CONF_TIME: "09:30",
            CONF_WEEKDAYS: ["sun", "sat"],
            CONF_TV: "interrupt",
            CONF_ENABLED: False,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    [changed] = subentries(chime_entry, SUBENTRY_CHIME)
    assert changed.subentry_id == chime.subentry_id
    assert changed.title == "Weekend bell"
    # The volume was left empty: zones keep their own volume now.
    assert dict(changed.data) == {
        CONF_NAME: "Weekend bell",
        CONF_MEDIA: "soft_chime.mp3",
        CONF_ZONES: [uids["Living Room"]],
        CONF_TIME: "09:30:00",
        CONF_WEEKDAYS: ["sat", "sun"],
        CONF_TV: "interrupt",
        CONF_MODE: "interrupt",
        CONF_QUIET_HOURS: "hold",
        CONF_ONLY_OCCUPIED: False,
        CONF_ENABLED: False,
    }


async def test_chime_reconfigure_unknown_zone_labelled_by_uid(
    hass: HomeAssistant, mock_entry: MockConfigEntry, uids: dict[str, str]
) -> None:
    """A stored zone known nowhere any more is listed by its uid, not saved alone.

    Kept on the form so the chime is shown as it is, it would play nowhere:
    saving says so on the field until a zone that chimes is chosen.
    """
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_entry.title,
        unique_id=mock_entry.unique_id,
        data=dict(mock_entry.data),
        options={CONF_ALL_ZONES: True},
        subentries_data=[
            ConfigSubentryData(
                data=CHIME | {CONF_ZONES: [GONE_UID]},
                subentry_type=SUBENTRY_CHIME,
                title=CHIME[CONF_NAME],
                unique_id=None,
            )
        ],
    )
    await set_up(hass, entry)
    result = await reconfigure(hass, entry)
    assert options(result, CONF_ZONES) == [
        (uids["Chicken Coop"], "Chicken Coop"),
        (uids["Kitchen"], "Kitchen"),
        (uids["Living Room"], "Living Room"),
        (GONE_UID, GONE_UID),
    ]
    assert suggested(result)[CONF_ZONES] == [GONE_UID]

    result = await configure_subentry(hass, SUBENTRY_CHIME, result, suggested(result))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ZONES: "zones_not_chiming"}
    [chime] = subentries(entry, SUBENTRY_CHIME)
    # As it was, with what the migration to 1.3 filled in.
    assert dict(chime.data) == CHIME | {
        CONF_ZONES: [GONE_UID],
        CONF_MODE: "interrupt",
        CONF_QUIET_HOURS: "hold",
        CONF_ONLY_OCCUPIED: False,
    }

    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        suggested(result) | {CONF_ZONES: [GONE_UID, uids["Kitchen"]]},
    )
    assert result["reason"] == "reconfigure_successful"
    [chime] = subentries(entry, SUBENTRY_CHIME)
    assert dict(chime.data) == CHIME | {
        CONF_ZONES: [GONE_UID, uids["Kitchen"]],
        CONF_MODE: "interrupt",
        CONF_QUIET_HOURS: "hold",
        CONF_ONLY_OCCUPIED: False,
    }


async def test_chime_reconfigure_errors_then_recover(
    hass: HomeAssistant, chime_entry: MockConfigEntry
) -> None:
    """A bad change is refused on its field and leaves the chime as it was."""
    [chime] = subentries(chime_entry, SUBENTRY_CHIME)
    before = dict(chime.data)
    result = await reconfigure(hass, chime_entry)
    entered = before | {CONF_MEDIA: "gone.mp3", CONF_WEEKDAYS: []}

    result = await configure_subentry(hass, SUBENTRY_CHIME, result, entered)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    assert result["errors"] == {
        CONF_MEDIA: "media_not_found",
        CONF_WEEKDAYS: "no_weekdays",
    }
    assert suggested(result) == entered | {
        CONF_MODE: "interrupt",
        CONF_QUIET_HOURS: "hold",
        CONF_ONLY_OCCUPIED: False,
        CONF_CLOCK: "off",
    }
    assert dict(subentries(chime_entry, SUBENTRY_CHIME)[0].data) == before

    result = await configure_subentry(
        hass,
        SUBENTRY_CHIME,
        result,
        entered
        | {CONF_WEEKDAYS: ["wed"]}
        | {CONF_MEDIA: "/local/sonos_chime/bell.mp3"},
    )
    assert result["reason"] == "reconfigure_successful"
    assert dict(subentries(chime_entry, SUBENTRY_CHIME)[0].data) == before | {
        CONF_MEDIA: "/local/sonos_chime/bell.mp3",
        CONF_WEEKDAYS: ["wed"],
        CONF_MODE: "interrupt",
        CONF_QUIET_HOURS: "hold",
        CONF_ONLY_OCCUPIED: False,
    }


async def test_chime_reconfigure_entry_not_loaded(
    hass: HomeAssistant, chime_entry: MockConfigEntry
) -> None:
    """An unloaded household cannot be asked for its zones."""
    assert await hass.config_entries.async_unload(chime_entry.entry_id)
    result = await reconfigure(hass, chime_entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "entry_not_loaded"


async def test_zone_refused_while_all_zones_chime(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    """With "All zones" on, a zone subentry would only move its zone's device."""
    mock_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(mock_entry, options={CONF_ALL_ZONES: True})
    assert await hass.config_entries.async_setup(mock_entry.entry_id)
    await hass.async_block_till_done()

    result = await start_subentry_flow(hass, mock_entry, SUBENTRY_ZONE)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "all_zones_on"
    assert subentries(mock_entry, SUBENTRY_ZONE) == []


async def test_chime_reconfigure_with_no_chime_zones(
    hass: HomeAssistant, mock_entry: MockConfigEntry
) -> None:
    """A chime can be opened with no zone chiming, not saved to play nowhere."""
    entry = with_subentries(
        mock_entry,
        [
            ConfigSubentryData(
                data=CHIME,
                subentry_type=SUBENTRY_CHIME,
                title=CHIME[CONF_NAME],
                unique_id=None,
            )
        ],
    )
    await set_up(hass, entry)
    result = await reconfigure(hass, entry)
    assert result["type"] is FlowResultType.FORM
    assert options(result, CONF_ZONES) == []

    result = await configure_subentry(hass, SUBENTRY_CHIME, result, suggested(result))
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ZONES: "no_chime_zones"}
