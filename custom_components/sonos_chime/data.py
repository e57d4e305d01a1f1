"""Runtime data a loaded Sonos Chime config entry carries."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .engine import ChimeEngine, HouseholdInfo

if TYPE_CHECKING:
    from .manager import ChimeManager


@dataclass(slots=True)
class SonosChimeData:
    """The household's engine, the topology it reported at setup, its chimes."""

    engine: ChimeEngine
    household: HouseholdInfo
    manager: ChimeManager


type SonosChimeConfigEntry = ConfigEntry[SonosChimeData]
