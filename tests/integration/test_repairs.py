"""Repair issues: a chime's file gone, a zone that stays unreachable."""

from datetime import date, datetime, time, timedelta
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.translation import async_get_translations
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.sonos_chime.const import (
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    DOMAIN,
    SUBENTRY_ZONE,
)
from sonos_emulator import Household

from .helpers import (
    MORNING,
    REAL_TIME,
    chime_events,
    chime_subentry,
    household_entry,
    put_in_library,
    set_up,
    touched,
)

MONDAY = date(2026, 1, 5)

pytestmark = pytest.mark.usefixtures("ha_server")


def issue(hass: HomeAssistant, issue_id: str) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, issue_id)


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=dt_util.get_default_time_zone())


def remove_from_library(hass: HomeAssistant, name: str) -> None:
    """The user deletes a chime file."""
    Path(hass.config.path("www", "sonos_chime", name)).unlink()


async def assert_issue_text(
    hass: HomeAssistant, found: ir.IssueEntry, placeholders: dict[str, str]
) -> None:
    """The issue renders to English, every placeholder filled."""
    assert found.translation_placeholders == placeholders
    assert found.severity is ir.IssueSeverity.WARNING
    assert not found.is_fixable
    strings = await async_get_translations(hass, "en", "issues", {DOMAIN})
    prefix = f"component.{DOMAIN}.issues.{found.translation_key}"
    for part in ("title", "description"):
        text = strings[f"{prefix}.{part}"].format(**placeholders)
        assert "{" not in text


