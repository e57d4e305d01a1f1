"""The sonos_chime.play action."""

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from homeassistant.components.media_player.const import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.const import (
    ATTR_AREA_ID,
    ATTR_DEVICE_ID,
    ATTR_ENTITY_ID,
    ATTR_FLOOR_ID,
    ATTR_LABEL_ID,
    CONF_EXCLUDE,
    ENTITY_MATCH_ALL,
    ENTITY_MATCH_NONE,
)
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    area_registry as ar,
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    floor_registry as fr,
    label_registry as lr,
    service,
)
from homeassistant.helpers.target import (
    TargetSelection,
    async_extract_referenced_entity_ids,
)
import probatio

from .clock import MAX_STRIKES
from .const import (
    ATTR_CONFIG_ENTRY_ID,
    ATTR_MEDIA,
    ATTR_MESSAGE,
    ATTR_MODE,
    ATTR_ONLY_OCCUPIED,
    ATTR_STRIKES,
    ATTR_TTS_ENGINE,
    ATTR_TV,
    ATTR_URGENT,
    ATTR_VOLUME,
    ATTR_VOLUME_MAX,
    ATTR_VOLUME_MIN,
    ATTR_VOLUME_OFFSET,
    ATTR_ZONE_VOLUMES,
    ATTR_ZONES,
    DOMAIN,
    SERVICE_PLAY,
    SONOS_DOMAIN,
)
from .data import SonosChimeConfigEntry
from .engine import ChimeMode, ChimeRequest, TvMode
from .helpers import unique
from .media_resolver import (
    ResolvedMedia,
    async_resolve_media,
    async_resolve_message,
)
from .volume_rules import VolumeRuleError, check_volume_rules

# What Home Assistant's media selector gives: the id is what is played.
MEDIA_SELECTION = probatio.Schema(
    {
        probatio.Required("media_content_id"): cv.string,
        probatio.Optional("media_content_type"): cv.string,
        probatio.Optional("entity_id"): cv.string,
        probatio.Optional("metadata"): dict,
    }
)

TARGET_KINDS = (
    ATTR_ENTITY_ID,
    ATTR_DEVICE_ID,
    ATTR_AREA_ID,
    ATTR_FLOOR_ID,
    ATTR_LABEL_ID,
)

# Releases before 2026.11 have no exclude block in their target fields: it is
# then taken here only to be refused with a message, not as an unknown key.
EXCLUDE_SUPPORTED = CONF_EXCLUDE in {str(key) for key in cv.ENTITY_SERVICE_FIELDS}

# Volume is only coerced here: the handler checks its range, so that an
# out-of-range value gets a translated message instead of a schema error.
PLAY_SCHEMA = probatio.Schema(
    {
        # The frontend stores data here.
        probatio.Remove("metadata"): dict,
        # A target exactly as Home Assistant's entity actions take it.
        **cv.ENTITY_SERVICE_FIELDS,
        **({} if EXCLUDE_SUPPORTED else {probatio.Optional(CONF_EXCLUDE): dict}),
        # A file, URL or media-source id, as typed or as the media selector
        # gives it; a message alone is spoken without a chime before it.
        probatio.Optional(ATTR_MEDIA): probatio.Any(
            probatio.All(MEDIA_SELECTION, lambda media: media["media_content_id"]),
            cv.string,
        ),
        probatio.Optional(ATTR_STRIKES): probatio.Coerce(int),
        probatio.Optional(ATTR_MESSAGE): cv.string,
        probatio.Optional(ATTR_TTS_ENGINE): cv.string,
        probatio.Optional(ATTR_ZONES): probatio.All(cv.ensure_list, [cv.string]),
        probatio.Optional(ATTR_VOLUME): probatio.Coerce(int),
        probatio.Optional(ATTR_ZONE_VOLUMES): {cv.string: probatio.Coerce(int)},
        probatio.Optional(ATTR_VOLUME_OFFSET): probatio.Coerce(int),
        probatio.Optional(ATTR_VOLUME_MIN): probatio.Coerce(int),
        probatio.Optional(ATTR_VOLUME_MAX): probatio.Coerce(int),
        probatio.Optional(ATTR_URGENT, default=False): cv.boolean,
        probatio.Optional(ATTR_ONLY_OCCUPIED, default=False): cv.boolean,
        # Choices are checked by the handler too, for a message that names them.
        probatio.Optional(ATTR_MODE, default=ChimeMode.INTERRUPT.value): cv.string,
        probatio.Optional(ATTR_TV, default=TvMode.SKIP.value): cv.string,
        probatio.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    }
)

