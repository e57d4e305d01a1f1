"""The chime library: shipped chimes served by Home Assistant under /local."""

import asyncio
from dataclasses import dataclass
import os
from pathlib import Path
import shutil

from homeassistant.components.http.server import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.util.hass_dict import HassKey

from .const import (
    AUDIO_SUFFIXES,
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
    copied: list[str] = []
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
        if is_chime_file(path)
    ]


def is_chime_file(path: Path) -> bool:
    """Whether the library lists this file: audio, not hidden, not half-written."""
    return (
        path.is_file()
        and not path.name.startswith(".")
        and path.suffix.lower() in AUDIO_SUFFIXES
    )
