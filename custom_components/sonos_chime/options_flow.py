"""The household's options: whether every zone chimes, and its quiet hours."""

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import probatio

from .const import (
    CONF_ALL_ZONES,
    CONF_NIGHT_VOLUME,
    CONF_QUIET_END,
    CONF_QUIET_START,
    CONF_ZONES,
)
from .flow_fields import MinuteTimeSelector, pick_zones_schema, whole_number
from .helpers import (
    unique,
)
from .subentry_flow import (
    async_add_zone_subentry,
    async_household_now,
    loaded_entry,
    zone_subentry_uids,
)
from .volume_rules import VOLUME_RANGE
from .zone_devices import async_release_zone_subentries


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
                if all_zones or zone_subentry_uids(self.config_entry):
                    return self._async_save(all_zones=all_zones)
                # Off with no zone added would leave every chime silent.
                if loaded_entry(self.config_entry) is not None:
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
        if (entry := loaded_entry(self.config_entry)) is None:
            return self.async_abort(reason="entry_not_loaded")
        household = await async_household_now(self.hass, entry)
        errors: dict[str, str] = {}
        if user_input is not None:
            added = zone_subentry_uids(entry)
            zones = {zone.uid: zone for zone in household.zones}
            chosen = [zones[uid] for uid in unique(user_input[CONF_ZONES])]
            if chosen:
                for zone in chosen:
                    if zone.uid in added:
                        continue
                    async_add_zone_subentry(self.hass, entry, zone)
                return self._async_save(all_zones=False)
            errors[CONF_ZONES] = "no_zones_chosen"
        return self.async_show_form(
            step_id="zones",
            data_schema=pick_zones_schema(household.zones),
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
        if whole_number(volume, *VOLUME_RANGE):
            options[CONF_NIGHT_VOLUME] = int(volume)
        else:
            errors[CONF_NIGHT_VOLUME] = "invalid_volume"
    return options, errors
