"""When a chime last played, how its last run went, whether and when it plays next."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self, override

from homeassistant.components.sensor import (
    RestoreSensor,
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorExtraStoredData,
)
from homeassistant.config_entries import ConfigSubentry
from homeassistant.const import UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import SonosChimeConfigEntry
from .engine import Outcome
from .entity import ChimeEntity, async_add_chime_entities
from .manager import ChimeManager

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosChimeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the Last played, Last result, Schedule and Next chime sensors of every chime."""
    async_add_chime_entities(
        entry.runtime_data.manager,
        async_add_entities,
        LastPlayedSensor,
        LastResultSensor,
        ScheduleSensor,
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


def played_attributes(
    result: Mapping[str, Any], words: Mapping[str, str]
) -> dict[str, Any]:
    """A play's result as a person reads it in the attributes panel.

    Every zone is named once, under what happened to it, with the reason in
    words; durations carry their unit. Each zone's full result, for
    automations, is in the sonos_chime_played event and the action's answer. Restored after a restart, the result
    may be one an older release stored: whatever is missing is left out.
    """
    attributes: dict[str, Any] = {"trigger": result.get("trigger")}
    zones = result.get("zones")
    zones = zones if isinstance(zones, Mapping) else {}
    by_outcome: dict[str, list[str]] = {}
    for name in sorted(zones, key=str.casefold):
        zone = zones[name]
        if not isinstance(zone, Mapping):
            continue
        notes = []
        if reason := zone.get("reason"):
            notes.append(words.get(str(reason), str(reason).replace("_", " ")))
        if zone.get("resumed"):
            notes.append("resumed")
        summary = f"{name} ({', '.join(notes)})" if notes else name
        by_outcome.setdefault(str(zone.get("outcome")), []).append(summary)
    for outcome in Outcome:
        if summaries := by_outcome.get(outcome.value):
            attributes[outcome.value] = ", ".join(summaries)
    if isinstance(error := result.get("error"), str):
        attributes["error"] = error
    if isinstance(message := result.get("message"), Mapping):
        attributes["message"] = (
            "spoken"
            if message.get("spoken")
            else f"not spoken: {message.get('error') or 'unknown'}"
        )
    if isinstance(duration := result.get("duration"), int | float):
        attributes["duration"] = f"{duration:.1f} {UnitOfTime.SECONDS}"
    if isinstance(skew := result.get("start_skew"), int | float):
        attributes["start_skew"] = f"{skew * 1000:.0f} {UnitOfTime.MILLISECONDS}"
    for key in ("started_at", "finished_at"):
        if key in result:
            attributes[key] = result[key]
    return attributes


class LastPlayedSensor(ChimeEntity, RestoreSensor):
    """When the chime last played; its attributes are that play's result."""

    entity_description = SensorEntityDescription(
        key="last_played",
        translation_key="last_played",
        device_class=SensorDeviceClass.TIMESTAMP,
    )

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
        result = self._result
        return (
            None
            if result is None
            else played_attributes(result, self.manager.reason_words)
        )

    @property
    @override
    def extra_restore_state_data(self) -> LastPlayedStoredData:
        """Keep the result with the time, as the event carried it."""
        return LastPlayedStoredData(self.native_value, None, self._result)

    @property
    def _result(self) -> dict[str, Any] | None:
        """The last play's result, or the one before the restart."""
        if (result := self.manager.last_result(self.subentry_id)) is not None:
            return result
        return None if self._restored is None else self._restored.result


# How a run went, in a word: the Last result sensor's states.
RUN_OUTCOMES = ["chimed", "partly", "failed", "skipped"]


def run_outcome(result: Mapping[str, Any]) -> str:
    """Chimed everywhere it was meant to, partly, not at all, or only skipped.

    A run refused before any speaker failed; a chime whose message could not
    be spoken chimed partly.
    """
    if result.get("error"):
        return "failed"
    zones = result.get("zones")
    outcomes = {
        zone.get("outcome")
        for zone in (zones.values() if isinstance(zones, Mapping) else ())
        if isinstance(zone, Mapping)
    }
    message = result.get("message")
    unspoken = isinstance(message, Mapping) and not message.get("spoken")
    if Outcome.CHIMED in outcomes:
        return "partly" if Outcome.FAILED in outcomes or unspoken else "chimed"
    return "failed" if Outcome.FAILED in outcomes else "skipped"


class LastResultSensor(ChimeEntity, RestoreSensor):
    """How the chime's last run went, failed runs included, with the reasons.

    Last played only moves when some zone chimed; this shows every run.
    """

    entity_description = SensorEntityDescription(
        key="last_result",
        translation_key="last_result",
        device_class=SensorDeviceClass.ENUM,
        options=RUN_OUTCOMES,
    )

    def __init__(self, manager: ChimeManager, subentry: ConfigSubentry) -> None:
        """One per chime."""
        super().__init__(manager, subentry)
        self._restored: str | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Show the run before the restart until the chime runs again."""
        await super().async_added_to_hass()
        if (data := await self.async_get_last_sensor_data()) is not None and (
            data.native_value in RUN_OUTCOMES
        ):
            self._restored = str(data.native_value)

    @property
    @override
    def native_value(self) -> str | None:
        """The last run's outcome, in a word."""
        if (result := self.manager.last_result(self.subentry_id)) is not None:
            return run_outcome(result)
        return self._restored

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """The run's zones, reasons and error, as Last played reads them."""
        result = self.manager.last_result(self.subentry_id)
        return (
            None
            if result is None
            else played_attributes(result, self.manager.reason_words)
        )


class NextChimeSensor(ChimeEntity, SensorEntity):
    """When the chime plays next; unknown when disabled (Schedule says so)."""

    entity_description = SensorEntityDescription(
        key="next_chime",
        translation_key="next_chime",
        device_class=SensorDeviceClass.TIMESTAMP,
    )

    @property
    @override
    def native_value(self) -> datetime | None:
        """The next play by the schedule's daylight saving rule."""
        return self.manager.next_fire(self.subentry_id)


# Whether the schedule will play the chime, in words Next chime cannot say:
# a timestamp sensor shows any time it has none as "Unknown".
SCHEDULE_STATES = ["scheduled", "disabled", "quiet"]


class ScheduleSensor(ChimeEntity, SensorEntity):
    """Whether the chime plays at its time: scheduled, disabled, or held by Quiet."""

    entity_description = SensorEntityDescription(
        key="schedule",
        translation_key="schedule",
        device_class=SensorDeviceClass.ENUM,
        options=SCHEDULE_STATES,
    )

    @property
    @override
    def native_value(self) -> str | None:
        """Disabled first: a chime switched off stays off whatever Quiet says."""
        if (config := self.config) is None:
            return None
        if not config.enabled:
            return "disabled"
        return "quiet" if self.manager.quiet else "scheduled"
