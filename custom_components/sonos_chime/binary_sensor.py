"""Quiet hours: whether the household's daily quiet window is on now."""

from datetime import datetime
from typing import Any, override

from homeassistant.components.binary_sensor import (
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.event import async_track_point_in_time
from homeassistant.util import dt as dt_util

from .data import SonosChimeConfigEntry
from .entity import HouseholdEntity

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosChimeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the household's Quiet hours sensor."""
    async_add_entities([QuietHoursSensor(entry.runtime_data.manager)])


class QuietHoursSensor(HouseholdEntity, BinarySensorEntity):
    """On while the quiet hours set under Configure are on; the Quiet switch aside."""

    entity_description = BinarySensorEntityDescription(
        key="quiet_hours", translation_key="quiet_hours"
    )
    _unsub_change: CALLBACK_TYPE | None = None

    @property
    @override
    def is_on(self) -> bool:
        """Whether scheduled chimes keep quiet now."""
        return self.manager.quiet_hours_now() is not None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The window and the night volume, as set under Configure."""
        if (window := self.manager.quiet_hours) is None:
            return None
        return {"window": window.describe(), "night_volume": window.night_volume}

    @override
    async def async_added_to_hass(self) -> None:
        """Follow the window: written again each time it opens or closes."""
        await super().async_added_to_hass()
        self._async_follow(dt_util.now())
        self.async_on_remove(self._async_stop_following)

    @callback
    def _async_follow(self, now: datetime) -> None:
        """Arm one timer for the window's next change."""
        if (window := self.manager.quiet_hours) is None:
            return
        self._unsub_change = async_track_point_in_time(
            self.hass, self._async_changed, window.next_change(dt_util.as_local(now))
        )

    @callback
    def _async_changed(self, now: datetime) -> None:
        """The window opened or closed."""
        self._unsub_change = None
        self.async_write_ha_state()
        self._async_follow(now)

    @callback
    def _async_stop_following(self) -> None:
        if self._unsub_change is not None:
            self._unsub_change()
            self._unsub_change = None
