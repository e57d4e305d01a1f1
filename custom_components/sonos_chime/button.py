"""Play now: a chime on demand, whatever its schedule or the Quiet switch."""

from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .data import SonosChimeConfigEntry
from .entity import ChimeEntity, async_add_chime_entities

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosChimeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a Play now button per chime."""
    async_add_chime_entities(
        entry.runtime_data.manager, async_add_entities, PlayNowButton
    )


class PlayNowButton(ChimeEntity, ButtonEntity):
    """Plays the chime on its zones now; manual plays always run."""

    entity_description = ButtonEntityDescription(
        key="play_now", translation_key="play_now"
    )

    @override
    async def async_press(self) -> None:
        """Chime and wait until every zone is back as it was."""
        await self.manager.async_play_chime(self.subentry_id, trigger="button")
