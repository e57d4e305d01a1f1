"""The chime library: shipped chimes served by Home Assistant under /local."""

import asyncio
from dataclasses import dataclass
import os
from pathlib import Path, PurePosixPath
import shutil
from urllib.parse import quote, unquote, urlsplit

from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.util.hass_dict import HassKey

from .const import (
    AUDIO_SUFFIXES,
    DEFAULT_TITLE,
    DOMAIN,
    LIBRARY_DIR,
    LOCAL_URL_PATH,
    LOGGER,
    WWW_DIR,
)
from .engine import read_file_duration

SHIPPED_CHIMES_DIR = Path(__file__).parent / "chimes"
DATA_MEDIA_READY: HassKey[bool] = HassKey(f"{DOMAIN}_media_ready")
DATA_SERVING_LOCAL: HassKey[asyncio.Lock] = HassKey(f"{DOMAIN}_serving_local")


@dataclass(frozen=True, slots=True)
class LibraryChime:
    """One file of the chime library, as the UI lists it."""

    name: str
    duration: float | None


@dataclass(frozen=True, slots=True)
class ResolvedMedia:
    """What the engine needs to know about the requested media."""

    url: str
    duration: float | None
    title: str


def www_dir(hass: HomeAssistant) -> Path:
    """Home Assistant's config/www folder, served at /local."""
    return Path(hass.config.path(WWW_DIR))


def library_dir(hass: HomeAssistant) -> Path:
    """The chime library: shipped chimes plus whatever the user drops in."""
    return www_dir(hass) / LIBRARY_DIR


async def async_setup_media(hass: HomeAssistant) -> None:
    """Install the shipped chimes and make sure Home Assistant serves them.

    Runs once per Home Assistant run.
    """
    if hass.data.get(DATA_MEDIA_READY):
        return
    hass.data[DATA_MEDIA_READY] = True

    target = library_dir(hass)
    try:
        copied = await hass.async_add_executor_job(
            install_chimes, SHIPPED_CHIMES_DIR, target
        )
    except OSError as err:
        LOGGER.warning("Cannot install the shipped chimes in %s: %s", target, err)
        return
    if copied:
        LOGGER.debug("Installed chimes %s in %s", copied, target)
    await async_serve_local(hass)


async def async_serve_local(hass: HomeAssistant) -> None:
    """Serve config/www at /local when the frontend does not.

    The frontend registers /local only when config/www existed at start-up.
    On a fresh install it appears later (our library creates it), and every
    /local file, the library's too, would 404 until a restart. The next start
    serves the folder anyway; this only brings that forward.
    """
    lock = hass.data.setdefault(DATA_SERVING_LOCAL, asyncio.Lock())
    async with lock:
        if _local_is_served(hass):
            return
        www = www_dir(hass)
        if not await hass.async_add_executor_job(www.is_dir):
            return
        LOGGER.debug("%s is not served, serving %s there", LOCAL_URL_PATH, www)
        await hass.http.async_register_static_paths(
            [StaticPathConfig(LOCAL_URL_PATH, str(www), cache_headers=False)]
        )


def install_chimes(source: Path, target: Path) -> list[str]:
    """Copy every shipped chime the library lacks; never overwrite a file.

    A file of the same name may be the user's own chime, so it wins. Each copy
    goes through a temporary name, so a half-written file is never served.
    """
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    if not source.is_dir():
        return copied
    for chime in sorted(source.iterdir()):
        destination = target / chime.name
        if not chime.is_file() or destination.exists():
            continue
        partial = target / f".{chime.name}.partial"
        shutil.copyfile(chime, partial)
        os.replace(partial, destination)
        copied.append(chime.name)
    return copied


def _local_is_served(hass: HomeAssistant) -> bool:
    """Whether something (the frontend) already serves /local."""
    return any(
        resource.canonical == LOCAL_URL_PATH
        for resource in hass.http.app.router.resources()
    )


async def async_list_library(hass: HomeAssistant) -> list[LibraryChime]:
    """The chimes in the library with their durations, sorted by name."""
    return await hass.async_add_executor_job(list_library, library_dir(hass))


def list_library(directory: Path) -> list[LibraryChime]:
    """Blocking part of async_list_library."""
    if not directory.is_dir():
        return []
    return [
        LibraryChime(name=path.name, duration=read_file_duration(path))
        for path in sorted(directory.iterdir(), key=lambda p: p.name.casefold())
        if path.is_file()
        and not path.name.startswith(".")
        and path.suffix.lower() in AUDIO_SUFFIXES
    ]


async def async_resolve_media(hass: HomeAssistant, media: str) -> ResolvedMedia:
    """Turn the action's media field into the URL the speakers fetch.

    Accepts an http(s) URL (handed over unchanged; the engine reads its
    duration), a /local/... path, or the file name of a library chime. Local
    files must exist and are handed over as an absolute URL on this instance's
    internal address, with their duration read from disk.
    """
    media = media.strip()
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

    try:
        base_url = get_url(
            hass, allow_external=False, allow_cloud=False, prefer_external=False
        )
    except NoURLAvailableError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="no_internal_url"
        ) from err
    url = f"{base_url}{LOCAL_URL_PATH}/{quote('/'.join(segments))}"
    return ResolvedMedia(url, duration, _title(segments[-1]))


def _inspect(path: Path) -> tuple[bool, float | None]:
    """Whether the file exists, and its duration when mutagen can read it."""
    if not path.is_file():
        return False, None
    return True, read_file_duration(path)


def _title(path: str) -> str:
    """What the Sonos app shows while the chime plays: the file's name."""
    stem = PurePosixPath(path).stem.replace("_", " ").strip()
    return stem.capitalize() if stem else DEFAULT_TITLE


def _invalid_media(media: str) -> ServiceValidationError:
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="invalid_media",
        translation_placeholders={"media": media},
    )
