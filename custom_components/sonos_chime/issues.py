"""A household's repair issues: chime files or engines gone, chimes failing, zones gone.

Kept apart from the manager, which decides what plays: this only turns what
setup, plays and the periodic look found into issues, and clears them again.
Every issue carries the entry id, so a removed household takes its own along.
"""

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Final

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_track_time_interval

from .chime_config import ChimeConfig
from .const import CONF_ZONE_NAME, DOMAIN
from .data import SonosChimeConfigEntry
from .engine import ChimeResult, Outcome, Reason
from .media_resolver import async_check_media, tts_engine_available

# A file the user deletes shows up as a repair within this time.
MEDIA_CHECK_INTERVAL: Final = timedelta(minutes=5)
# One lost answer is a hiccup; this many chimes in a row is a zone gone.
UNREACHABLE_STREAK: Final = 3

ISSUE_MISSING_MEDIA: Final = "missing_media"
# One issue per zone, by uid; it says whether the zone is gone or silent.
ISSUE_ZONE: Final = "zone"
ISSUE_ZONE_GONE: Final = "zone_gone"
ISSUE_ZONE_UNREACHABLE: Final = "zone_unreachable"
ISSUE_MESSAGE_ENGINE: Final = "message_engine_missing"
ISSUE_CHIME_FAILING: Final = "chime_failing"
ISSUE_UPNP_DISABLED: Final = "upnp_disabled"
# One failed run is a hiccup; this many in a row is something to fix.
FAILING_STREAK: Final = 3
# Issue data: which household raised it, and why (zone issues).
ISSUE_ENTRY_ID: Final = "entry_id"
ISSUE_CAUSE: Final = "cause"
CAUSE_MISSING: Final = "missing"
CAUSE_UNREACHABLE: Final = "unreachable"

# Chimes to look at, as (subentry id, settings).
type ChimeConfigs = Iterable[tuple[str, ChimeConfig]]


