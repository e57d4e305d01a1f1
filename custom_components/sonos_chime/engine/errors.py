"""Errors the engine raises, always before any speaker has been changed."""


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


class HouseholdBusyError(ChimeError):
    """Another chime held the household for longer than we may wait."""


class ChimeStoppedError(ChimeError):
    """Home Assistant is stopping: a chime not yet started does not start."""
