"""Config flow for Sonos Chime: the household, its options, its zones and chimes.

The main flow finds a household by discovery or by address. Zones and chimes
are subentries of it; the options say whether every zone, present and future,
is a chime zone.
"""

from collections.abc import Mapping, Sequence
import ipaddress
import re
from typing import Any, cast, override

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    OptionsFlow,
    SubentryFlowResult,
)
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TimeSelector,
)
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import probatio

from .const import (
    CONF_ALL_ZONES,
    CONF_ENABLED,
    CONF_HOSTS,
    CONF_MEDIA,
    CONF_NAME,
    CONF_TIME,
    CONF_TV,
    CONF_VOLUME,
    CONF_WEEKDAYS,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    CONF_ZONES,
    DOMAIN,
    LOGGER,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from .data import SonosChimeConfigEntry
from .discovery import async_find_households, ssdp_host
from .engine import (
    ChimeError,
    HouseholdInfo,
    HouseholdUnreachableError,
    TvMode,
    Zone,
    probe_household,
)
from .helpers import household_hosts, household_title, unique, zone_names
from .media import LibraryChime, async_list_library, async_resolve_media
from .schedule import WEEKDAYS

CONF_HOUSEHOLD = "household"
# The choice, next to the households found, to type addresses instead.
MANUAL = "manual"

_HOSTNAME_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)
_HOST_SEPARATORS = re.compile(r"[,;\s]+")

MANUAL_SCHEMA = probatio.Schema({probatio.Required(CONF_HOSTS): TextSelector()})


def parse_hosts(text: str) -> list[str] | None:
    """The hosts typed by the user, or None when any of them is not one.

    Accepts IP addresses and host names separated by commas (or spaces).
    """
    hosts = unique(host for host in _HOST_SEPARATORS.split(text.strip()) if host)
    if not hosts or not all(_is_host(host) for host in hosts):
        return None
    return hosts