class HouseholdRepairs:
    """Raises and clears one household's issues; the manager says when.

    It keeps no copy of zones or chimes: the manager passes them at each
    call, as they are then. Only the unreachable streaks live here.
    """

    def __init__(self, hass: HomeAssistant, entry: SonosChimeConfigEntry) -> None:
        """No issue is touched before the manager asks."""
        self.hass = hass
        self.entry = entry
        # Chimes in a row each zone was unreachable, by zone uid.
        self._unreachable: dict[str, int] = {}
        # Runs in a row each chime failed on every zone, by subentry id.
        self._failing: dict[str, int] = {}

    # ---------------------------------------------------------------- zones
    @callback
    def async_follow_reachability(
        self, result: ChimeResult, chime_zones: set[str]
    ) -> None:
        """A zone unreachable chime after chime gets a repair issue.

        Zones outside chime_zones are ignored: chimes are not meant to play there.
        """
        for zone in result.zones:
            if zone.uid not in chime_zones:
                continue
            if zone.outcome is Outcome.FAILED and zone.reason is Reason.UNREACHABLE:
                streak = self._unreachable.get(zone.uid, 0) + 1
                self._unreachable[zone.uid] = streak
                if streak >= UNREACHABLE_STREAK:
                    self._async_zone_issue(zone.uid, zone.name, CAUSE_UNREACHABLE)
                continue
            self._unreachable.pop(zone.uid, None)
            if zone.outcome is Outcome.CHIMED:
                ir.async_delete_issue(self.hass, DOMAIN, f"{ISSUE_ZONE}_{zone.uid}")

    @callback
    def async_check_zones(
        self,
        *,
        present: set[str],
        configured: Mapping[str, ConfigSubentry],
        chime_zones: set[str],
        chimes: set[str],
    ) -> None:
        """Zones added that the household no longer has; issues now obsolete.

        present holds the uids the household reported, configured the zone
        subentries by uid, chime_zones the uids chimes play on and chimes the
        subentry ids of every chime.
        """
        for uid, subentry in configured.items():
            if uid not in present:
                name = subentry.data.get(CONF_ZONE_NAME) or subentry.title
                self._async_zone_issue(uid, name, CAUSE_MISSING)

        registry = ir.async_get(self.hass)
        known_zones = chime_zones | set(configured)
        for (domain, issue_id), issue in list(registry.issues.items()):
            if domain != DOMAIN or not issue.data:
                continue
            if issue.data.get(ISSUE_ENTRY_ID) != self.entry.entry_id:
                continue
            if zone_uid := _issue_key(issue_id, ISSUE_ZONE):
                obsolete = zone_uid not in known_zones or (
                    zone_uid in present and issue.data.get(ISSUE_CAUSE) == CAUSE_MISSING
                )
            elif subentry_id := (
                _issue_key(issue_id, ISSUE_MISSING_MEDIA)
                or _issue_key(issue_id, ISSUE_MESSAGE_ENGINE)
                or _issue_key(issue_id, ISSUE_CHIME_FAILING)
            ):
                obsolete = subentry_id not in chimes
            else:
                obsolete = False
            if obsolete:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    @callback
    def _async_zone_issue(self, uid: str, name: str, cause: str) -> None:
        """One issue per zone; the cause tells setup when it is obsolete."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_ZONE}_{uid}",
            data={ISSUE_ENTRY_ID: self.entry.entry_id, ISSUE_CAUSE: cause},
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=ISSUE_ZONE_GONE
            if cause == CAUSE_MISSING
            else ISSUE_ZONE_UNREACHABLE,
            translation_placeholders={"zone": name},
        )

    # ----------------------------------------------------------------- UPnP
    @callback
    def async_follow_upnp(self, result: ChimeResult) -> None:
        """A zone refusing UPnP raises the household's issue; a chime clears it."""
        refused = [
            zone.name for zone in result.failed if zone.reason is Reason.UPNP_DISABLED
        ]
        if refused:
            async_upnp_disabled(self.hass, self.entry, refused)
        elif result.chimed:
            async_upnp_enabled(self.hass, self.entry)

    # --------------------------------------------------------------- chimes
    @callback
    def async_follow_chime(self, chime_id: str, name: str, error: str | None) -> None:
        """A chime whose runs keep failing gets an issue; one that chimes clears it.

        error is None for a run that chimed on some zone.
        """
        issue_id = f"{ISSUE_CHIME_FAILING}_{chime_id}"
        if error is None:
            self._failing.pop(chime_id, None)
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        streak = self._failing.get(chime_id, 0) + 1
        self._failing[chime_id] = streak
        if streak >= FAILING_STREAK:
            self._async_chime_issue(
                ISSUE_CHIME_FAILING,
                chime_id,
                {"chime": name, "runs": str(streak), "error": error},
            )

    @callback
    def async_message_issue(
        self, chime_id: str, config: ChimeConfig, *, missing: bool
    ) -> None:
        """Raise or clear the issue of a message whose engine is gone."""
        if not missing:
            ir.async_delete_issue(
                self.hass, DOMAIN, f"{ISSUE_MESSAGE_ENGINE}_{chime_id}"
            )
            return
        self._async_chime_issue(
            ISSUE_MESSAGE_ENGINE,
            chime_id,
            {
                "chime": config.name,
                "engine": config.tts_engine or "Home Assistant's default engine",
            },
        )

    @callback
    def _async_chime_issue(
        self, kind: str, chime_id: str, placeholders: dict[str, str]
    ) -> None:
        """One issue of this kind per chime, gone with the chime (async_check_zones)."""
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{kind}_{chime_id}",
            data={ISSUE_ENTRY_ID: self.entry.entry_id},
            is_fixable=False,
            severity=ir.IssueSeverity.WARNING,
            translation_key=kind,
            translation_placeholders=placeholders,
        )

    # ---------------------------------------------------------------- media
    @callback
    def async_start_media_checks(
        self, chimes: Callable[[], ChimeConfigs]
    ) -> CALLBACK_TYPE:
        """Look for missing files every few minutes; returns the cancel.

        chimes is called at each look, so it sees the chimes of that moment.
        """

        @callback
        def check_due(now: datetime) -> None:
            self.entry.async_create_background_task(
                self.hass, self.async_check_media(chimes()), f"{DOMAIN} media check"
            )

        return async_track_time_interval(
            self.hass,
            check_due,
            MEDIA_CHECK_INTERVAL,
            name=f"{DOMAIN} media check",
            cancel_on_shutdown=True,
        )

    async def async_check_media(self, chimes: ChimeConfigs) -> None:
        """A chime whose local file or message engine is gone gets an issue.

        Back, it goes away. Nothing is spoken: only the engine is looked up.
        """
        for chime_id, config in chimes:
            if config.message is not None:
                self.async_message_issue(
                    chime_id,
                    config,
                    missing=not tts_engine_available(self.hass, config.tts_engine),
                )
            try:
                await async_check_media(self.hass, config.media)
            except ServiceValidationError as err:
                missing = err.translation_key == "media_not_found"
            except HomeAssistantError:
                # No internal URL, say: the file itself is not the problem.
                missing = False
            else:
                missing = False
            self.async_media_issue(chime_id, config, missing=missing)

    @callback
    def async_media_issue(
        self, chime_id: str, config: ChimeConfig, *, missing: bool
    ) -> None:
        """Raise or clear the chime's missing-file issue, as a play just found."""
        if not missing:
            ir.async_delete_issue(
                self.hass, DOMAIN, f"{ISSUE_MISSING_MEDIA}_{chime_id}"
            )
            return
        self._async_chime_issue(
            ISSUE_MISSING_MEDIA,
            chime_id,
            {"chime": config.name, "media": config.media},
        )


def _issue_key(issue_id: str, kind: str) -> str | None:
    """The uid or subentry id an issue of this kind is about."""
    prefix = f"{kind}_"
    return issue_id.removeprefix(prefix) if issue_id.startswith(prefix) else None


@callback
def async_delete_entry_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Drop every issue a removed household raised."""
    registry = ir.async_get(hass)
    for (domain, issue_id), issue in list(registry.issues.items()):
        if (
            domain == DOMAIN
            and issue.data
            and issue.data.get(ISSUE_ENTRY_ID) == entry_id
        ):
            ir.async_delete_issue(hass, DOMAIN, issue_id)


@callback
def async_upnp_disabled(
    hass: HomeAssistant, entry: SonosChimeConfigEntry, zones: Iterable[str] = ()
) -> None:
    """UPnP is off in the Sonos app: one issue per household says where to switch it on."""
    names = ", ".join(zones)
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"{ISSUE_UPNP_DISABLED}_{entry.entry_id}",
        data={ISSUE_ENTRY_ID: entry.entry_id},
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_UPNP_DISABLED,
        translation_placeholders={
            "household": entry.title,
            "zones": names or entry.title,
        },
    )


@callback
def async_upnp_enabled(hass: HomeAssistant, entry: SonosChimeConfigEntry) -> None:
    """The household answers UPnP again."""
    ir.async_delete_issue(hass, DOMAIN, f"{ISSUE_UPNP_DISABLED}_{entry.entry_id}")
