"""A chime's record in Home Assistant's Store, and the restore after a crash.

The engine hands over what it will restore before it touches a speaker; it is
written to disk (atomically) before the chime goes on, and removed once the
household is back. Finding one at start-up means Home Assistant died
mid-chime: the zones that still show the chime's mark are put back, and the
record is removed either way.

A record is replayed only when it is recent. Older than MAX_AGE, the
household has had time to be used, and what it held then means nothing now;
even a recent record restores only groups still as the chime left them
(engine: ChimeEngine.recover).
"""

import asyncio
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store

from .const import DOMAIN, LOGGER
from .engine import ChimeEngine, ChimeError, ChimeResult, Outcome
from .engine.record import (
    RECORD_MINOR_VERSION,
    RECORD_VERSION,
    record_age,
    upgrade_record,
)

STORE_VERSION: Final = RECORD_VERSION
# Home Assistant back within a quarter of an hour: a restart, a power cut.
MAX_AGE: Final = 15 * 60
# How long the chime waits for the record to reach the disk.
SAVE_TIMEOUT: Final = 10.0


class _RecordStore(Store[dict[str, Any]]):
    """A record saved by an older version is read in today's shape."""

    async def _async_migrate_func(
        self, old_major_version: int, old_minor_version: int, old_data: dict[str, Any]
    ) -> dict[str, Any]:
        return upgrade_record(old_data, old_minor_version)


class ChimeRecordStore:
    """One household's record of the chime under way, if any."""

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """The record lives in .storage, one file per household entry."""
        self._hass = hass
        self._store: Store[dict[str, Any]] = _RecordStore(
            hass,
            STORE_VERSION,
            f"{DOMAIN}.{entry_id}.chime_record",
            minor_version=RECORD_MINOR_VERSION,
        )

    def keep(self, record: dict[str, Any]) -> None:
        """Write the record to disk; called from the chime's worker thread."""
        asyncio.run_coroutine_threadsafe(
            self._store.async_save(record), self._hass.loop
        ).result(SAVE_TIMEOUT)

    async def async_clear(self) -> None:
        """The household is back: nothing left to recover."""
        await self._store.async_remove()

    async def async_recover(
        self, engine: ChimeEngine, household_id: str
    ) -> ChimeResult | None:
        """Put back what a chime cut short left, if a recent record says so."""
        record = await self._store.async_load()
        if record is None:
            return None
        try:
            if record.get("household_id") != household_id:
                LOGGER.warning("Dropped a chime record of another household")
                return None
            if (age := record_age(record)) > MAX_AGE:
                LOGGER.warning(
                    "A chime was cut short %.0f minutes ago; too long to restore",
                    age / 60,
                )
                return None
            try:
                result = await self._hass.async_add_executor_job(engine.recover, record)
            except ChimeError as err:
                LOGGER.warning("Could not restore a chime cut short: %s", err)
                return None
            _log(result)
            return result
        finally:
            await self.async_clear()


def _log(result: ChimeResult) -> None:
    """Say what the restart put back, and what it could not."""
    back = [zone.name for zone in result.zones if zone.outcome is Outcome.CHIMED]
    others = [
        f"{zone.name} ({zone.reason})"
        for zone in result.zones
        if zone.outcome is not Outcome.CHIMED
    ]
    LOGGER.warning(
        "A chime was cut short when Home Assistant stopped; put back: %s%s",
        ", ".join(back) or "none",
        f"; not put back: {', '.join(others)}" if others else "",
    )
