"""Add zone: one zone of the household becomes a chime zone."""

from typing import Any

from homeassistant.config_entries import (
    SubentryFlowResult,
)
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
)
import probatio

from .const import (
    CONF_ALL_ZONES,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    LOGGER,
)
from .engine import (
    ChimeError,
    Zone,
)
from .subentry_flow import HouseholdSubentryFlow, zone_subentry_uids


class ZoneSubentryFlow(HouseholdSubentryFlow):
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
        added = zone_subentry_uids(entry)

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
