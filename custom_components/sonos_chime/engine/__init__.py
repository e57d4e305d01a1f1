"""Chime engine: snapshot, chime and restore a Sonos household.

No Home Assistant imports: the engine is driven by the integration and tested
directly against speakers. Every call blocks; run it in a worker thread.
"""

from .audio_length import read_duration, read_file_duration
from .engine import ChimeEngine
from .errors import (
    BUSY_TIMEOUT,
    ChimeError,
    ChimeStoppedError,
    HouseholdBusyError,
    HouseholdUnreachableError,
    MediaUnavailableError,
    UnknownZoneError,
    UpnpDisabledError,
)
from .models import (
    ChimeMedia,
    ChimeMode,
    ChimeRequest,
    ChimeResult,
    HouseholdInfo,
    Outcome,
    Reason,
    TvMode,
    Zone,
    ZoneResult,
)
from .topology import discover_hosts, probe_household

__all__ = [
    "BUSY_TIMEOUT",
    "ChimeEngine",
    "ChimeError",
    "ChimeMedia",
    "ChimeMode",
    "ChimeRequest",
    "ChimeResult",
    "ChimeStoppedError",
    "HouseholdBusyError",
    "HouseholdInfo",
    "HouseholdUnreachableError",
    "MediaUnavailableError",
    "Outcome",
    "Reason",
    "TvMode",
    "UnknownZoneError",
    "UpnpDisabledError",
    "Zone",
    "ZoneResult",
    "discover_hosts",
    "probe_household",
    "read_duration",
    "read_file_duration",
]
