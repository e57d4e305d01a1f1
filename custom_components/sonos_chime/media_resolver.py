"""What a chime plays, turned into URLs the speakers fetch.

A chime names its media as a person or the UI does: a library file name, a
/local/... path, an http(s) URL, or a media-source id from Home Assistant's
media browser (local media, the chime library, text-to-speech). A spoken
message becomes a text-to-speech media-source id here. Each is resolved to an
absolute URL on this instance's internal address, since the speakers are on
the local network, with its duration wherever a file on disk tells it; the
engine reads the others' from their URL.
"""

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Final
from urllib.parse import quote, unquote, urlsplit

from homeassistant.components import media_source
from homeassistant.components.media_player.browse_media import (
    async_process_play_media_url,
)
from homeassistant.components.tts import (
    async_resolve_engine,
    generate_media_source_id as tts_media_source_id,
)
from homeassistant.components.tts.const import DOMAIN as TTS_DOMAIN
from homeassistant.components.tts.media_source import (
    parse_media_source_id as parse_tts_media_source_id,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.network import NoURLAvailableError, get_url

from .const import DEFAULT_TITLE, DOMAIN, LIBRARY_DIR, LOCAL_URL_PATH
from .engine import ChimeMedia, read_file_duration
from .library import async_serve_local, www_dir

# What the Sonos app shows for a message: its start, as a title.
MESSAGE_TITLE_LENGTH = 40


@dataclass(frozen=True, slots=True)
class ResolvedMedia:
    """What the engine needs to know about one piece of a chime."""

    url: str
    duration: float | None
    title: str

    def as_chime_media(self) -> ChimeMedia:
        """The piece as the engine plays it after the chime."""
        return ChimeMedia(url=self.url, duration=self.duration, title=self.title)


async def async_resolve_media(hass: HomeAssistant, media: str) -> ResolvedMedia:
    """Turn a chime's media into the URL the speakers fetch.

    An http(s) URL is handed over unchanged (the engine reads its duration).
    A /local/... path or a library file name must exist, and goes over as a
    URL on the internal address with its duration read from disk.
    """
    media = media.strip()
    if media_source.is_media_source_id(media):
        return await _async_resolve_media_source(hass, media)
    parts = urlsplit(media)
    if parts.scheme:
        if parts.scheme.lower() not in ("http", "https"):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_media_scheme",
                translation_placeholders={"media": media, "scheme": parts.scheme},
            )
        if not parts.netloc:
            raise _invalid_media(media)
        return ResolvedMedia(media, None, _title(unquote(parts.path)))

    if media.startswith(f"{LOCAL_URL_PATH}/"):
        relative = unquote(parts.path.removeprefix(f"{LOCAL_URL_PATH}/"))
    elif media and "/" not in media and "\\" not in media:
        relative = f"{LIBRARY_DIR}/{media}"
    else:
        raise _invalid_media(media)

    segments = [part for part in relative.split("/") if part not in ("", ".")]
    if not segments or ".." in segments or "\\" in relative or "\x00" in relative:
        raise _invalid_media(media)
    path = www_dir(hass).joinpath(*segments)

    found, duration = await hass.async_add_executor_job(_inspect, path)
    if not found:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="media_not_found",
            translation_placeholders={"media": media, "path": str(path)},
        )
    # config/www may have been created since start-up, by the user.
    await async_serve_local(hass)
    url = f"{internal_url(hass)}{LOCAL_URL_PATH}/{quote('/'.join(segments))}"
    return ResolvedMedia(url, duration, _title(segments[-1]))


