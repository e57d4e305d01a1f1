"""Runtime data a loaded Sonos Chime config entry carries."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .engine import ChimeEngine, HouseholdInfo

if TYPE_CHECKING:
    from .manager import ChimeManager


@dataclass(slots=True)
class SonosChimeData:
    """The household's engine and its chimes."""

    engine: ChimeEngine
    manager: ChimeManager

    @property
    def household(self) -> HouseholdInfo:
        """The topology the household reported at setup, kept by its config."""
        return self.manager.config.household


type SonosChimeConfigEntry = ConfigEntry[SonosChimeData]
