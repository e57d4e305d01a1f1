"""When a chime last played, with every zone's outcome, and when it plays next."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self, override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorExtraStoredData,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import SonosChimeConfigEntry
from .entity import ChimeEntity, async_add_chime_entities
from .manager import ChimeManager

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosChimeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Last played and Next chime sensors of every chime."""
    async_add_chime_entities(
        entry.runtime_data.manager,
        async_add_entities,
        LastPlayedSensor,
        NextChimeSensor,
    )


@dataclass
class LastPlayedStoredData(SensorExtraStoredData):
    """The time of the last play and its per-zone result, kept over restarts."""

    result: dict[str, Any] | None = None

    @override
    def as_dict(self) -> dict[str, Any]:
        """Add the result to what a sensor stores."""
        return {**super().as_dict(), "result": self.result}

    @classmethod
    @override
    def from_dict(cls, restored: dict[str, Any]) -> Self | None:
        """Read back what as_dict stored; None when it is not ours."""
        if (base := SensorExtraStoredData.from_dict(restored)) is None:
            return None
        result = restored.get("result")
        return cls(
            base.native_value,
            base.native_unit_of_measurement,
            result if isinstance(result, dict) else None,
        )


class LastPlayedSensor(ChimeEntity, RestoreSensor):
    """When the chime last played; its attributes are that play's result."""

    key = "last_played"

    _attr_device_class = SensorDeviceClass.TIMESTAMP

    def __init__(self, manager: ChimeManager, subentry: ConfigSubentry) -> None:
        """One per chime."""
        super().__init__(manager, subentry)
        self._restored: LastPlayedStoredData | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Show the play before the restart until the chime plays again."""
        await super().async_added_to_hass()
        if (extra := await self.async_get_last_extra_data()) is not None:
            self._restored = LastPlayedStoredData.from_dict(extra.as_dict())

    @property
    @override
    def native_value(self) -> datetime | None:
        """When the last play started."""
        if (played := self.manager.last_played(self.subentry_id)) is not None:
            return played
        if self._restored is not None and isinstance(
            self._restored.native_value, datetime
        ):
            return self._restored.native_value
        return None

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Every zone's outcome of the last play, and what started it."""
        if (result := self.manager.last_result(self.subentry_id)) is not None:
            return result
        return None if self._restored is None else self._restored.result

    @property
    @override
    def extra_restore_state_data(self) -> LastPlayedStoredData:
        """Keep the result with the time."""
        return LastPlayedStoredData(
            self.native_value, None, self.extra_state_attributes
        )


class NextChimeSensor(ChimeEntity, SensorEntity):
    """When the chime plays next; unknown when disabled or on no weekday."""

    key = "next_chime"

    _attr_device_class = SensorDeviceClass.TIMESTAMP

    @property
    @override
    def native_value(self) -> datetime | None:
        """The next play by the schedule's daylight saving rule."""
        return self.manager.next_fire(self.subentry_id)