async def async_check_media(hass: HomeAssistant, media: str) -> None:
    """Refuse a chime's media as async_resolve_media would, but speak nothing.

    Checks run when a chime is saved and every few minutes: a text-to-speech
    id only needs its engine, where resolving it would have the engine speak.
    """
    media = media.strip()
    if media_source.is_media_source_id(media):
        try:
            item = media_source.MediaSourceItem.from_uri(hass, media, None)
        except ValueError as err:
            raise _unresolvable(media, err) from err
        if item.domain == TTS_DOMAIN:
            try:
                parsed = parse_tts_media_source_id(item.identifier)
            except media_source.Unresolvable as err:
                raise _unresolvable(media, err) from err
            # A stream already made has its engine; a message names one.
            match parsed:
                case {"options": {"engine": engine}}:
                    check_tts_engine(hass, engine or None)
            return
    await async_resolve_media(hass, media)


async def async_resolve_message(
    hass: HomeAssistant, message: str, engine: str | None
) -> ResolvedMedia:
    """A spoken message from a text-to-speech engine; None picks the default.

    The engine starts speaking here, so the message is ready, or refused,
    before any speaker is touched.
    """
    message = message.strip()
    if not message:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="empty_message"
        )
    check_tts_engine(hass, engine)
    media = tts_media_source_id(hass, message, engine=engine)
    resolved = await _async_resolve_media_source(hass, media)
    title = message
    if len(title) > MESSAGE_TITLE_LENGTH:
        title = f"{title[: MESSAGE_TITLE_LENGTH - 1].rstrip()}…"
    return ResolvedMedia(resolved.url, resolved.duration, title)


# check_tts_engine's refusals: nobody is there to speak a message.
ENGINE_GONE: Final = frozenset({"no_tts", "unknown_tts_engine"})


def tts_engine_available(hass: HomeAssistant, engine: str | None) -> bool:
    """Whether a message for this engine (None: the default) could be spoken."""
    try:
        check_tts_engine(hass, engine)
    except ServiceValidationError:
        return False
    return True


def check_tts_engine(hass: HomeAssistant, engine: str | None) -> None:
    """Refuse a message nobody could speak: no text-to-speech, or no such engine."""
    if TTS_DOMAIN not in hass.config.components:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="no_tts"
        )
    if async_resolve_engine(hass, engine) is None:
        if engine is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="no_tts"
            )
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_tts_engine",
            translation_placeholders={"engine": engine},
        )


def internal_url(hass: HomeAssistant) -> str:
    """This instance's address on the local network, where speakers reach it."""
    try:
        return get_url(
            hass, allow_external=False, allow_cloud=False, prefer_external=False
        )
    except NoURLAvailableError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="no_internal_url"
        ) from err


async def _async_resolve_media_source(hass: HomeAssistant, media: str) -> ResolvedMedia:
    """A media-source id as Home Assistant's media browser resolves it.

    A URL on this instance comes back relative: it is signed where it needs
    authentication, as media players do, and made absolute on the internal
    address.
    """
    try:
        play = await media_source.async_resolve_media(hass, media, None)
    except HomeAssistantError as err:
        raise _unresolvable(media, err) from err
    url = async_process_play_media_url(hass, play.url, allow_relative_url=True)
    if url.startswith("/"):
        url = f"{internal_url(hass)}{url}"
    scheme = urlsplit(url).scheme
    if scheme.lower() not in ("http", "https"):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_media_scheme",
            translation_placeholders={"media": media, "scheme": scheme},
        )
    duration = None
    if play.path is not None:
        _, duration = await hass.async_add_executor_job(_inspect, play.path)
    name = play.path.name if play.path is not None else unquote(urlsplit(url).path)
    return ResolvedMedia(url, duration, _title(name))


def _inspect(path: Path) -> tuple[bool, float | None]:
    """Whether the file exists, and its duration when mutagen can read it."""
    if not path.is_file():
        return False, None
    return True, read_file_duration(path)


def _title(path: str) -> str:
    """What the Sonos app shows while the chime plays: the file's name."""
    stem = PurePosixPath(path).stem.replace("_", " ").strip()
    return stem.capitalize() if stem else DEFAULT_TITLE


def _unresolvable(media: str, err: Exception) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="media_unresolvable",
        translation_placeholders={"media": media, "error": str(err)},
    )


def _invalid_media(media: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="invalid_media",
        translation_placeholders={"media": media},
    )
