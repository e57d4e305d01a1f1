"""Config flow for Sonos Chime: find a household by discovery or by address."""

from collections.abc import Sequence
import ipaddress
import re
from typing import Any, override

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    TextSelector,
)
import probatio

from .const import CONF_HOSTS, DISCOVERY_TIMEOUT, DOMAIN, LOGGER
from .engine import (
    ChimeError,
    HouseholdInfo,
    HouseholdUnreachableError,
    discover_hosts,
    probe_household,
)
from .helpers import household_hosts, household_title, unique, zone_names

CONF_HOUSEHOLD = "household"

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


def find_households(hosts: Sequence[str]) -> list[HouseholdInfo]:
    """Every household the discovered hosts belong to, probing each only once.

    One answer lists all of a household's zones, so the other hosts of that
    household need no probe of their own.
    """
    households: list[HouseholdInfo] = []
    covered: set[str] = set()
    for host in hosts:
        if host in covered:
            continue
        try:
            household = probe_household([host])
        except ChimeError as err:
            LOGGER.debug("Discovered host %s does not answer: %s", host, err)
            continue
        covered.update(household_hosts(household))
        if all(h.household_id != household.household_id for h in households):
            households.append(household)
    return households


class SonosChimeConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a Sonos household."""

    VERSION = 1

    _household: HouseholdInfo

    def __init__(self) -> None:
        """Nothing discovered yet."""
        self._discovered: dict[str, HouseholdInfo] = {}

    @override
    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user search the network or type addresses."""
        return self.async_show_menu(step_id="user", menu_options=["discover", "manual"])

    async def async_step_discover(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Search the network, then confirm or pick the household."""
        try:
            hosts = await self.hass.async_add_executor_job(
                discover_hosts, DISCOVERY_TIMEOUT
            )
            if not hosts:
                return self.async_abort(reason="no_devices_found")
            households = await self.hass.async_add_executor_job(find_households, hosts)
        except Exception:
            LOGGER.exception("Unexpected error discovering Sonos households")
            return self.async_abort(reason="unknown")
        if not households:
            return self.async_abort(reason="cannot_connect")

        configured = self._async_current_ids()
        self._discovered = {
            household.household_id: household
            for household in households
            if household.household_id not in configured
        }
        if not self._discovered:
            return self.async_abort(reason="already_configured")
        if len(self._discovered) == 1:
            self._household = next(iter(self._discovered.values()))
            return await self.async_step_discovery_confirm()
        return await self.async_step_pick_household()

    async def async_step_pick_household(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Choose among several discovered households."""
        if user_input is not None:
            self._household = self._discovered[user_input[CONF_HOUSEHOLD]]
            return await self.async_step_discovery_confirm()

        options = [
            SelectOptionDict(value=household_id, label=household_title(household))
            for household_id, household in self._discovered.items()
        ]
        return self.async_show_form(
            step_id="pick_household",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_HOUSEHOLD): SelectSelector(
                        SelectSelectorConfig(options=options)
                    )
                }
            ),
        )

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the household's zones before adding it."""
        household = self._household
        await self.async_set_unique_id(household.household_id, raise_on_progress=False)
        self._abort_if_unique_id_configured()
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
