"""One chime at a time per household, in the whole Home Assistant process.

From its first pause until its last restore a chime owns every zone it
touches. Whatever reads the household meanwhile as "the state to come back
to" would save the chime instead: a second chime (also one from an entry
being reloaded), or core Sonos's snapshot. So they wait here. Held in
hass.data, not in an entry, so that a reloaded entry finds the chime its
predecessor still runs.

This is the only lock taken in Home Assistant: the engine is made without
its own (own_lock False), and the wait is the engine's BUSY_TIMEOUT.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from homeassistant.core import HomeAssistant, callback
from homeassistant.util.hass_dict import HassKey

from .const import DOMAIN
from .engine import BUSY_TIMEOUT, HouseholdBusyError


class HouseholdGuard:
    """A lock per household, and a way to wait for all of them at once."""

    def __init__(self, timeout: float = BUSY_TIMEOUT) -> None:
        """No household has chimed yet; a holder waits up to timeout seconds."""
        self.timeout = timeout
        self._locks: dict[str, asyncio.Lock] = {}

    def add(self, household_id: str) -> None:
        """Know a household from its set-up on, so hold_all holds it too."""
        self._lock(household_id)

    def _lock(self, household_id: str) -> asyncio.Lock:
        return self._locks.setdefault(household_id, asyncio.Lock())

    @asynccontextmanager
    async def hold(
        self, household_id: str, wait: float | None = None
    ) -> AsyncIterator[None]:
        """Own one household; HouseholdBusyError after wait (the timeout) seconds."""
        async with _holding([self._lock(household_id)], wait or self.timeout):
            yield

    @asynccontextmanager
    async def hold_all(self, wait: float | None = None) -> AsyncIterator[None]:
        """Own every household set up, once the chimes that run have restored.

        Locks are taken in one order, and a chime holds only its own: no
        two holders can wait for each other.
        """
        locks = [self._locks[household_id] for household_id in sorted(self._locks)]
        async with _holding(locks, wait or self.timeout):
            yield


DATA_GUARD: HassKey[HouseholdGuard] = HassKey(f"{DOMAIN}_guard")


@asynccontextmanager
async def _holding(locks: list[asyncio.Lock], wait: float) -> AsyncIterator[None]:
    """Hold every lock, taken within ``wait`` seconds, until the block ends."""
    async with AsyncExitStack() as stack:
        try:
            async with asyncio.timeout(wait):
                for lock in locks:
                    await stack.enter_async_context(lock)
        except TimeoutError as err:
            raise HouseholdBusyError.after(wait) from err
        yield


@callback
def async_get_guard(hass: HomeAssistant) -> HouseholdGuard:
    """The process's guard, made on first use."""
    if (guard := hass.data.get(DATA_GUARD)) is None:
        guard = hass.data[DATA_GUARD] = HouseholdGuard()
    return guard
