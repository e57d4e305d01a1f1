"""This integration's chimes, run by a real Home Assistant: action and schedule.

The same Home Assistant as core's recipe (bench_core.py), with core's Sonos
set up as our users have it, and this integration beside it: one household
entry, every zone a chime zone, and one chime per way of chiming, with and
without a spoken message (Home Assistant's demo text-to-speech). The action,
sonos_chime.play, is called as an automation calls it. To run a scheduled
chime, the bench sets its time a few seconds ahead through its Time entity,
as a user would, and waits for its sonos_chime_played event; the chime gets
ready at once, its time being nearer than it looks ahead, and plays at it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import logging
from pathlib import Path
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntry, ConfigEntryState
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util

from custom_components.sonos_chime.config_flow import SonosChimeConfigFlow
from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_ENABLED,
    CONF_HOSTS,
    CONF_MEDIA,
    CONF_MESSAGE,
    CONF_MODE,
    CONF_NAME,
    CONF_ONLY_OCCUPIED,
    CONF_QUIET_HOURS,
    CONF_TIME,
    CONF_TTS_ENGINE,
    CONF_TV,
    CONF_VOLUME,
    CONF_WEEKDAYS,
    CONF_ZONES,
    DOMAIN,
    EVENT_CHIME_PLAYED,
    QUIET_HOLD,
    SUBENTRY_CHIME,
)
from custom_components.sonos_chime.engine import ChimeMode, TvMode
from custom_components.sonos_chime.schedule import WEEKDAYS
from scripts.bench_core import CoreSonos

ROOT = Path(__file__).resolve().parent.parent
MESSAGE = "It is seven o'clock"
# Ahead of the chime's time when the bench sets it: getting ready takes less.
LEAD = timedelta(seconds=4)
PLAYED_TIMEOUT = 60.0
# One chime per row: (name, mode, with a message).
CHIMES = {
    "scheduled overlay": (ChimeMode.OVERLAY, False),
    "scheduled overlay + message": (ChimeMode.OVERLAY, True),
    "scheduled interrupt": (ChimeMode.INTERRUPT, False),
    "scheduled interrupt + message": (ChimeMode.INTERRUPT, True),
}


class Chimes(CoreSonos):
    """Home Assistant with core's Sonos and this integration's chimes."""

    def __init__(
        self,
        hosts: list[str],
        uids: list[str],
        net: str,
        *,
        household_id: str,
        url: str,
        volume: int,
    ) -> None:
        """Chimes that play url on the household at volume."""
        super().__init__(hosts, uids, net)
        self.household_id = household_id
        self.url = url
        self.volume = volume
        self._entry_id: str | None = None

    def call(self, mode: ChimeMode) -> None:
        """The action on every zone, in this mode; returns once every zone is back."""
        self._call(
            self.hass.services.async_call(
                DOMAIN,
                "play",
                {"media": self.url, "volume": self.volume, "mode": mode.value},
                blocking=True,
                return_response=True,
            )
        )

    def play(self, row: str) -> tuple[float, dict[str, Any]]:
        """Set the row's chime a few seconds ahead; when it was due, and its event."""
        return self._call(self._async_play(row))

    def _custom_components(self, hass: HomeAssistant) -> None:
        """This integration, as HACS installs it: in the config's custom_components."""
        custom = Path(hass.config.config_dir, "custom_components")
        custom.mkdir()
        (custom / DOMAIN).symlink_to(ROOT / "custom_components" / DOMAIN)

    async def _async_set_up_more(self, hass: HomeAssistant) -> None:
        """Text-to-speech, then the household entry with its chimes."""
        # The demo speech loads camera, whose optional JPEG library is not on
        # this machine: its logged traceback says nothing about chimes.
        logging.getLogger("homeassistant.components.camera.img_util").disabled = True
        if not await async_setup_component(hass, "tts", {"tts": {"platform": "demo"}}):
            raise RuntimeError("text-to-speech did not set up")
        entry = ConfigEntry(
            domain=DOMAIN,
            title="Bench household",
            data={CONF_HOSTS: list(self.hosts)},
            options={CONF_ALL_ZONES: True},
            unique_id=self.household_id,
            source=SOURCE_USER,
            version=SonosChimeConfigFlow.VERSION,
            minor_version=SonosChimeConfigFlow.MINOR_VERSION,
            discovery_keys=MappingProxyType({}),
            subentries_data=[
                {
                    "data": self._chime(row, mode, message),
                    "subentry_type": SUBENTRY_CHIME,
                    "title": row,
                    "unique_id": None,
                }
                for row, (mode, message) in CHIMES.items()
            ],
        )
        await hass.config_entries.async_add(entry)
        await hass.async_block_till_done()
        if entry.state is not ConfigEntryState.LOADED:
            raise RuntimeError(f"the chime entry is {entry.state}")
        self._entry_id = entry.entry_id

    def _chime(self, row: str, mode: ChimeMode, message: bool) -> dict[str, Any]:
        """A chime as the chime flow stores it, due in the small hours."""
        data: dict[str, Any] = {
            CONF_NAME: row,
            CONF_MEDIA: self.url,
            CONF_VOLUME: self.volume,
            CONF_ZONES: [],
            CONF_TIME: "03:00:00",
            CONF_WEEKDAYS: list(WEEKDAYS),
            CONF_TV: TvMode.SKIP.value,
            CONF_MODE: mode.value,
            CONF_QUIET_HOURS: QUIET_HOLD,
            CONF_ONLY_OCCUPIED: False,
            CONF_ENABLED: True,
        }
        if message:
            data[CONF_MESSAGE] = MESSAGE
            data[CONF_TTS_ENGINE] = "demo"
        return data

    async def _async_play(self, row: str) -> tuple[float, dict[str, Any]]:
        hass = self.hass
        entry = hass.config_entries.async_get_entry(self._entry_id or "")
        if entry is None:
            raise RuntimeError("the chime entry is gone")
        chime_id = next(
            sub.subentry_id for sub in entry.subentries.values() if sub.title == row
        )
        time_entity = next(
            reg.entity_id
            for reg in er.async_entries_for_config_entry(
                er.async_get(hass), entry.entry_id
            )
            if reg.domain == "time" and reg.config_subentry_id == chime_id
        )
        played: asyncio.Future[dict[str, Any]] = hass.loop.create_future()

        def heard(event: Event[dict[str, Any]]) -> None:
            if event.data.get("chime_id") == chime_id and not played.done():
                played.set_result(dict(event.data))

        unsubscribe = hass.bus.async_listen(EVENT_CHIME_PLAYED, heard)
        try:
            due = _next_second(dt_util.now() + LEAD)
            await hass.services.async_call(
                "time",
                "set_value",
                {"entity_id": time_entity, "time": due.time().isoformat()},
                blocking=True,
            )
            async with asyncio.timeout(PLAYED_TIMEOUT):
                return due.timestamp(), await played
        finally:
            unsubscribe()


def _next_second(moment: datetime) -> datetime:
    """The first whole second at or after moment: chimes are set to the second."""
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + timedelta(seconds=1)
