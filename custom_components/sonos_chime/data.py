"""Runtime data a loaded Sonos Chime config entry carries."""

from dataclasses import dataclass

from homeassistant.config_entries import ConfigEntry

from .engine import ChimeEngine, HouseholdInfo


@dataclass(slots=True)
class SonosChimeData:
    """The household's engine and the topology it reported at setup."""

    engine: ChimeEngine
    household: HouseholdInfo


type SonosChimeConfigEntry = ConfigEntry[SonosChimeData]
