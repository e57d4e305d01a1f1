"""Entities of a household, of its chime zones and of its chimes."""

from homeassistant.config_entries import ConfigSubentry
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .chime_config import ChimeConfig
from .const import DOMAIN
from .data import SonosChimeConfigEntry
from .engine import Zone
from .helpers import sonos_device
from .manager import ChimeManager, signal_chime_updated

MANUFACTURER = "Sonos"


@callback
def async_add_chime_entities(
    manager: ChimeManager,
    async_add_entities: AddConfigEntryEntitiesCallback,
    *kinds: type[ChimeEntity],
) -> None:
    """Give every chime one entity of each kind, tied to its subentry."""
    for subentry in manager.chime_subentries():
        async_add_entities(
            [kind(manager, subentry) for kind in kinds],
            config_subentry_id=subentry.subentry_id,
        )


def household_device_info(entry: SonosChimeConfigEntry) -> DeviceInfo:
    """The household: where the Quiet switch lives and chimes hang from."""
    return DeviceInfo(
        identifiers={(DOMAIN, entry.runtime_data.household.household_id)},
        name=entry.title,
        manufacturer=MANUFACTURER,
        model="Household",
        entry_type=DeviceEntryType.SERVICE,
    )


def _under_household(manager: ChimeManager, info: DeviceInfo) -> DeviceInfo:
    """info, hanging from the household's device.

    setup registers that device before any platform, so its id is known here;
    DeviceInfo takes no None for it.
    """
    if manager.household_device_id is not None:
        info["via_device_id"] = manager.household_device_id
    return info


class SonosChimeEntity(Entity):
    """Common to every entity: described, named by translation, never polled."""

    entity_description: EntityDescription
    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, manager: ChimeManager, scope: str) -> None:
        """Unique per household, scope (uid, subentry) and description key."""
        self.manager = manager
        self._attr_unique_id = (
            f"{manager.entry.entry_id}_{scope}_{self.entity_description.key}"
        )


class HouseholdEntity(SonosChimeEntity):
    """An entity of the household as a whole."""

    def __init__(self, manager: ChimeManager) -> None:
        """Put it on the household's device."""
        super().__init__(manager, "household")
        self._attr_device_info = household_device_info(manager.entry)


class ZoneEntity(SonosChimeEntity):
    """An entity of one chime zone.

    Where Home Assistant's Sonos integration has a device for the speaker,
    the entity joins that device rather than making a twin of it.
    """

    def __init__(self, manager: ChimeManager, zone: Zone) -> None:
        """Find the speaker's device, or describe our own."""
        super().__init__(manager, zone.uid)
        self.zone = zone
        if (device := sonos_device(manager.hass, zone.uid)) is not None:
            self.device_entry = device
        else:
            self._attr_device_info = _under_household(
                manager,
                DeviceInfo(
                    identifiers={(DOMAIN, zone.uid)},
                    name=zone.name,
                    manufacturer=MANUFACTURER,
                    model=zone.model,
                ),
            )


class ChimeEntity(SonosChimeEntity):
    """An entity of one chime subentry, written again whenever the chime changes."""

    def __init__(self, manager: ChimeManager, subentry: ConfigSubentry) -> None:
        """A service device per chime, hanging from the household."""
        super().__init__(manager, subentry.subentry_id)
        self.subentry_id = subentry.subentry_id
        self._attr_device_info = _under_household(
            manager,
            DeviceInfo(
                identifiers={(DOMAIN, subentry.subentry_id)},
                name=subentry.title,
                model="Chime",
                entry_type=DeviceEntryType.SERVICE,
            ),
        )

    @property
    def config(self) -> ChimeConfig | None:
        """The chime's current settings."""
        return self.manager.chime_config(self.subentry_id)

    @property
    def available(self) -> bool:
        """A chime whose settings cannot be read can do nothing."""
        return self.config is not None

    async def async_added_to_hass(self) -> None:
        """Follow the chime's plays and schedule changes."""
        await super().async_added_to_hass()
        self.async_on_remove(
            async_dispatcher_connect(
                self.hass,
                signal_chime_updated(self.manager.entry.entry_id, self.subentry_id),
                self.async_write_ha_state,
            )
        )
