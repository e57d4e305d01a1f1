"""What a chime plays at one of its times, as pieces the speakers fetch.

Its media; for a clock, the Westminster tune and one strike per hour; then
its message, spoken by text-to-speech. Scheduled chimes get their pieces
ready ahead of their time (measure=True also reads every length the files
do not state, speaking the message into its file), so that at the instant
only the pause, or the clip, remains.
"""

from dataclasses import dataclass, replace
from datetime import time

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .chime_config import ChimeConfig
from .clock import clock_ring
from .const import CLOCK_OFF, LOGGER
from .engine import ChimeMedia, MediaUnavailableError
from .engine.url_length import probe_duration
from .issues import HouseholdRepairs
from .media_resolver import ENGINE_GONE, async_resolve_media, async_resolve_message


@dataclass(frozen=True, slots=True)
class ChimePieces:
    """The pieces in the order they play, and why the message was left out."""

    pieces: tuple[ChimeMedia, ...]
    message_error: str | None = None


async def async_chime_pieces(
    hass: HomeAssistant,
    repairs: HouseholdRepairs,
    subentry_id: str,
    config: ChimeConfig,
    at: time,
    *,
    measure: bool = False,
) -> ChimePieces:
    """The chime's pieces at this time of day; its repairs follow what is found.

    Raises a translated error when its media cannot be played. A message
    that cannot be spoken leaves the chime ringing alone, and says why.
    Call it after every other check: text-to-speech starts speaking once
    asked.
    """
    try:
        media = await async_resolve_media(hass, config.media)
    except ServiceValidationError as err:
        if err.translation_key == "media_not_found":
            repairs.async_media_issue(subentry_id, config, missing=True)
        raise
    repairs.async_media_issue(subentry_id, config, missing=False)
    pieces = [media.as_chime_media()]
    if config.clock != CLOCK_OFF:
        ring = clock_ring(config.clock, at)
        pieces *= ring.strikes
        if ring.tune is not None:
            tune = await async_resolve_media(hass, ring.tune)
            pieces.insert(0, tune.as_chime_media())

    message_error: str | None = None
    if config.message is not None:
        engine_gone = False
        try:
            message = await async_resolve_message(
                hass, config.message, config.tts_engine
            )
        except HomeAssistantError as err:
            message_error = str(err)
            engine_gone = err.translation_key in ENGINE_GONE
            LOGGER.warning("Chime %s plays without its message: %s", config.name, err)
        else:
            pieces.append(message.as_chime_media())
        repairs.async_message_issue(subentry_id, config, missing=engine_gone)
    if measure:
        lengths: dict[str, ChimeMedia] = {}
        for piece in pieces:
            if piece.url not in lengths:
                lengths[piece.url] = await _async_measured(hass, piece)
        pieces = [lengths[piece.url] for piece in pieces]
    return ChimePieces(tuple(pieces), message_error)


async def _async_measured(hass: HomeAssistant, piece: ChimeMedia) -> ChimeMedia:
    """The piece with its length read from its URL; a spoken message is spoken now.

    One that cannot be read is left to the chime, which refuses or leaves it
    out at its time, as it would have without getting ready.
    """
    if piece.duration is not None:
        return piece
    try:
        duration = await hass.async_add_executor_job(probe_duration, piece.url)
    except MediaUnavailableError as err:
        LOGGER.debug("Not measured ahead, left to the chime: %s", err)
        return piece
    return replace(piece, duration=duration)