type ZoneOwners = dict[str, SonosChimeConfigEntry]


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
    targets = _async_resolve_targets(hass, call.data)
    entry = _async_get_entry(hass, call.data.get(ATTR_CONFIG_ENTRY_ID), targets)

    volume: int | None = call.data.get(ATTR_VOLUME)
    offset: int | None = call.data.get(ATTR_VOLUME_OFFSET)
    low: int = call.data.get(ATTR_VOLUME_MIN, 0)
    high: int = call.data.get(ATTR_VOLUME_MAX, 100)
    by_name: dict[str, int] = call.data.get(ATTR_ZONE_VOLUMES, {})
    _check_volume_rules(volume, by_name, offset, low, high)
    zone_volumes = dict(
        zip(_zone_uids_by_name(entry, by_name), by_name.values(), strict=True)
    )

    mode = _choice(call.data, ATTR_MODE, ChimeMode)
    tv = _choice(call.data, ATTR_TV, TvMode)
    zones = unique(
        name.strip() for name in call.data.get(ATTR_ZONES, []) if name.strip()
    )
    # Names are resolved here, once: the engine is handed uids. Named zones
    # join the targeted ones; neither means every zone.
    zone_uids: list[str] | None = None
    if targets is not None or zones:
        zone_uids = unique([*(targets or []), *_zone_uids_by_name(entry, zones)])
    sequence = await _async_resolve_sequence(hass, call.data)
    request = ChimeRequest(
        media_url=sequence[0].url,
        duration=sequence[0].duration,
        followed_by=tuple(piece.as_chime_media() for piece in sequence[1:]),
        volume=volume,
        zone_volumes=zone_volumes,
        volume_offset=offset,
        volume_range=(low, high),
        tv=tv,
        mode=mode,
        title=sequence[0].title,
    )
    manager = entry.runtime_data.manager
    if not call.data[ATTR_URGENT] and (window := manager.quiet_hours_now()):
        request = window.quieten(request)
    # The manager keeps zones switched off out, and tells automations.
    result = await manager.async_play(
        request,
        trigger="action",
        zone_uids=zone_uids,
        # A message after a chime: the answer says whether it was spoken.
        message=bool(call.data.get(ATTR_MEDIA)) and ATTR_MESSAGE in call.data,
        only_occupied=call.data[ATTR_ONLY_OCCUPIED],
    )
    response: dict[str, Any] = result.as_dict()
    return response


def _check_volume_rules(
    volume: int | None,
    zone_volumes: Mapping[str, int],
    offset: int | None,
    low: int,
    high: int,
) -> None:
    """The chimes' volume rules (volume_rules.py), broken ones said in words."""
    try:
        check_volume_rules(volume, zone_volumes, offset, low, high)
    except VolumeRuleError as err:
        if err.key == "volume_range":
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_volume_range",
                translation_placeholders={"low": str(low), "high": str(high)},
            ) from err
        if err.key == "invalid_volume_offset":
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="invalid_volume_offset",
                translation_placeholders={"offset": str(err.value)},
            ) from err
        if err.key == "volume_and_offset":
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="volume_and_offset"
            ) from err
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_volume",
            translation_placeholders={"volume": str(err.value)},
        ) from err


def _choice[E: StrEnum](data: Mapping[str, Any], key: str, kind: type[E]) -> E:
    """One of a field's choices, or a message that names the value and them all."""
    try:
        return kind(data[key])
    except ValueError:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_choice",
            translation_placeholders={
                "field": key,
                "value": str(data[key]),
                "choices": ", ".join(member.value for member in kind),
            },
        ) from None


