"""What a chime's volume settings may be: one check for the forms, the action and storage.

A volume for every zone, a volume of its own for some zones, or each
speaker's own volume plus an offset kept within a minimum and a maximum
(ChimeRequest.volume_for). The engine refuses a request that breaks these
too, as its last line; here they are refused first, with the setting at
fault named, before any speaker is touched.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from .const import (
    CONF_VOLUME,
    CONF_VOLUME_MAX,
    CONF_VOLUME_MIN,
    CONF_VOLUME_OFFSET,
    CONF_ZONE_VOLUMES,
)

VOLUME_RANGE = (0, 100)
OFFSET_RANGE = (-100, 100)


@dataclass(frozen=True)
class VolumeRuleError(ValueError):
    """A volume setting no speaker could take."""

    # The setting at fault (a chime's data key), and what is wrong with it,
    # as the chime form's error key says it.
    field: str
    key: str
    value: object = None

    def __str__(self) -> str:
        """For the log: the setting, the rule, the value."""
        return f"{self.field}: {self.key} ({self.value})"


def _within(value: int, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


def check_volume_rules(
    volume: int | None,
    zone_volumes: Mapping[str, int],
    offset: int | None,
    low: int,
    high: int,
) -> None:
    """Raise VolumeRuleError for the first rule broken, in the form's order."""
    if volume is not None and not _within(volume, VOLUME_RANGE):
        raise VolumeRuleError(CONF_VOLUME, "invalid_volume", volume)
    for level in zone_volumes.values():
        if not _within(level, VOLUME_RANGE):
            raise VolumeRuleError(CONF_ZONE_VOLUMES, "invalid_zone_volume", level)
    if offset is not None and not _within(offset, OFFSET_RANGE):
        raise VolumeRuleError(CONF_VOLUME_OFFSET, "invalid_volume_offset", offset)
    for field, level in ((CONF_VOLUME_MIN, low), (CONF_VOLUME_MAX, high)):
        if not _within(level, VOLUME_RANGE):
            raise VolumeRuleError(field, "invalid_volume", level)
    if volume is not None and offset is not None:
        raise VolumeRuleError(CONF_VOLUME_OFFSET, "volume_and_offset", offset)
    if low > high:
        raise VolumeRuleError(CONF_VOLUME_MAX, "volume_range", (low, high))
