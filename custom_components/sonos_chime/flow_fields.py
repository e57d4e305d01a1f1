"""Form fields the household's flows share: zones to tick, whole numbers, times."""

from collections.abc import Iterable, Mapping
from typing import Any, cast

from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TimeSelector,
    TimeSelectorConfig,
    make_selector_config_schema,
)
import probatio

from .const import (
    CONF_ZONES,
)
from .engine import (
    Zone,
)


def whole_number(
    value: Any, low: float = float("-inf"), high: float = float("inf")
) -> bool:
    """A whole number (from low to high), as a number box may give it: a float."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and low <= value <= high
        and float(value).is_integer()
    )


def zone_options(names: Mapping[str, str]) -> list[SelectOptionDict]:
    """Zones by name, as the Sonos app sorts them."""
    return [
        SelectOptionDict(value=uid, label=name)
        for uid, name in sorted(
            names.items(), key=lambda item: (item[1].casefold(), item[0])
        )
    ]


def pick_zones_schema(zones: Iterable[Zone]) -> probatio.Schema:
    """Tick the zones to chime on."""
    return probatio.Schema(
        {
            probatio.Required(CONF_ZONES, default=[]): SelectSelector(
                SelectSelectorConfig(
                    options=zone_options({zone.uid: zone.name for zone in zones}),
                    multiple=True,
                    mode=SelectSelectorMode.LIST,
                )
            )
        }
    )


class MinuteTimeSelector(TimeSelector):
    """A time picker without seconds, as the Time entity shows a chime's time.

    The frontend's picker takes no_second (its own schedule forms use it);
    core's TimeSelector config does not list the option, so it is added here.
    """

    CONFIG_SCHEMA = make_selector_config_schema({probatio.Optional("no_second"): bool})

    def __init__(self) -> None:
        """Always without seconds."""
        super().__init__(cast(TimeSelectorConfig, {"no_second": True}))
