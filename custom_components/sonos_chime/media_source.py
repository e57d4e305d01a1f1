"""The chime library in Home Assistant's media browser.

So that a chime file can be picked wherever media is picked: the action's
media field, automations, and any media player's browser. Each file resolves
to its /local URL, which needs no authentication, with its path on disk for
its duration.
"""

import mimetypes
from pathlib import PurePath
from typing import override
from urllib.parse import quote

from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant

from .const import DOMAIN, LIBRARY_URL_PATH
from .library import LibraryChime, async_list_library, is_chime_file, library_dir

SOURCE_NAME = "Sonos Chime"


async def async_get_media_source(hass: HomeAssistant) -> ChimeLibrarySource:
    """Home Assistant asks for the source once this integration is loaded."""
    return ChimeLibrarySource(hass)


class ChimeLibrarySource(MediaSource):
    """Every file of the chime library, by its name."""

    name = SOURCE_NAME

    def __init__(self, hass: HomeAssistant) -> None:
        """The library is read at each browse: files come and go."""
        super().__init__(DOMAIN)
        self.hass = hass

    @override
    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """A library file as its /local URL."""
        name = item.identifier
        path = library_dir(self.hass) / name
        if (
            not name
            or PurePath(name).name != name
            or not await self.hass.async_add_executor_job(is_chime_file, path)
        ):
            raise Unresolvable(
                translation_domain=DOMAIN,
                translation_key="library_file_not_found",
                translation_placeholders={"name": name},
            )
        mime_type = mimetypes.guess_type(name)[0] or "audio/mpeg"
        return PlayMedia(f"{LIBRARY_URL_PATH}/{quote(name)}", mime_type, path=path)

    @override
    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """The library is one flat folder."""
        if item.identifier:
            raise BrowseError(
                translation_domain=DOMAIN, translation_key="library_not_a_folder"
            )
        chimes = await async_list_library(self.hass)
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=None,
            media_class=MediaClass.DIRECTORY,
            media_content_type="",
            title=SOURCE_NAME,
            can_play=False,
            can_expand=True,
            children_media_class=MediaClass.MUSIC,
            children=[_chime_item(chime) for chime in chimes],
        )


def _chime_item(chime: LibraryChime) -> BrowseMediaSource:
    """One file, titled with its length when it could be read."""
    title = chime.name
    if chime.duration is not None:
        title = f"{chime.name} ({chime.duration:.1f} s)"
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=chime.name,
        media_class=MediaClass.MUSIC,
        media_content_type=mimetypes.guess_type(chime.name)[0] or "audio/mpeg",
        title=title,
        can_play=True,
        can_expand=False,
    )
