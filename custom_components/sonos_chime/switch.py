"""Switches: Quiet for the household, Chimes per zone, Enabled per chime."""

from typing import Any, override

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.components.switch.const import SwitchDeviceClass
from homeassistant.const import STATE_OFF, STATE_ON, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .data import SonosChimeConfigEntry
from .entity import (
    ChimeEntity,
    HouseholdEntity,
    ZoneEntity,
    async_add_chime_entities,
)

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: SonosChimeConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the household's, every chime zone's and every chime's switch."""
    manager = entry.runtime_data.manager
    async_add_entities([QuietSwitch(manager)])
    for zone in manager.chime_zones():
        async_add_entities(
            [ZoneChimesSwitch(manager, zone)],
            config_subentry_id=manager.zone_subentry_id(zone.uid),
        )
    async_add_chime_entities(manager, async_add_entities, ChimeEnabledSwitch)


class QuietSwitch(HouseholdEntity, SwitchEntity, RestoreEntity):
    """Holds back scheduled chimes; Play now and the action still work."""

    entity_description = SwitchEntityDescription(key="quiet", translation_key="quiet")

    @override
    async def async_added_to_hass(self) -> None:
        """Stay quiet across restarts."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            self.manager.async_set_quiet(last.state == STATE_ON)

    @property
    @override
    def is_on(self) -> bool:
        """Whether scheduled chimes are held back."""
        return self.manager.quiet

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Hold back scheduled chimes."""
        self.manager.async_set_quiet(True)
        self.async_write_ha_state()

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Let scheduled chimes play again."""
        self.manager.async_set_quiet(False)
        self.async_write_ha_state()


class ZoneChimesSwitch(ZoneEntity, SwitchEntity, RestoreEntity):
    """Off keeps the zone out of every chime until switched back on.

    The zone's own entity, not a setting: an area or device it is in counts it,
    and its device class lets the action's target picker offer it alone of
    our switches (services.yaml).
    """

    entity_description = SwitchEntityDescription(
        key="chimes", translation_key="chimes", device_class=SwitchDeviceClass.SWITCH
    )

    @override
    async def async_added_to_hass(self) -> None:
        """A zone switched off stays off across restarts."""
        await super().async_added_to_hass()
        if (last := await self.async_get_last_state()) is not None:
            self.manager.async_set_zone_enabled(self.zone.uid, last.state != STATE_OFF)

    @property
    @override
    def is_on(self) -> bool:
        """Whether chimes play on this zone."""
        return self.manager.zone_enabled(self.zone.uid)

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Let chimes play on this zone again."""
        self.manager.async_set_zone_enabled(self.zone.uid, True)
        self.async_write_ha_state()

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Keep this zone out of every chime."""
        self.manager.async_set_zone_enabled(self.zone.uid, False)
        self.async_write_ha_state()


class ChimeEnabledSwitch(ChimeEntity, SwitchEntity):
    """Whether the chime plays on its schedule; kept in its subentry."""

    entity_description = SwitchEntityDescription(
        key="enabled", translation_key="enabled", entity_category=EntityCategory.CONFIG
    )

    @property
    @override
    def is_on(self) -> bool | None:
        """Whether the schedule is armed."""
        config = self.config
        return None if config is None else config.enabled

    @override
    async def async_turn_on(self, **kwargs: Any) -> None:
        """Arm the schedule at once."""
        self.manager.async_set_chime_enabled(self.subentry_id, True)

    @override
    async def async_turn_off(self, **kwargs: Any) -> None:
        """Disarm the schedule at once."""
        self.manager.async_set_chime_enabled(self.subentry_id, False)
