"""Config flow for Sonos Chime: the household.

It finds a household by discovery or by address, asks which of its zones
chime and leads on to the first chime. Its options (options_flow.py) and its
zone and chime subentries (zone_flow.py, chime_flow.py) have flows of their own.
"""

from collections.abc import Sequence
import re
from typing import Any, override

from homeassistant.config_entries import (
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
    ConfigSubentryFlow,
    FlowType,
    SubentryFlowContext,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
)
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.util.network import is_host_valid
import probatio

from .chime_flow import ChimeSubentryFlow
from .const import (
    CONF_ALL_ZONES,
    CONF_HOSTS,
    CONF_ZONES,
    DOMAIN,
    LOGGER,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from .discovery import async_find_households, ssdp_host
from .engine import (
    ChimeError,
    HouseholdInfo,
    HouseholdUnreachableError,
    UpnpDisabledError,
    Zone,
    probe_household,
)
from .flow_fields import pick_zones_schema
from .helpers import (
    household_hosts,
    household_title,
    unique,
    zone_names,
    zone_summary,
)
from .options_flow import SonosChimeOptionsFlow
from .subentry_flow import zone_subentry_data
from .zone_flow import ZoneSubentryFlow

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
    MINOR_VERSION = 3

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
            data_schema=pick_zones_schema(self._household.zones),
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
            subentries=[zone_subentry_data(zone) for zone in zones],
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