async def _async_resolve_sequence(
    hass: HomeAssistant, data: Mapping[str, Any]
) -> list[ResolvedMedia]:
    """The chime (struck as often as asked), then the message, in order.

    Every piece is checked before the message is asked for, since a
    text-to-speech engine starts speaking (and may charge) once asked.
    """
    media: str | None = data.get(ATTR_MEDIA)
    message: str | None = data.get(ATTR_MESSAGE)
    engine: str | None = data.get(ATTR_TTS_ENGINE) or None
    if not media and not message:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="nothing_to_play"
        )
    if engine is not None and message is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="engine_without_message"
        )
    strikes: int = data.get(ATTR_STRIKES, 1)
    if not 1 <= strikes <= MAX_STRIKES:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="invalid_strikes",
            translation_placeholders={"strikes": str(strikes)},
        )
    if ATTR_STRIKES in data and not media:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="strikes_without_media"
        )
    # Struck so many times, one chime: one pause and one restore around them.
    sequence = [await async_resolve_media(hass, media)] * strikes if media else []
    if message is not None:
        sequence.append(await async_resolve_message(hass, message, engine))
    return sequence


@callback
def _async_get_entry(
    hass: HomeAssistant, entry_id: str | None, targets: ZoneOwners | None
) -> SonosChimeConfigEntry:
    """The household to chime on: the one asked for, the targets', or the only one.

    Home Assistant's own lookup refuses, with its own messages, an entry
    that is missing, of another integration or not loaded.
    """
    if entry_id is not None:
        entry: SonosChimeConfigEntry = service.async_get_config_entry(
            hass, DOMAIN, entry_id
        )
        if targets and (
            elsewhere := [uid for uid in targets if targets[uid] is not entry]
        ):
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="target_in_other_household",
                translation_placeholders={
                    "zones": ", ".join(_zone_names(targets, elsewhere)),
                    "household": entry.title,
                },
            )
        return entry
    if targets:
        households = {entry.entry_id: entry for entry in targets.values()}
        if len(households) > 1:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="targets_in_several_households",
                translation_placeholders={
                    "households": ", ".join(
                        sorted(entry.title for entry in households.values())
                    )
                },
            )
        return next(iter(households.values()))
    # One household answering is enough, even while another is set up again.
    loaded: list[SonosChimeConfigEntry] = hass.config_entries.async_loaded_entries(
        DOMAIN
    )
    if len(loaded) == 1:
        return loaded[0]
    return service.async_get_config_entry(hass, DOMAIN, None)


@callback
def _async_resolve_targets(
    hass: HomeAssistant, data: dict[str, Any]
) -> ZoneOwners | None:
    """The zones a target names, each with its household; None without a target.

    Each entity, device, area, floor and label must hold a zone of a loaded
    household, so that a mistyped or non-Sonos target is refused rather than
    quietly chiming fewer zones than meant. ``entity_id: all`` is every zone
    (of the household asked for, if any); the exclude block takes zones out
    again, resolved by Home Assistant's own rules.
    """
    exclude: dict[str, Any] = data.get(CONF_EXCLUDE) or {}
    if exclude and not EXCLUDE_SUPPORTED:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="exclude_unsupported"
        )
    selection = TargetSelection(data)
    if not selection.has_any_target:
        if any(data.get(kind) == ENTITY_MATCH_NONE for kind in TARGET_KINDS):
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="target_is_none"
            )
        return None
    owners = _zone_owners(hass)
    found: ZoneOwners = {}
    refused: list[str] = []
    for kind, ids in (
        (ATTR_ENTITY_ID, selection.entity_ids),
        (ATTR_DEVICE_ID, selection.device_ids),
        (ATTR_AREA_ID, selection.area_ids),
        (ATTR_FLOOR_ID, selection.floor_ids),
        (ATTR_LABEL_ID, selection.label_ids),
    ):
        for target_id in sorted(ids):
            if kind == ATTR_ENTITY_ID and target_id == ENTITY_MATCH_ALL:
                uids = {
                    uid
                    for uid, entry in owners.items()
                    if data.get(ATTR_CONFIG_ENTRY_ID) in (None, entry.entry_id)
                }
            else:
                uids = _zones_in(hass, TargetSelection({kind: [target_id]}), owners)
            if not uids:
                refused.append(_target_name(hass, kind, target_id))
            found.update((uid, owners[uid]) for uid in sorted(uids))
    if refused:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="target_not_a_zone",
            translation_placeholders={"targets": ", ".join(refused)},
        )
    excluded = _zones_in(hass, TargetSelection(exclude), owners) if exclude else set()
    if found and not (found.keys() - excluded):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="target_all_excluded",
            translation_placeholders={"zones": ", ".join(_zone_names(owners, found))},
        )
    return {uid: entry for uid, entry in found.items() if uid not in excluded}