def _is_host(host: str) -> bool:
    """An IP address or an RFC 1123 host name; no port, no URL."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return True
    name = host.removesuffix(".")
    labels = name.split(".")
    if len(name) > 253 or labels[-1].isdigit():
        # A numeric last label is a malformed IP address, not a name.
        return False
    return all(_HOSTNAME_LABEL.fullmatch(label) for label in labels)


class SonosChimeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Sonos household."""

    VERSION = 1

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
            return self._async_create_household_entry(household)

        options = [
            SelectOptionDict(value=household_id, label=household_title(household))
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
        self.context["title_placeholders"] = {"name": household_title(household)}
        return await self.async_step_discovery_confirm()

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the discovered household's zones before adding it."""
        household = self._household
        if user_input is not None:
            return self._async_create_household_entry(household)

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
                    return self._async_create_household_entry(household)

        return self.async_show_form(
            step_id="manual",
            data_schema=self.add_suggested_values_to_schema(MANUAL_SCHEMA, user_input),
            errors=errors,
        )

    def _async_create_household_entry(
        self, household: HouseholdInfo
    ) -> ConfigFlowResult:
        """Store every address the household reported, not only the typed ones."""
        return self.async_create_entry(
            title=household_title(household),
            data={CONF_HOSTS: household_hosts(household)},
        )


class SonosChimeOptionsFlow(OptionsFlow):
    """Whether every zone of the household chimes, present and future."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """One switch: all zones, or only the zones added one by one."""
        if user_input is not None:
            return self.async_create_entry(
                data={
                    **self.config_entry.options,
                    CONF_ALL_ZONES: user_input[CONF_ALL_ZONES],
                }
            )
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_ALL_ZONES,
                    default=self.config_entry.options.get(CONF_ALL_ZONES, False),
                ): BooleanSelector()
            }
        )
        return self.async_show_form(step_id="init", data_schema=schema)


class _HouseholdSubentryFlow(ConfigSubentryFlow):
    """A subentry flow that needs its household set up, to ask it for zones."""

    @callback
    def _loaded_entry(self) -> SonosChimeConfigEntry | None:
        """The household the subentry belongs to, when it is set up."""
        entry = self._get_entry()
        if entry.state is not ConfigEntryState.LOADED:
            return None
        return cast(SonosChimeConfigEntry, entry)


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
    return {
        subentry.data[CONF_ZONE_UID]
        for subentry in entry.subentries.values()
        if subentry.subentry_type == SUBENTRY_ZONE
    }


# What async_resolve_media refuses a chime's media for, shown on the field.
MEDIA_ERRORS = frozenset({"media_not_found", "invalid_media_scheme", "invalid_media"})


class ChimeSubentryFlow(_HouseholdSubentryFlow):
    """Add or change a chime: what plays, where, when."""

    def __init__(self) -> None:
        """Zones and library are read when the form is first shown."""
        super().__init__()
        self._zones: list[SelectOptionDict] | None = None
        self._library: list[LibraryChime] = []

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A new chime, every weekday, TV zones skipped, enabled."""
        return await self._async_step_chime("user", user_input, {})

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The same form, filled in with the chime as it is."""
        return await self._async_step_chime(
            "reconfigure", user_input, self._get_reconfigure_subentry().data
        )

    async def _async_step_chime(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        current: Mapping[str, Any],
    ) -> SubentryFlowResult:
        """Show the chime form, check what was entered, save it."""
        if (entry := self._loaded_entry()) is None:
            return self.async_abort(reason="entry_not_loaded")

        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(user_input)
            if not errors:
                if self.source == SOURCE_USER:
                    return self.async_create_entry(title=data[CONF_NAME], data=data)
                return self.async_update_and_abort(
                    entry,
                    self._get_reconfigure_subentry(),
                    title=data[CONF_NAME],
                    data=data,
                )

        if self._zones is None:
            self._zones = await self._async_zone_options(entry, current)
            self._library = await async_list_library(self.hass)
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                _chime_schema(self._library, self._zones),
                user_input if user_input is not None else current,
            ),
            errors=errors,
        )

    async def _async_validate(
        self, user_input: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The subentry data for what was entered, or the errors to show."""
        errors: dict[str, str] = {}
        name = user_input[CONF_NAME].strip()
        if not name:
            errors[CONF_NAME] = "no_name"

        media = user_input[CONF_MEDIA].strip()
        try:
            await async_resolve_media(self.hass, media)
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

        selected = set(user_input[CONF_WEEKDAYS])
        if not selected:
            errors[CONF_WEEKDAYS] = "no_weekdays"

        data: dict[str, Any] = {
            CONF_NAME: name,
            CONF_MEDIA: media,
            CONF_ZONES: unique(user_input.get(CONF_ZONES, [])),
            CONF_TIME: cv.time(user_input[CONF_TIME]).strftime("%H:%M:%S"),
            CONF_WEEKDAYS: [day for day in WEEKDAYS if day in selected],
            CONF_TV: user_input[CONF_TV],
            CONF_ENABLED: user_input[CONF_ENABLED],
        }
        if (volume := user_input.get(CONF_VOLUME)) is not None:
            data[CONF_VOLUME] = round(volume)
        return data, errors

    async def _async_zone_options(
        self, entry: SonosChimeConfigEntry, current: Mapping[str, Any]
    ) -> list[SelectOptionDict]:
        """The household's zones, and any zone the chime names that is gone.

        A chime can be edited while the household does not answer: then the
        zones it reported at setup are offered. A zone the chime already
        names stays selectable, so editing its time does not drop the zone.
        """
        try:
            household = await self.hass.async_add_executor_job(
                entry.runtime_data.engine.household
            )
        except ChimeError as err:
            LOGGER.debug("Household %s does not answer: %s", entry.title, err)
            household = entry.runtime_data.household
        names = {zone.uid: zone.name for zone in household.zones}
        known = {
            subentry.data[CONF_ZONE_UID]: subentry.title
            for subentry in entry.subentries.values()
            if subentry.subentry_type == SUBENTRY_ZONE
        }
        for uid in current.get(CONF_ZONES, []):
            names.setdefault(uid, known.get(uid, uid))
        return [
            SelectOptionDict(value=uid, label=name)
            for uid, name in sorted(
                names.items(), key=lambda item: (item[1].casefold(), item[0])
            )
        ]


def _chime_schema(
    library: Sequence[LibraryChime], zones: list[SelectOptionDict]
) -> probatio.Schema:
    """The chime form.

    The UI pre-fills it from suggested values; the defaults only stand in for
    fields left out of what was submitted.
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
            probatio.Optional(CONF_VOLUME): NumberSelector(
                NumberSelectorConfig(
                    min=0, max=100, step=1, mode=NumberSelectorMode.SLIDER
                )
            ),
            probatio.Optional(CONF_ZONES, default=[]): SelectSelector(
                SelectSelectorConfig(options=zones, multiple=True, sort=False)
            ),
            probatio.Required(CONF_TIME): TimeSelector(),
            probatio.Required(CONF_WEEKDAYS, default=list(WEEKDAYS)): SelectSelector(
                SelectSelectorConfig(
                    options=list(WEEKDAYS),
                    multiple=True,
                    translation_key=CONF_WEEKDAYS,
                    sort=False,
                )
            ),
            probatio.Required(CONF_TV, default=TvMode.SKIP.value): SelectSelector(
                SelectSelectorConfig(
                    options=[mode.value for mode in TvMode],
                    translation_key=CONF_TV,
                )
            ),
            probatio.Required(CONF_ENABLED, default=True): BooleanSelector(),
        }
    )


def _library_option(chime: LibraryChime) -> SelectOptionDict:
    """A library file by name, with its length when it could be read."""
    if chime.duration is None:
        return SelectOptionDict(value=chime.name, label=chime.name)
    return SelectOptionDict(
        value=chime.name, label=f"{chime.name} ({chime.duration:.1f} s)"
    )