async def check_media(hass: HomeAssistant) -> None:
    """Let the periodic look for missing files run."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=6))
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_missing_media_at_setup_and_periodic_check(
    hass: HomeAssistant, household: Household
) -> None:
    entry = household_entry(
        household,
        all_zones=True,
        subentries=[
            chime_subentry(MORNING, media="gone.mp3"),
            chime_subentry("local", name="Local", media="/local/chimes/gone.mp3"),
            chime_subentry("shipped", name="Shipped", media="bell.mp3"),
            chime_subentry("url", name="Web", media="http://127.0.0.1:1/x.mp3"),
        ],
    )
    await set_up(hass, entry)

    morning = issue(hass, f"missing_media_{MORNING}")
    assert morning is not None
    assert morning.translation_key == "missing_media"
    await assert_issue_text(hass, morning, {"chime": "Morning", "media": "gone.mp3"})
    local_issue = issue(hass, "missing_media_local")
    assert local_issue is not None
    assert local_issue.translation_placeholders == {
        "chime": "Local",
        "media": "/local/chimes/gone.mp3",
    }
    # The shipped chime is there; a URL is not ours to check.
    assert issue(hass, "missing_media_shipped") is None
    assert issue(hass, "missing_media_url") is None

    # The user drops the file in: the periodic check clears the issue.
    put_in_library(hass, "gone.mp3")
    await check_media(hass)
    assert issue(hass, f"missing_media_{MORNING}") is None
    assert issue(hass, "missing_media_local") is not None

    # And deletes the shipped chime: the next check notices.
    remove_from_library(hass, "bell.mp3")
    await check_media(hass)
    assert issue(hass, "missing_media_shipped") is not None


@pytest.mark.freeze_time("2026-01-05 12:00:00", ignore=REAL_TIME)
async def test_missing_media_skips_the_scheduled_play(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, household: Household
) -> None:
    freezer.move_to(local(MONDAY, time(6)))
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    await set_up(hass, entry)
    events = chime_events(hass)
    assert issue(hass, f"missing_media_{MORNING}") is None

    remove_from_library(hass, "short.mp3")
    household.clear_events()
    freezer.move_to(local(MONDAY, time(7)))
    async_fire_time_changed(hass, local(MONDAY, time(7)))
    # The hour jumped over also ran the periodic look for missing files, as a
    # background task: it must land before the file is put back, or its late
    # "missing" would raise the issue again after Tuesday's play cleared it.
    await hass.async_block_till_done(wait_background_tasks=True)

    assert issue(hass, f"missing_media_{MORNING}") is not None
    # Skipped, not in silence: the event says why.
    [event] = events
    assert (event.data["trigger"], event.data["zones"]) == ("schedule", {})
    assert "short.mp3" in event.data["error"]
    assert not touched(household)

    # Play now says why, translated, and plays nothing either.
    with pytest.raises(ServiceValidationError) as err:
        await entry.runtime_data.manager.async_play_chime(MORNING, trigger="button")
    assert err.value.translation_key == "media_not_found"
    assert not touched(household)

    # Back in place, the next play goes ahead and clears the issue.
    put_in_library(hass, "short.mp3")
    tuesday = local(MONDAY + timedelta(days=1), time(7))
    freezer.move_to(tuesday)
    async_fire_time_changed(hass, tuesday)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert [(event.data["trigger"], "error" in event.data) for event in events] == [
        ("schedule", True),
        ("button", True),
        ("schedule", False),
    ]
    assert issue(hass, f"missing_media_{MORNING}") is None


async def test_zone_unreachable_after_three_chimes(
    hass: HomeAssistant, household: Household
) -> None:
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    coop = household["Chicken Coop"]
    issue_id = f"zone_{coop.uid}"
    coop.go_offline()

    for attempt in range(1, 4):
        result = await manager.async_play_chime(MORNING, trigger="button")
        assert result is not None
        failed = {zone.name: zone.reason for zone in result.failed}
        assert failed == {"Chicken Coop": "unreachable"}
        assert (issue(hass, issue_id) is not None) is (attempt == 3), attempt

    found = issue(hass, issue_id)
    assert found is not None
    assert found.translation_key == "zone_unreachable"
    await assert_issue_text(hass, found, {"zone": "Chicken Coop"})

    coop.go_online()
    result = await manager.async_play_chime(MORNING, trigger="button")
    assert result is not None
    assert [zone.name for zone in result.chimed] == [
        "Chicken Coop",
        "Kitchen",
        "Living Room",
    ]
    assert issue(hass, issue_id) is None


async def test_unreachable_streak_is_consecutive(
    hass: HomeAssistant, household: Household
) -> None:
    """A chime the zone answers in between starts the count again."""
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    coop = household["Chicken Coop"]
    for offline in (True, True, False, True, True):
        if offline:
            coop.go_offline()
        else:
            coop.go_online()
        await manager.async_play_chime(MORNING, trigger="button")
    assert issue(hass, f"zone_{coop.uid}") is None


async def test_zone_missing_at_setup(hass: HomeAssistant, household: Household) -> None:
    """A zone added once but gone from the household is reported at setup."""
    garage = {
        "subentry_id": "zone_garage",
        "subentry_type": SUBENTRY_ZONE,
        "title": "Garage",
        "unique_id": "RINCON_GARAGE01400",
        "data": {CONF_ZONE_UID: "RINCON_GARAGE01400", CONF_ZONE_NAME: "Garage"},
    }
    entry = household_entry(
        household, zones=["Kitchen"], subentries=[garage, chime_subentry()]
    )
    manager = await set_up(hass, entry)
    issue_id = "zone_RINCON_GARAGE01400"
    found = issue(hass, issue_id)
    assert found is not None
    assert found.translation_key == "zone_gone"
    await assert_issue_text(hass, found, {"zone": "Garage"})
    assert [zone.name for zone in manager.chime_zones()] == ["Kitchen"]

    # The zone removed from the chime zones, its issue goes too.
    hass.config_entries.async_remove_subentry(entry, "zone_garage")
    await hass.async_block_till_done()
    assert issue(hass, issue_id) is None


async def test_removing_the_household_removes_its_issues(
    hass: HomeAssistant, household: Household
) -> None:
    entry = household_entry(
        household, all_zones=True, subentries=[chime_subentry(media="gone.mp3")]
    )
    await set_up(hass, entry)
    assert issue(hass, f"missing_media_{MORNING}") is not None

    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    assert issue(hass, f"missing_media_{MORNING}") is None


async def test_upnp_switched_off_at_setup_says_where_to_switch_it_on(
    hass: HomeAssistant, household: Household
) -> None:
    """Setup retries with a repair naming the Sonos app's setting, not a stack."""
    for speaker in household.speakers:
        speaker.set_upnp(False)
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    put_in_library(hass, "short.mp3")
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()

    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert entry.reason.startswith(
        "The Sonos household refuses UPnP: switch it on in the Sonos app"
        " (Account > Privacy and Security > UPnP)."
    )
    found = issue(hass, f"upnp_disabled_{entry.entry_id}")
    assert found is not None
    assert found.severity is ir.IssueSeverity.ERROR
    strings = await async_get_translations(hass, "en", "issues", {DOMAIN})
    description = strings[f"component.{DOMAIN}.issues.upnp_disabled.description"]
    assert "Account > Privacy and Security > UPnP" in description.format(
        **found.translation_placeholders
    )

    for speaker in household.speakers:
        speaker.set_upnp(True)
    await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert issue(hass, f"upnp_disabled_{entry.entry_id}") is None


async def test_a_zone_refusing_upnp_raises_the_issue_at_once(
    hass: HomeAssistant, household: Household
) -> None:
    """No streak to wait for: a refusal is a setting, not a hiccup."""
    entry = household_entry(household, all_zones=True, subentries=[chime_subentry()])
    manager = await set_up(hass, entry)
    coop = household["Chicken Coop"]
    coop.set_upnp(False)

    result = await manager.async_play_chime(MORNING, trigger="button")

    assert result is not None
    assert {zone.name: zone.reason for zone in result.failed} == {
        "Chicken Coop": "upnp_disabled"
    }
    found = issue(hass, f"upnp_disabled_{entry.entry_id}")
    assert found is not None
    assert found.translation_placeholders == {
        "household": entry.title,
        "zones": "Chicken Coop",
    }
    assert issue(hass, f"zone_{coop.uid}") is None

    coop.set_upnp(True)
    await manager.async_play_chime(MORNING, trigger="button")
    assert issue(hass, f"upnp_disabled_{entry.entry_id}") is None
