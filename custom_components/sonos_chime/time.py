"""The time of day a chime plays; setting it reschedules the chime at once."""

from datetime import time
from typing import override

from homeassistant.components.time import TimeEntity, TimeEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import SonosChimeConfigEntry
from .entity import ChimeEntity, async_add_chime_entities

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosChimeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a time entity per chime."""
    async_add_chime_entities(entry.runtime_data.manager, async_add_entities, ChimeTime)


class ChimeTime(ChimeEntity, TimeEntity):
    """The chime's local time of day, kept in its subentry."""

    entity_description = TimeEntityDescription(
        key="time", translation_key="time", entity_category=EntityCategory.CONFIG
    )

    @property
    @override
    def native_value(self) -> time | None:
        """When the chime plays, local time."""
        config = self.config
        return None if config is None else config.at

    @override
    async def async_set_value(self, value: time) -> None:
        """Persist and reschedule, without reloading the household."""
        self.manager.async_set_chime_time(self.subentry_id, value)
