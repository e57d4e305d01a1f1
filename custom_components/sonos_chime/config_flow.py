"""Config flow for Sonos Chime: the household, its options, its zones and chimes.

The main flow finds a household by discovery or by address, asks which of its
zones chime and leads on to the first chime. Zones and chimes are subentries
of it; the options say whether every zone, present and future, is a chime zone.
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import time, timedelta
import re
from types import MappingProxyType
from typing import Any, Final, cast, override

from homeassistant.components.tts.const import DOMAIN as TTS_DOMAIN
from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentry,
    ConfigSubentryData,
    ConfigSubentryFlow,
    FlowType,
    OptionsFlow,
    SubentryFlowContext,
    SubentryFlowResult,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    ObjectSelectorConfig,
    ObjectSelectorField,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TimeSelector,
    TimeSelectorConfig,
    make_selector_config_schema,
)
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.util import dt as dt_util
from homeassistant.util.network import is_host_valid
import probatio

from .chime_config import MAX_REPEAT_MINUTES, MIN_REPEAT_MINUTES
from .clock import clock_error
from .const import (
    CLOCK_CHOICES,
    CLOCK_OFF,
    CONF_ALL_ZONES,
    CONF_CLOCK,
    CONF_CLOCK_UNTIL,
    CONF_ENABLED,
    CONF_HOSTS,
    CONF_MEDIA,
    CONF_MESSAGE,
    CONF_MODE,
    CONF_MORE_TIMES,
    CONF_NAME,
    CONF_NIGHT_VOLUME,
    CONF_ONLY_OCCUPIED,
    CONF_QUIET_END,
    CONF_QUIET_HOURS,
    CONF_QUIET_START,
    CONF_REPEAT_MINUTES,
    CONF_REPEAT_UNTIL,
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
    LOGGER,
    QUIET_CHOICES,
    QUIET_HOLD,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from .data import SonosChimeConfigEntry
from .discovery import async_find_households, ssdp_host
from .engine import (
    ChimeError,
    ChimeMode,
    HouseholdInfo,
    HouseholdUnreachableError,
    TvMode,
    UpnpDisabledError,
    Zone,
    probe_household,
)
from .helpers import (
    household_hosts,
    household_title,
    unique,
    zone_names,
    zone_summary,
)
from .library import LibraryChime, async_list_library
from .media import async_check_media, check_tts_engine
from .schedule import WEEKDAYS
from .zone_devices import async_release_zone_subentries

CONF_HOUSEHOLD = "household"
# The choice, next to the households found, to type addresses instead.
MANUAL = "manual"
# The zones menu: every zone chimes, or only the zones chosen.
STEP_ALL_ZONES = "all_zones"
STEP_PICK_ZONES = "pick_zones"

_HOST_SEPARATORS = re.compile(r"[,;\s]+")

MANUAL_SCHEMA = probatio.Schema({probatio.Required(CONF_HOSTS): TextSelector()})


def parse_hosts(text: str) -> list[str] | None:
    """The hosts typed by the user, or None when any of them is not one.

    Accepts IP addresses and host names separated by commas (or spaces).
    """
    hosts = unique(host for host in _HOST_SEPARATORS.split(text.strip()) if host)
    if not hosts or not all(is_host_valid(host) for host in hosts):
        return None
    return hosts


class SonosChimeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Sonos household."""

    VERSION = 1
    # 2: with All zones on, no zone subentry is kept (see async_migrate_entry).
    MINOR_VERSION = 2

    _household: HouseholdInfo

    def __init__(self) -> None:
        """Nothing discovered yet."""
        self._discovered: dict[str, HouseholdInfo] = {}

    @staticmethod
    @callback
    @override
    def async_get_options_flow(config_entry: ConfigEntry) -> SonosChimeOptionsFlow:
        """The household's options: whether every zone is a chime zone."""
        return SonosChimeOptionsFlow()

    @classmethod
    @callback
    @override
    def async_get_supported_subentry_types(
        cls, config_entry: ConfigEntry
    ) -> dict[str, type[ConfigSubentryFlow]]:
        """Zones and chimes are added to a household one by one."""
        return {SUBENTRY_ZONE: ZoneSubentryFlow, SUBENTRY_CHIME: ChimeSubentryFlow}

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Offer the households Home Assistant can find; typing is the fallback."""
        try:
            households = await async_find_households(self.hass)
        except Exception:
            LOGGER.exception("Unexpected error looking for Sonos households")
            households = []
        configured = self._async_current_ids(include_ignore=False)
        self._discovered = {
            household.household_id: household
            for household in households
            if household.household_id not in configured
        }
        if not self._discovered:
            return await self.async_step_manual()
        return await self.async_step_pick_household()

    async def async_step_pick_household(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One click adds the household found; another can still be typed."""
        if user_input is not None:
            if user_input[CONF_HOUSEHOLD] == MANUAL:
                return await self.async_step_manual()
            household = self._discovered[user_input[CONF_HOUSEHOLD]]
            await self.async_set_unique_id(
                household.household_id, raise_on_progress=False
            )
            self._abort_if_unique_id_configured()
            self._household = household
            return await self.async_step_zones()

        # Households have no name of their own: their zones tell them apart.
        options = [
            SelectOptionDict(value=household_id, label=zone_summary(household))
            for household_id, household in self._discovered.items()
        ]
        options.append(SelectOptionDict(value=MANUAL, label=MANUAL))
        return self.async_show_form(
            step_id="pick_household",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_HOUSEHOLD, default=options[0]["value"]
                    ): SelectSelector(
                        SelectSelectorConfig(
                            options=options,
                            mode=SelectSelectorMode.LIST,
                            translation_key=CONF_HOUSEHOLD,
                        )
                    )
                }
            ),
        )

    @override
    async def async_step_ssdp(
        self, discovery_info: SsdpServiceInfo
    ) -> ConfigFlowResult:
        """A speaker answered Home Assistant's SSDP search."""
        if (host := ssdp_host(discovery_info.ssdp_location)) is None:
            return self.async_abort(reason="cannot_connect")
        return await self._async_step_discovered(host)

    @override
    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """A speaker announced itself over mDNS."""
        hostname = discovery_info.hostname or ""
        if not hostname.lower().startswith("sonos"):
            return self.async_abort(reason="not_sonos_device")
        if discovery_info.ip_address.version != 4:
            return self.async_abort(reason="not_ipv4_address")
        return await self._async_step_discovered(discovery_info.host)

    async def _async_step_discovered(self, host: str) -> ConfigFlowResult:
        """Ask the speaker for its household, offer that household once.

        Every speaker of a household is discovered; the household id as
        unique id makes them one flow, and keeps a configured household's
        addresses current.
        """
        for entry in self._async_current_entries(include_ignore=False):
            if host in entry.data.get(CONF_HOSTS, ()):
                return self.async_abort(reason="already_configured")
        try:
            household = await self.hass.async_add_executor_job(probe_household, [host])
        except ChimeError as err:
            LOGGER.debug("Discovered Sonos speaker %s does not answer: %s", host, err)
            return self.async_abort(reason="cannot_connect")
        await self.async_set_unique_id(household.household_id)
        self._abort_if_unique_id_configured(
            updates={CONF_HOSTS: household_hosts(household)}
        )
        self._household = household
        self.context["title_placeholders"] = {"name": zone_summary(household)}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the discovered household's zones before adding it."""
        household = self._household
        if user_input is not None:
            return await self.async_step_zones()

        self._set_confirm_only()
        return self.async_show_form(
            step_id="discovery_confirm",
            description_placeholders={
                "zones": ", ".join(zone_names(household)),
                "household_id": household.household_id,
            },
        )

    async def async_step_manual(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Add the household that answers at the addresses typed."""
        errors: dict[str, str] = {}
        if user_input is not None:
            hosts = parse_hosts(user_input[CONF_HOSTS])
            if hosts is None:
                errors[CONF_HOSTS] = "invalid_host"
            else:
                try:
                    household = await self.hass.async_add_executor_job(
                        probe_household, hosts
                    )
                except UpnpDisabledError:
                    errors["base"] = "upnp_disabled"
                except HouseholdUnreachableError:
                    errors["base"] = "cannot_connect"
                except ChimeError:
                    errors["base"] = "different_households"
                except Exception:
                    LOGGER.exception("Unexpected error probing %s", hosts)
                    errors["base"] = "unknown"
                else:
                    await self.async_set_unique_id(
                        household.household_id, raise_on_progress=False
                    )
                    self._abort_if_unique_id_configured(
                        updates={CONF_HOSTS: household_hosts(household)}
                    )
                    self._household = household
                    return await self.async_step_zones()

        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(MANUAL_SCHEMA, user_input),
            errors=errors,
        )

    async def async_step_zones(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask where chimes play, so that a new household does not stay silent."""
        return self.async_show_menu(
            step_id="zones",
            menu_options=[STEP_ALL_ZONES, STEP_PICK_ZONES],
            description_placeholders={"zones": ", ".join(zone_names(self._household))},
        )

    async def async_step_all_zones(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Every zone chimes, also zones added to the household later."""
        return self._async_create_household_entry(all_zones=True)

    async def async_step_pick_zones(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Only the zones chosen chime; Add zone adds more later."""
        errors: dict[str, str] = {}
        if user_input is not None:
            zones = {zone.uid: zone for zone in self._household.zones}
            chosen = [zones[uid] for uid in unique(user_input[CONF_ZONES])]
            if chosen:
                return self._async_create_household_entry(all_zones=False, zones=chosen)
            errors[CONF_ZONES] = "no_zones_chosen"
        return self.async_show_form(
            step_id="pick_zones",
            data_schema=_pick_zones_schema(self._household.zones),
            errors=errors,
        )

    def _async_create_household_entry(
        self, *, all_zones: bool, zones: Sequence[Zone] = ()
    ) -> ConfigFlowResult:
        """Every address the household reported, not only the typed ones.

        The name is "Sonos household" unless another entry has it already;
        then the end of the household id tells the two apart.
        """
        household = self._household
        # Added by another flow while this one asked for zones.
        self._abort_if_unique_id_configured()
        title = household_title(household)
        if any(
            entry.title == title
            for entry in self._async_current_entries(include_ignore=False)
        ):
            title = household_title(household, distinguish=True)
        return self.async_create_entry(
            title=title,
            data={CONF_HOSTS: household_hosts(household)},
            options={CONF_ALL_ZONES: all_zones},
            subentries=[_zone_subentry_data(zone) for zone in zones],
        )

    @override
    async def async_on_create_entry(self, result: ConfigFlowResult) -> ConfigFlowResult:
        """Lead on to the first chime: what the household was added for."""
        entry = result["result"]
        if entry.state is not ConfigEntryState.LOADED:
            # The chime form needs the household's zones; Add chime works later.
            return result
        chime = await self.hass.config_entries.subentries.async_init(
            (entry.entry_id, SUBENTRY_CHIME),
            context=SubentryFlowContext(source=SOURCE_USER),
        )
        if chime["type"] is FlowResultType.FORM:
            result["next_flow"] = (FlowType.CONFIG_SUBENTRIES_FLOW, chime["flow_id"])
        return result


def _pick_zones_schema(zones: Iterable[Zone]) -> probatio.Schema:
    """Tick the zones to chime on."""
    return probatio.Schema(
        {
            probatio.Required(CONF_ZONES, default=[]): SelectSelector(
                SelectSelectorConfig(
                    options=_zone_options({zone.uid: zone.name for zone in zones}),
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            )
        }
    )


def _zone_subentry_data(zone: Zone) -> ConfigSubentryData:
    """A zone subentry as Add zone makes it."""
    return ConfigSubentryData(
        data={CONF_ZONE_UID: zone.uid, CONF_ZONE_NAME: zone.name},
        subentry_type=SUBENTRY_ZONE,
        title=zone.name,
        unique_id=zone.uid,
    )


class SonosChimeOptionsFlow(OptionsFlow):
    """Whether every zone of the household chimes, and its quiet hours."""

    def __init__(self) -> None:
        """No quiet hours entered yet."""
        super().__init__()
        self._quiet: dict[str, Any] = {}

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """All zones, or only the zones added one by one; quiet hours."""
        errors: dict[str, str] = {}
        if user_input is not None:
            self._quiet, errors = _quiet_hours_options(user_input)
            all_zones = user_input[CONF_ALL_ZONES]
            if not errors:
                if all_zones or _zone_subentry_uids(self.config_entry):
                    return self._async_save(all_zones=all_zones)
                # Off with no zone added would leave every chime silent.
                if _loaded(self.config_entry) is not None:
                    return await self.async_step_zones()
                errors[CONF_ALL_ZONES] = "entry_not_loaded"
        options = self.config_entry.options
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_ALL_ZONES, default=options.get(CONF_ALL_ZONES, False)
                ): BooleanSelector(),
                probatio.Optional(CONF_QUIET_START): MinuteTimeSelector(),
                probatio.Optional(CONF_QUIET_END): MinuteTimeSelector(),
                probatio.Optional(CONF_NIGHT_VOLUME): NumberSelector(
                    NumberSelectorConfig(
                        step=1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
                    )
                ),
            }
        )
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input if user_input is not None else options
            ),
            errors=errors,
        )

    async def async_step_zones(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """All zones is switched off and no zone is added: choose them now."""
        if (entry := _loaded(self.config_entry)) is None:
            return self.async_abort(reason="entry_not_loaded")
        household = await _async_household(self.hass, entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            added = _zone_subentry_uids(entry)
            zones = {zone.uid: zone for zone in household.zones}
            chosen = [zones[uid] for uid in unique(user_input[CONF_ZONES])]
            if chosen:
                for zone in chosen:
                    if zone.uid in added:
                        continue
                    data = _zone_subentry_data(zone)
                    self.hass.config_entries.async_add_subentry(
                        entry,
                        ConfigSubentry(
                            data=MappingProxyType(data["data"]),
                            subentry_type=data["subentry_type"],
                            title=data["title"],
                            unique_id=data["unique_id"],
                        ),
                    )
                return self._async_save(all_zones=False)
            errors[CONF_ZONES] = "no_zones_chosen"
        return self.async_show_form(
            step_id="zones",
            data_schema=_pick_zones_schema(household.zones),
            errors=errors,
        )

    @callback
    def _async_save(self, *, all_zones: bool) -> ConfigFlowResult:
        """Keep any other option as it is; with All zones on, no zone apart.

        Saved before the zone subentries go, so the reload their removal
        starts already sees every zone chime.
        """
        options = {
            key: value
            for key, value in self.config_entry.options.items()
            if key not in QUIET_OPTIONS
        }
        options |= {CONF_ALL_ZONES: all_zones, **self._quiet}
        if all_zones:
            self.hass.config_entries.async_update_entry(
                self.config_entry, options=options
            )
            async_release_zone_subentries(self.hass, self.config_entry)
        return self.async_create_entry(data=options)


QUIET_OPTIONS = (CONF_QUIET_START, CONF_QUIET_END, CONF_NIGHT_VOLUME)


def _quiet_hours_options(
    user_input: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Quiet hours as the options store them (none: no window), or the errors."""
    start, end = user_input.get(CONF_QUIET_START), user_input.get(CONF_QUIET_END)
    volume = user_input.get(CONF_NIGHT_VOLUME)
    options: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if bool(start) != bool(end):
        errors[CONF_QUIET_END if start else CONF_QUIET_START] = "quiet_hours_half"
    elif start and end:
        first, last = cv.time(start), cv.time(end)
        if first == last:
            errors[CONF_QUIET_END] = "quiet_hours_empty"
        options[CONF_QUIET_START] = first.strftime("%H:%M:00")
        options[CONF_QUIET_END] = last.strftime("%H:%M:00")
    if volume is not None:
        if _whole(volume, 0, 100):
            options[CONF_NIGHT_VOLUME] = int(volume)
        else:
            errors[CONF_NIGHT_VOLUME] = "invalid_volume"
    return options, errors


@callback
def _loaded(entry: ConfigEntry) -> SonosChimeConfigEntry | None:
    """The household, when it is set up and can be asked for its zones."""
    if entry.state is not ConfigEntryState.LOADED:
        return None
    return cast(SonosChimeConfigEntry, entry)


async def _async_household(
    hass: HomeAssistant, entry: SonosChimeConfigEntry
) -> HouseholdInfo:
    """The household's zones as they are now, or as set up if it is silent.

    Zones renamed in the Sonos app are offered by their new names.
    """
    try:
        return await hass.async_add_executor_job(entry.runtime_data.engine.household)
    except ChimeError as err:
        LOGGER.debug("Household %s does not answer: %s", entry.title, err)
        return entry.runtime_data.household


class _HouseholdSubentryFlow(ConfigSubentryFlow):
    """A subentry flow that needs its household set up, to ask it for zones."""

    @callback
    def _loaded_entry(self) -> SonosChimeConfigEntry | None:
        """The household the subentry belongs to, when it is set up."""
        return _loaded(self._get_entry())


class ZoneSubentryFlow(_HouseholdSubentryFlow):
    """Add one zone of the household as a chime zone."""

    def __init__(self) -> None:
        """No zones offered yet."""
        super().__init__()
        self._offered: dict[str, Zone] = {}

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """Offer the zones that are not chime zones yet; the user picks one."""
        if (entry := self._loaded_entry()) is None:
            return self.async_abort(reason="entry_not_loaded")
        if entry.options.get(CONF_ALL_ZONES, False):
            # Every zone already chimes; a subentry would only move its device.
            return self.async_abort(reason="all_zones_on")
        added = _zone_subentry_uids(entry)

        if user_input is not None:
            uid = user_input[CONF_ZONE_UID]
            if uid in added:
                # Added by another flow since the form was shown.
                return self.async_abort(reason="already_configured")
            if (zone := self._offered.get(uid)) is not None:
                return self.async_create_entry(
                    title=zone.name,
                    data={CONF_ZONE_UID: zone.uid, CONF_ZONE_NAME: zone.name},
                    unique_id=zone.uid,
                )

        try:
            household = await self.hass.async_add_executor_job(
                entry.runtime_data.engine.household
            )
        except ChimeError as err:
            LOGGER.debug("Household %s does not answer: %s", entry.title, err)
            return self.async_abort(reason="cannot_connect")
        self._offered = {
            zone.uid: zone for zone in household.zones if zone.uid not in added
        }
        if not self._offered:
            return self.async_abort(reason="no_zones_left")

        options = [
            SelectOptionDict(value=zone.uid, label=zone.name)
            for zone in self._offered.values()
        ]
        return self.async_show_form(
            step_id="user",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_ZONE_UID): SelectSelector(
                        SelectSelectorConfig(options=options)
                    )
                }
            ),
        )


def _zone_subentry_uids(entry: ConfigEntry) -> set[str]:
    """The zones added one by one."""
    return set(_zone_subentry_titles(entry))


def _zone_subentry_titles(entry: ConfigEntry) -> dict[str, str]:
    """The zones added one by one, named as they were added."""
    return {
        subentry.data[CONF_ZONE_UID]: subentry.title
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_ZONE
    }


# What async_check_media refuses a chime's media for, shown on the field.
MEDIA_ERRORS = frozenset(
    {"media_not_found", "invalid_media_scheme", "invalid_media", "media_unresolvable"}
)
# What check_tts_engine refuses a message's engine for, shown on the engine.
TTS_ERRORS = frozenset({"no_tts", "unknown_tts_engine"})


class ChimeSubentryFlow(_HouseholdSubentryFlow):
    """Add or change a chime: what plays, where, when."""

    def __init__(self) -> None:
        """The library is read when the form is first shown."""
        super().__init__()
        self._library: list[LibraryChime] | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A new chime at the next full hour, every weekday, TV zones skipped, enabled."""
        upcoming = dt_util.now().replace(minute=0, second=0, microsecond=0)
        upcoming += timedelta(hours=1)
        return await self._async_step_chime(
            "user", user_input, {CONF_TIME: upcoming.time().isoformat()}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The same form, filled in with the chime as it is."""
        # A chime saved before modes existed keeps interrupting until changed.
        current = {
            CONF_MODE: ChimeMode.INTERRUPT.value,
            **self._get_reconfigure_subentry().data,
        }
        return await self._async_step_chime("reconfigure", user_input, current)

    async def _async_step_chime(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        current: Mapping[str, Any],
    ) -> SubentryFlowResult:
        """Show the chime form, check what was entered, save it."""
        if (entry := self._loaded_entry()) is None:
            return self.async_abort(reason="entry_not_loaded")
        chime_zones, known = await self._async_zones(entry)
        if not chime_zones and self.source == SOURCE_USER and user_input is None:
            # Nothing the form offers could fix it: say where to go instead.
            return self.async_abort(reason="no_chime_zones")

        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(user_input, chime_zones)
            if not errors:
                if self.source == SOURCE_USER:
                    return self.async_create_entry(title=data[CONF_NAME], data=data)
                return self.async_update_and_abort(
                    entry,
                    self._get_reconfigure_subentry(),
                    title=data[CONF_NAME],
                    data=data,
                )

        if self._library is None:
            self._library = await async_list_library(self.hass)
        # A zone the chime already names stays listed, so that editing its
        # time does not drop the zone; saving tells if none of them chimes.
        offered = dict(chime_zones)
        for uid in current.get(CONF_ZONES, []):
            offered.setdefault(uid, known.get(uid, uid))
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                _chime_schema(
                    self._library,
                    _zone_options(offered),
                    ChimeMode(current.get(CONF_MODE, ChimeMode.AUTO)),
                ),
                user_input if user_input is not None else _form_values(current),
            ),
            errors=errors,
        )

    async def _async_validate(
        self, user_input: dict[str, Any], chime_zones: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The subentry data for what was entered, or the errors to show."""
        errors: dict[str, str] = {}
        name = user_input[CONF_NAME].strip()
        if not name:
            errors[CONF_NAME] = "no_name"

        media = user_input[CONF_MEDIA].strip()
        try:
            await async_check_media(self.hass, media)
        except ServiceValidationError as err:
            errors[CONF_MEDIA] = (
                err.translation_key
                if err.translation_key in MEDIA_ERRORS
                else "invalid_media"
            )
        except HomeAssistantError as err:
            # The file is there, but the speakers could not be told where.
            LOGGER.debug("Cannot check media %s: %s", media, err)
            errors["base"] = "no_internal_url"

        # A message is checked, not spoken: speaking may cost, and takes time.
        message = (user_input.get(CONF_MESSAGE) or "").strip()
        engine = user_input.get(CONF_TTS_ENGINE) or None
        if message:
            try:
                check_tts_engine(self.hass, engine)
            except ServiceValidationError as err:
                errors[CONF_TTS_ENGINE] = (
                    err.translation_key
                    if err.translation_key in TTS_ERRORS
                    else "unknown_tts_engine"
                )

        # A chime that would play nowhere is refused where it can be fixed.
        zones = unique(user_input.get(CONF_ZONES, []))
        if not chime_zones:
            errors[CONF_ZONES] = "no_chime_zones"
        elif zones and not any(uid in chime_zones for uid in zones):
            errors[CONF_ZONES] = "zones_not_chiming"

        selected = set(user_input[CONF_WEEKDAYS])
        if not selected:
            errors[CONF_WEEKDAYS] = "no_weekdays"

        data: dict[str, Any] = {
            CONF_NAME: name,
            CONF_MEDIA: media,
            CONF_ZONES: zones,
            CONF_TIME: cv.time(user_input[CONF_TIME]).strftime("%H:%M:%S"),
            CONF_WEEKDAYS: [day for day in WEEKDAYS if day in selected],
            CONF_TV: user_input[CONF_TV],
            CONF_MODE: user_input[CONF_MODE],
            CONF_QUIET_HOURS: user_input.get(CONF_QUIET_HOURS, QUIET_HOLD),
            CONF_ONLY_OCCUPIED: user_input.get(CONF_ONLY_OCCUPIED, False),
            CONF_ENABLED: user_input[CONF_ENABLED],
        }
        if message:
            data[CONF_MESSAGE] = message
            if engine is not None:
                data[CONF_TTS_ENGINE] = engine
        if (volume := user_input.get(CONF_VOLUME)) is not None:
            # Checked here, not by the selector, whose message shows a float.
            if _whole(volume, 0, 100):
                data[CONF_VOLUME] = int(volume)
            else:
                errors[CONF_VOLUME] = "invalid_volume"
        _validate_room_volumes(user_input, data, errors)
        _validate_more_times(user_input, data, errors)
        _validate_clock(user_input, data, errors)
        return data, errors

    async def _async_zones(
        self, entry: SonosChimeConfigEntry
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The chime zones, and every zone name known, by uid.

        The chime zones are the zones chimes play on: every zone of the
        household when All zones is on, else the zones added one by one,
        named as the household names them now where it answers.
        """
        household = await _async_household(self.hass, entry)
        names = {zone.uid: zone.name for zone in household.zones}
        added = _zone_subentry_titles(entry)
        known = added | names
        if entry.options.get(CONF_ALL_ZONES, False):
            return names, known
        return {uid: known[uid] for uid in added}, known


def _zone_options(names: Mapping[str, str]) -> list[SelectOptionDict]:
    """Zones by name, as the Sonos app sorts them."""
    return [
        SelectOptionDict(value=uid, label=name)
        for uid, name in sorted(
            names.items(), key=lambda item: (item[1].casefold(), item[0])
        )
    ]


def _chime_schema(
    library: Sequence[LibraryChime],
    zones: list[SelectOptionDict],
    mode: ChimeMode,
) -> probatio.Schema:
    """The chime form.

    The UI pre-fills it from suggested values; the defaults only stand in for
    fields left out of what was submitted. Volume is a box, not a slider: a
    slider shows 0 when it is empty, and empty keeps each zone's volume.
    """
    return probatio.Schema(
        {
            probatio.Required(CONF_NAME): TextSelector(),
            probatio.Required(CONF_MEDIA): SelectSelector(
                SelectSelectorConfig(
                    options=[_library_option(chime) for chime in library],
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                    sort=False,
                )
            ),
            probatio.Optional(CONF_MESSAGE): TextSelector(
                TextSelectorConfig(multiline=True)
            ),
            probatio.Optional(CONF_TTS_ENGINE): EntitySelector(
                EntitySelectorConfig(domain=TTS_DOMAIN)
            ),
            probatio.Optional(CONF_VOLUME): NumberSelector(
                NumberSelectorConfig(
                    step=1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
                )
            ),
            # Room volumes: a list of (zone, volume), then a relative rule.
            probatio.Optional(CONF_ZONE_VOLUMES): ObjectSelector(
                ObjectSelectorConfig(
                    fields={
                        FIELD_ZONE: ObjectSelectorField(
                            required=True,
                            selector={"select": {"options": zones, "sort": False}},
                        ),
                        FIELD_VOLUME: ObjectSelectorField(
                            required=True,
                            selector={
                                "number": {
                                    "min": 0,
                                    "max": 100,
                                    "step": 1,
                                    "mode": "box",
                                    "unit_of_measurement": "%",
                                }
                            },
                        ),
                    },
                    multiple=True,
                    label_field=FIELD_ZONE,
                    translation_key=CONF_ZONE_VOLUMES,
                )
            ),
            probatio.Optional(CONF_VOLUME_OFFSET): NumberSelector(
                NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX)
            ),
            probatio.Optional(CONF_VOLUME_MIN): NumberSelector(
                NumberSelectorConfig(
                    step=1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
                )
            ),
            probatio.Optional(CONF_VOLUME_MAX): NumberSelector(
                NumberSelectorConfig(
                    step=1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
                )
            ),
            probatio.Optional(CONF_ZONES, default=[]): SelectSelector(
                SelectSelectorConfig(options=zones, multiple=True, sort=False)
            ),
            probatio.Required(CONF_TIME): MinuteTimeSelector(),
            # More times: each plays once a day; a repeat from the time on.
            probatio.Optional(CONF_MORE_TIMES): TextSelector(
                TextSelectorConfig(multiple=True)
            ),
            probatio.Optional(CONF_REPEAT_MINUTES): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_REPEAT_MINUTES,
                    max=MAX_REPEAT_MINUTES,
                    step=1,
                    unit_of_measurement="min",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            probatio.Optional(CONF_REPEAT_UNTIL): MinuteTimeSelector(),
            # A clock strikes every hour from its time to its last hour.
            probatio.Required(CONF_CLOCK, default=CLOCK_OFF): SelectSelector(
                SelectSelectorConfig(
                    options=list(CLOCK_CHOICES), translation_key=CONF_CLOCK
                )
            ),
            probatio.Optional(CONF_CLOCK_UNTIL): MinuteTimeSelector(),
            probatio.Required(CONF_WEEKDAYS, default=list(WEEKDAYS)): SelectSelector(
                SelectSelectorConfig(
                    options=list(WEEKDAYS),
                    multiple=True,
                    translation_key=CONF_WEEKDAYS,
                    sort=False,
                )
            ),
            probatio.Required(CONF_QUIET_HOURS, default=QUIET_HOLD): SelectSelector(
                SelectSelectorConfig(
                    options=list(QUIET_CHOICES), translation_key=CONF_QUIET_HOURS
                )
            ),
            probatio.Required(CONF_TV, default=TvMode.SKIP.value): SelectSelector(
                SelectSelectorConfig(
                    options=[mode.value for mode in TvMode],
                    translation_key=CONF_TV,
                )
            ),
            # New chimes go over the music where they can; a chime keeps its own.
            probatio.Required(CONF_MODE, default=mode.value): SelectSelector(
                SelectSelectorConfig(
                    options=[mode.value for mode in ChimeMode],
                    translation_key=CONF_MODE,
                )
            ),
            probatio.Required(CONF_ONLY_OCCUPIED, default=False): BooleanSelector(),
            probatio.Required(CONF_ENABLED, default=True): BooleanSelector(),
        }
    )


# The fields of one room volume in the form's list.
FIELD_ZONE = "zone"
FIELD_VOLUME = "volume"


def _whole(value: Any, low: int, high: int) -> bool:
    """A whole number from low to high, as a number box may give it (a float)."""
    return (
        isinstance(value, int | float)
        and low <= value <= high
        and float(value).is_integer()
    )


def _validate_room_volumes(
    user_input: Mapping[str, Any], data: dict[str, Any], errors: dict[str, str]
) -> None:
    """A volume per zone, or an offset within a range: stored as the runtime reads it."""
    zone_volumes: dict[str, int] = {}
    for row in user_input.get(CONF_ZONE_VOLUMES) or []:
        fields = row if isinstance(row, Mapping) else {}
        uid, level = fields.get(FIELD_ZONE), fields.get(FIELD_VOLUME)
        if (
            isinstance(uid, str)
            and isinstance(level, int | float)
            and _whole(level, 0, 100)
        ):
            zone_volumes[uid] = int(level)
            continue
        errors[CONF_ZONE_VOLUMES] = "invalid_zone_volume"
        break
    if zone_volumes:
        data[CONF_ZONE_VOLUMES] = zone_volumes
    offset = user_input.get(CONF_VOLUME_OFFSET)
    if offset is not None:
        if not _whole(offset, -100, 100):
            errors[CONF_VOLUME_OFFSET] = "invalid_volume_offset"
        elif CONF_VOLUME in data:
            errors[CONF_VOLUME_OFFSET] = "volume_and_offset"
        else:
            data[CONF_VOLUME_OFFSET] = int(offset)
    for key, default in ((CONF_VOLUME_MIN, 0), (CONF_VOLUME_MAX, 100)):
        if (level := user_input.get(key)) is None or level == default:
            continue
        if _whole(level, 0, 100):
            data[key] = int(level)
        else:
            errors[key] = "invalid_volume"
    if data.get(CONF_VOLUME_MIN, 0) > data.get(CONF_VOLUME_MAX, 100):
        errors[CONF_VOLUME_MAX] = "volume_range"


def _validate_more_times(
    user_input: Mapping[str, Any], data: dict[str, Any], errors: dict[str, str]
) -> None:
    """More times as "HH:MM:SS", in order; a repeat needs its minutes and an end."""
    times: set[str] = set()
    for text in user_input.get(CONF_MORE_TIMES) or []:
        if not str(text).strip():
            continue
        try:
            times.add(cv.time(str(text).strip()).strftime("%H:%M:%S"))
        except probatio.Invalid:
            errors[CONF_MORE_TIMES] = "invalid_time"
            break
    if times:
        data[CONF_MORE_TIMES] = sorted(times)
    minutes, until = (
        user_input.get(CONF_REPEAT_MINUTES),
        user_input.get(CONF_REPEAT_UNTIL),
    )
    if minutes is None and not until:
        return
    if minutes is None or not until:
        errors[CONF_REPEAT_UNTIL if minutes is not None else CONF_REPEAT_MINUTES] = (
            "repeat_half"
        )
        return
    if not _whole(minutes, MIN_REPEAT_MINUTES, MAX_REPEAT_MINUTES):
        errors[CONF_REPEAT_MINUTES] = "invalid_repeat"
        return
    end = cv.time(until)
    if CONF_TIME in data and end <= time.fromisoformat(data[CONF_TIME]):
        errors[CONF_REPEAT_UNTIL] = "repeat_until_before"
        return
    data[CONF_REPEAT_MINUTES] = int(minutes)
    data[CONF_REPEAT_UNTIL] = end.strftime("%H:%M:00")


# Where the form shows why the settings make no clock (clock.clock_error).
CLOCK_ERROR_FIELDS: Final = {
    "clock_full_hour": CONF_TIME,
    "clock_until_missing": CONF_CLOCK_UNTIL,
    "clock_until_full_hour": CONF_CLOCK_UNTIL,
    "clock_until_before": CONF_CLOCK_UNTIL,
    "clock_and_times": CONF_CLOCK,
}


def _validate_clock(
    user_input: Mapping[str, Any], data: dict[str, Any], errors: dict[str, str]
) -> None:
    """A clock's last hour, stored only for a clock, by the rules of clock.py."""
    clock = user_input.get(CONF_CLOCK, CLOCK_OFF)
    if clock == CLOCK_OFF:
        return
    until = user_input.get(CONF_CLOCK_UNTIL)
    last = cv.time(until) if until else None
    error = clock_error(
        clock,
        time.fromisoformat(data[CONF_TIME]),
        last,
        more_times=CONF_MORE_TIMES in data,
        repeat=CONF_REPEAT_MINUTES in data,
    )
    if error is not None:
        errors.setdefault(CLOCK_ERROR_FIELDS[error], error)
        return
    data[CONF_CLOCK] = clock
    data[CONF_CLOCK_UNTIL] = f"{last:%H:%M:%S}"


def _form_values(current: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings as the form shows them: room volumes as a list."""
    values = dict(current)
    if isinstance(stored := current.get(CONF_ZONE_VOLUMES), Mapping):
        values[CONF_ZONE_VOLUMES] = [
            {FIELD_ZONE: uid, FIELD_VOLUME: level} for uid, level in stored.items()
        ]
    return values


class MinuteTimeSelector(TimeSelector):
    """A time picker without seconds, as the Time entity shows a chime's time.

    The frontend's picker takes no_second (its own schedule forms use it);
    core's TimeSelector config does not list the option, so it is added here.
    """

    CONFIG_SCHEMA = make_selector_config_schema({probatio.Optional("no_second"): bool})

    def __init__(self) -> None:
        """Always without seconds."""
        super().__init__(cast(TimeSelectorConfig, {"no_second": True}))


def _library_option(chime: LibraryChime) -> SelectOptionDict:
    """A library file by name, with its length when it could be read."""
    if chime.duration is None:
        return SelectOptionDict(value=chime.name, label=chime.name)
    return SelectOptionDict(
        value=chime.name, label=f"{chime.name} ({chime.duration:.1f} s)"
    )