@callback
def _zone_owners(hass: HomeAssistant) -> ZoneOwners:
    """Every zone of every loaded household, by uid."""
    loaded: list[SonosChimeConfigEntry] = hass.config_entries.async_loaded_entries(
        DOMAIN
    )
    return {
        zone.uid: entry
        for entry in loaded
        for zone in entry.runtime_data.household.zones
    }


@callback
def _zones_in(
    hass: HomeAssistant, selection: TargetSelection, owners: ZoneOwners
) -> set[str]:
    """The zones of one target, expanded by Home Assistant's own rules.

    A zone is in it when its speaker's device is, or one of its zone
    entities: core's media player or our Chimes switch, a config entity that
    Home Assistant would otherwise leave out of area and device expansion.
    """
    selected = async_extract_referenced_entity_ids(
        hass, selection, primary_entities_only=False
    )
    entities = er.async_get(hass)
    devices = dr.async_get(hass)
    uids: set[str] = set()
    for entity_id in selected.referenced | selected.indirectly_referenced:
        if (entity := entities.async_get(entity_id)) is not None and (
            uid := _entity_zone(entity, owners)
        ):
            uids.add(uid)
    for device_id in selected.referenced_devices:
        if (device := devices.async_get(device_id)) is not None:
            uids.update(
                uid
                for domain, uid in device.identifiers
                if domain in (DOMAIN, SONOS_DOMAIN) and uid in owners
            )
    return uids


def _entity_zone(entity: er.RegistryEntry, owners: ZoneOwners) -> str | None:
    """The zone an entity stands for, if it stands for one.

    Core's media player has the speaker's uid as unique id; ours carry it
    between their household's entry id and their key.
    """
    if entity.platform == SONOS_DOMAIN and entity.domain == MEDIA_PLAYER_DOMAIN:
        return entity.unique_id if entity.unique_id in owners else None
    if entity.platform != DOMAIN or entity.config_entry_id is None:
        return None
    prefix = f"{entity.config_entry_id}_"
    if not entity.unique_id.startswith(prefix):
        return None
    scoped = entity.unique_id.removeprefix(prefix)
    for uid, entry in owners.items():
        if entry.entry_id == entity.config_entry_id and scoped.startswith(f"{uid}_"):
            return uid
    return None


@callback
def _target_name(hass: HomeAssistant, kind: str, target_id: str) -> str:
    """What the user sees for a target in the UI, for a refusal."""
    name: str | None = None
    if kind == ATTR_DEVICE_ID and (device := dr.async_get(hass).async_get(target_id)):
        name = device.name_by_user or device.name
    elif kind == ATTR_AREA_ID and (
        area := ar.async_get(hass).async_get_area(target_id)
    ):
        name = area.name
    elif kind == ATTR_FLOOR_ID and (
        floor := fr.async_get(hass).async_get_floor(target_id)
    ):
        name = floor.name
    elif kind == ATTR_LABEL_ID and (
        label := lr.async_get(hass).async_get_label(target_id)
    ):
        name = label.name
    return name or target_id


def _zone_uids_by_name(entry: SonosChimeConfigEntry, names: Iterable[str]) -> list[str]:
    """Uids of zones named as the Sonos app names them, any case."""
    by_name = {
        zone.name.casefold(): zone.uid for zone in entry.runtime_data.household.zones
    }
    names = list(names)
    if unknown := [name for name in names if name.casefold() not in by_name]:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_zone",
            translation_placeholders={
                "zones": ", ".join(unknown),
                "known": ", ".join(
                    sorted(
                        (zone.name for zone in entry.runtime_data.household.zones),
                        key=str.casefold,
                    )
                ),
            },
        )
    return [by_name[name.casefold()] for name in names]


def _zone_names(owners: ZoneOwners, uids: Iterable[str]) -> list[str]:
    """Zone names for uids, as their households know them."""
    names = {
        zone.uid: zone.name
        for entry in owners.values()
        for zone in entry.runtime_data.household.zones
    }
    return sorted((names.get(uid, uid) for uid in uids), key=str.casefold)
