"""The sonos_chime.play action."""

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio

from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_MEDIA,
    ATTR_TV,
    ATTR_VOLUME,
    ATTR_ZONES,
    DOMAIN,
    SERVICE_PLAY,
)
from .data import SonosChimeConfigEntry
from .engine import ChimeRequest, TvMode
from .helpers import unique
from .media import async_resolve_media

# Volume is only coerced here: the handler checks its range, so that an
# out-of-range value gets a translated message instead of a schema error.
PLAY_SCHEMA = probatio.Schema(
    {
        probatio.Required(ATTR_MEDIA): cv.string,
        probatio.Optional(ATTR_ZONES): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Optional(ATTR_VOLUME): probatio.Coerce(int),
        probatio.Optional(ATTR_TV, default=TvMode.SKIP.value): probatio.In(
            [mode.value for mode in TvMode]
        ),
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    }
)


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register the integration's actions."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_PLAY,
        _async_play,
        schema=PLAY_SCHEMA,
        supports_response=SupportsResponse.OPTIONAL,
    )


async def _async_play(call: ServiceCall) -> ServiceResponse:
    """Chime on the household's zones; answer with every zone's outcome.

    Every input is checked before the engine runs, and the engine itself
    refuses before touching a speaker, so a bad call changes nothing.
    """
    hass = call.hass
    entry = _async_get_entry(hass, call.data.get(ATTR_CONFIG_ENTRY_ID))

    volume: int | None = call.data.get(ATTR_VOLUME)
    if volume is not None and not 0 <= volume <= 100:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_volume",
            translation_placeholders={"volume": str(volume)},
        )

    zones = unique(
        name.strip() for name in call.data.get(ATTR_ZONES, []) if name.strip()
    )
    media = await async_resolve_media(hass, call.data[ATTR_MEDIA])
    request = ChimeRequest(
        media_url=media.url,
        duration=media.duration,
        zones=tuple(zones) or None,
        volume=volume,
        tv=TvMode(call.data[ATTR_TV]),
        title=media.title,
    )
    # The manager keeps zones switched off out, and tells automations.
    result = await entry.runtime_data.manager.async_play(request, trigger="action")
    response: dict[str, Any] = result.as_dict()
    return response


@callback
def _async_get_entry(
    hass: HomeAssistant, entry_id: str | None
) -> SonosChimeConfigEntry:
    """The household to chime on: the one asked for, or the only loaded one."""
    if entry_id is None:
        loaded: list[SonosChimeConfigEntry] = hass.config_entries.async_loaded_entries(
            DOMAIN
        )
        if not loaded:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="no_household"
            )
        if len(loaded) > 1:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="several_households",
                translation_placeholders={
                    "households": ", ".join(sorted(e.title for e in loaded))
                },
            )
        return loaded[0]

    entry: SonosChimeConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="household_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="household_not_loaded",
            translation_placeholders={"household": entry.title},
        )
    return entry
