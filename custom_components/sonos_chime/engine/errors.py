"""Errors the engine raises, always before any speaker has been changed."""

from typing import Final


class ChimeError(Exception):
    """Base class: the chime was refused and nothing was touched."""


class HouseholdUnreachableError(ChimeError):
    """No host of the household answered."""


class UpnpDisabledError(HouseholdUnreachableError):
    """The speakers answer, but refuse UPnP: it is switched off in the Sonos app."""


class UnknownZoneError(ChimeError):
    """A requested zone is not part of the household."""

    def __init__(self, names: list[str], known: list[str]) -> None:
        """Keep the names, and the household's, so callers can show both."""
        super().__init__(
            f"Unknown zone(s): {', '.join(names)}; the household has {', '.join(known)}"
        )
        self.names = names
        self.known = known


class MediaUnavailableError(ChimeError):
    """The chime file cannot be fetched, or it is not audio."""


# How long a chime waits for another to put the household back: far longer
# than any chime takes from its first pause to its last restore.
BUSY_TIMEOUT: Final = 120.0


class HouseholdBusyError(ChimeError):
    """Another chime held the household for longer than we may wait."""

    @classmethod
    def after(cls, seconds: float) -> HouseholdBusyError:
        """The error after waiting so long, in the one wording it has."""
        return cls(f"Another chime kept the household busy for {seconds:.0f} s")


class ChimeStoppedError(ChimeError):
    """Home Assistant is stopping: a chime not yet started does not start."""
