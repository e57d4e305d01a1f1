"""Scheduled chimes got ready before their time, so they sound at it.

PREPARE_AHEAD before each time (at once when the time is nearer), a chime's
pieces are put together (chime_pieces.py: media found and measured, its
message spoken and measured) and its speakers got ready (engine.prepare: the
household read, clip connections opened). At its time the chime takes what
is ready for its very settings; whatever went wrong getting ready is met
again then, and reported as it would have been without.
"""

import asyncio
from collections.abc import Callable
from datetime import time, timedelta
from typing import Final

from homeassistant.core import HomeAssistant, callback

from .chime_config import ChimeConfig
from .chime_pieces import ChimePieces, async_chime_pieces
from .const import DOMAIN, LOGGER
from .data import SonosChimeConfigEntry
from .engine import ChimeEngine, ChimeRequest
from .issues import HouseholdRepairs

PREPARE_AHEAD: Final = timedelta(seconds=30)

# A chime's pieces, getting ready for the settings it had then.
type Prepared = tuple[ChimeConfig, asyncio.Task[ChimePieces]]


class ChimesAhead:
    """What each scheduled chime got ready, by chime and time of day."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SonosChimeConfigEntry,
        engine: ChimeEngine,
        repairs: HouseholdRepairs,
        targets: Callable[[ChimeConfig], list[str]],
    ) -> None:
        """Targets gives the zones a chime plays on now, or refuses it."""
        self._hass = hass
        self._entry = entry
        self._engine = engine
        self._repairs = repairs
        self._targets = targets
        self._prepared: dict[tuple[str, time], Prepared] = {}

    @callback
    def async_get_ready(self, chime_id: str, config: ChimeConfig, at: time) -> None:
        """Start getting the chime ready for its time of day at; the latest counts."""
        task = self._entry.async_create_task(
            self._hass,
            self._async_get_ready(chime_id, config, at),
            f"{DOMAIN} getting chime {chime_id} ready",
        )
        if (earlier := self._prepared.get((chime_id, at))) is not None:
            earlier[1].cancel()
        self._prepared[(chime_id, at)] = (config, task)

    @callback
    def async_drop(self, chime_id: str) -> None:
        """Its times or its switch changed: what was got ready will not play."""
        for key in [key for key in self._prepared if key[0] == chime_id]:
            self._prepared.pop(key)[1].cancel()

    @callback
    def async_take(self, chime_id: str, at: time) -> Prepared | None:
        """What was got ready for this time, handed over once."""
        return self._prepared.pop((chime_id, at), None)

    async def _async_get_ready(
        self, chime_id: str, config: ChimeConfig, at: time
    ) -> ChimePieces:
        """Its pieces, and the speakers ready for them."""
        targets = self._targets(config)  # no speech for a chime going nowhere
        ready = await async_chime_pieces(
            self._hass, self._repairs, chime_id, config, at, measure=True
        )
        speakers = ChimeRequest(
            media_url=ready.pieces[0].url, zone_uids=tuple(targets), mode=config.mode
        )
        try:
            await self._hass.async_add_executor_job(self._engine.prepare, speakers)
        except Exception:  # the chime meets it again, and reports it
            LOGGER.debug("Speakers not got ready for %s", config.name, exc_info=True)
        return ready


async def async_ready(
    prepared: Prepared | None, config: ChimeConfig
) -> ChimePieces | None:
    """The pieces got ready ahead, if for these settings and they could be."""
    if prepared is None:
        return None
    settings, task = prepared
    if settings != config:
        task.cancel()
        return None
    try:
        return await asyncio.shield(task)
    except Exception as err:  # whatever it was, the chime meets it again now
        LOGGER.debug("%s was not got ready ahead (%s): now", config.name, err)
        return None
