"""Add chime and its reconfigure: what plays, where, when; the form and its checks."""

from collections.abc import Mapping, Sequence
from datetime import time, timedelta
from typing import Any, Final

from homeassistant.components.tts.const import DOMAIN as TTS_DOMAIN
from homeassistant.config_entries import (
    SOURCE_USER,
    SubentryFlowResult,
)
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    EntitySelector,
    EntitySelectorConfig,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    ObjectSelector,
    ObjectSelectorConfig,
    ObjectSelectorField,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
from homeassistant.util import dt as dt_util
import probatio

from .chime_config import MAX_REPEAT_MINUTES, MIN_REPEAT_MINUTES
from .clock import clock_error
from .const import (
    CLOCK_CHOICES,
    CLOCK_OFF,
    CONF_ALL_ZONES,
    CONF_CLOCK,
    CONF_CLOCK_UNTIL,
    CONF_ENABLED,
    CONF_MEDIA,
    CONF_MESSAGE,
    CONF_MODE,
    CONF_MORE_TIMES,
    CONF_NAME,
    CONF_ONLY_OCCUPIED,
    CONF_QUIET_HOURS,
    CONF_REPEAT_MINUTES,
    CONF_REPEAT_UNTIL,
    CONF_TIME,
    CONF_TTS_ENGINE,
    CONF_TV,
    CONF_VOLUME,
    CONF_VOLUME_MAX,
    CONF_VOLUME_MIN,
    CONF_VOLUME_OFFSET,
    CONF_WEEKDAYS,
    CONF_ZONE_VOLUMES,
    CONF_ZONES,
    LOGGER,
    QUIET_CHOICES,
    QUIET_HOLD,
)
from .data import SonosChimeConfigEntry
from .engine import (
    ChimeMode,
    TvMode,
)
from .flow_fields import MinuteTimeSelector, whole_number, zone_options
from .helpers import (
    unique,
)
from .library import LibraryChime, async_list_library
from .media_resolver import async_check_media, check_tts_engine
from .schedule import WEEKDAYS
from .subentry_flow import (
    HouseholdSubentryFlow,
    async_household_now,
    zone_subentry_titles,
)
from .volume_rules import VolumeRuleError, check_volume_rules

# What async_check_media refuses a chime's media for, shown on the field.
MEDIA_ERRORS = frozenset(
    {"media_not_found", "invalid_media_scheme", "invalid_media", "media_unresolvable"}
)


# What check_tts_engine refuses a message's engine for, shown on the engine.
TTS_ERRORS = frozenset({"no_tts", "unknown_tts_engine"})


class ChimeSubentryFlow(HouseholdSubentryFlow):
    """Add or change a chime: what plays, where, when."""

    def __init__(self) -> None:
        """The library is read when the form is first shown."""
        super().__init__()
        self._library: list[LibraryChime] | None = None

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """A new chime at the next full hour, every weekday, TV zones skipped, enabled."""
        upcoming = dt_util.now().replace(minute=0, second=0, microsecond=0)
        upcoming += timedelta(hours=1)
        return await self._async_step_chime(
            "user", user_input, {CONF_TIME: upcoming.time().isoformat()}
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> SubentryFlowResult:
        """The same form, filled in with the chime as it is."""
        current = self._get_reconfigure_subentry().data
        return await self._async_step_chime("reconfigure", user_input, current)

    async def _async_step_chime(
        self,
        step_id: str,
        user_input: dict[str, Any] | None,
        current: Mapping[str, Any],
    ) -> SubentryFlowResult:
        """Show the chime form, check what was entered, save it."""
        if (entry := self._loaded_entry()) is None:
            return self.async_abort(reason="entry_not_loaded")
        chime_zones, known = await self._async_zones(entry)
        if not chime_zones and self.source == SOURCE_USER and user_input is None:
            # Nothing the form offers could fix it: say where to go instead.
            return self.async_abort(reason="no_chime_zones")

        errors: dict[str, str] = {}
        if user_input is not None:
            data, errors = await self._async_validate(user_input, chime_zones)
            if not errors:
                if self.source == SOURCE_USER:
                    return self.async_create_entry(title=data[CONF_NAME], data=data)
                return self.async_update_and_abort(
                    entry,
                    self._get_reconfigure_subentry(),
                    title=data[CONF_NAME],
                    data=data,
                )

        if self._library is None:
            self._library = await async_list_library(self.hass)
        # A zone the chime already names stays listed, so that editing its
        # time does not drop the zone; saving tells if none of them chimes.
        offered = dict(chime_zones)
        for uid in current.get(CONF_ZONES, []):
            offered.setdefault(uid, known.get(uid, uid))
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                _chime_schema(
                    self._library,
                    zone_options(offered),
                    ChimeMode(current.get(CONF_MODE, ChimeMode.AUTO)),
                ),
                user_input if user_input is not None else _form_values(current),
            ),
            errors=errors,
        )

    async def _async_validate(
        self, user_input: dict[str, Any], chime_zones: Mapping[str, str]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """The subentry data for what was entered, or the errors to show."""
        errors: dict[str, str] = {}
        name = user_input[CONF_NAME].strip()
        if not name:
            errors[CONF_NAME] = "no_name"

        media = user_input[CONF_MEDIA].strip()
        try:
            await async_check_media(self.hass, media)
        except ServiceValidationError as err:
            errors[CONF_MEDIA] = (
                err.translation_key
                if err.translation_key in MEDIA_ERRORS
                else "invalid_media"
            )
        except HomeAssistantError as err:
            # The file is there, but the speakers could not be told where.
            LOGGER.debug("Cannot check media %s: %s", media, err)
            errors["base"] = "no_internal_url"

        # A message is checked, not spoken: speaking may cost, and takes time.
        message = (user_input.get(CONF_MESSAGE) or "").strip()
        engine = user_input.get(CONF_TTS_ENGINE) or None
        if message:
            try:
                check_tts_engine(self.hass, engine)
            except ServiceValidationError as err:
                errors[CONF_TTS_ENGINE] = (
                    err.translation_key
                    if err.translation_key in TTS_ERRORS
                    else "unknown_tts_engine"
                )

        # A chime that would play nowhere is refused where it can be fixed.
        zones = unique(user_input.get(CONF_ZONES, []))
        if not chime_zones:
            errors[CONF_ZONES] = "no_chime_zones"
        elif zones and not any(uid in chime_zones for uid in zones):
            errors[CONF_ZONES] = "zones_not_chiming"

        selected = set(user_input[CONF_WEEKDAYS])
        if not selected:
            errors[CONF_WEEKDAYS] = "no_weekdays"

        data: dict[str, Any] = {
            CONF_NAME: name,
            CONF_MEDIA: media,
            CONF_ZONES: zones,
            CONF_TIME: cv.time(user_input[CONF_TIME]).strftime("%H:%M:%S"),
            CONF_WEEKDAYS: [day for day in WEEKDAYS if day in selected],
            CONF_TV: user_input[CONF_TV],
            CONF_MODE: user_input[CONF_MODE],
            CONF_QUIET_HOURS: user_input.get(CONF_QUIET_HOURS, QUIET_HOLD),
            CONF_ONLY_OCCUPIED: user_input.get(CONF_ONLY_OCCUPIED, False),
            CONF_ENABLED: user_input[CONF_ENABLED],
        }
        if message:
            data[CONF_MESSAGE] = message
            if engine is not None:
                data[CONF_TTS_ENGINE] = engine
        _validate_room_volumes(user_input, data, errors)
        _validate_more_times(user_input, data, errors)
        _validate_clock(user_input, data, errors)
        return data, errors

    async def _async_zones(
        self, entry: SonosChimeConfigEntry
    ) -> tuple[dict[str, str], dict[str, str]]:
        """The chime zones, and every zone name known, by uid.

        The chime zones are the zones chimes play on: every zone of the
        household when All zones is on, else the zones added one by one,
        named as the household names them now where it answers.
        """
        household = await async_household_now(self.hass, entry)
        names = {zone.uid: zone.name for zone in household.zones}
        added = zone_subentry_titles(entry)
        known = added | names
        if entry.options.get(CONF_ALL_ZONES, False):
            return names, known
        return {uid: known[uid] for uid in added}, known


def _chime_schema(
    library: Sequence[LibraryChime],
    zones: list[SelectOptionDict],
    mode: ChimeMode,
) -> probatio.Schema:
    """The chime form.

    The UI pre-fills it from suggested values; the defaults only stand in for
    fields left out of what was submitted. Volume is a box, not a slider: a
    slider shows 0 when it is empty, and empty keeps each zone's volume.
    """
    return probatio.Schema(
        {
            probatio.Required(CONF_NAME): TextSelector(),
            probatio.Required(CONF_MEDIA): SelectSelector(
                SelectSelectorConfig(
                    options=[_library_option(chime) for chime in library],
                    custom_value=True,
                    mode=SelectSelectorMode.DROPDOWN,
                    sort=False,
                )
            ),
            probatio.Optional(CONF_MESSAGE): TextSelector(
                TextSelectorConfig(multiline=True)
            ),
            probatio.Optional(CONF_TTS_ENGINE): EntitySelector(
                EntitySelectorConfig(domain=TTS_DOMAIN)
            ),
            probatio.Optional(CONF_VOLUME): NumberSelector(
                NumberSelectorConfig(
                    step=1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
                )
            ),
            # Room volumes: a list of (zone, volume), then a relative rule.
            probatio.Optional(CONF_ZONE_VOLUMES): ObjectSelector(
                ObjectSelectorConfig(
                    fields={
                        FIELD_ZONE: ObjectSelectorField(
                            required=True,
                            selector={"select": {"options": zones, "sort": False}},
                        ),
                        FIELD_VOLUME: ObjectSelectorField(
                            required=True,
                            selector={
                                "number": {
                                    "min": 0,
                                    "max": 100,
                                    "step": 1,
                                    "mode": "box",
                                    "unit_of_measurement": "%",
                                }
                            },
                        ),
                    },
                    multiple=True,
                    label_field=FIELD_ZONE,
                    translation_key=CONF_ZONE_VOLUMES,
                )
            ),
            probatio.Optional(CONF_VOLUME_OFFSET): NumberSelector(
                NumberSelectorConfig(step=1, mode=NumberSelectorMode.BOX)
            ),
            probatio.Optional(CONF_VOLUME_MIN): NumberSelector(
                NumberSelectorConfig(
                    step=1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
                )
            ),
            probatio.Optional(CONF_VOLUME_MAX): NumberSelector(
                NumberSelectorConfig(
                    step=1, unit_of_measurement="%", mode=NumberSelectorMode.BOX
                )
            ),
            probatio.Optional(CONF_ZONES, default=[]): SelectSelector(
                SelectSelectorConfig(options=zones, multiple=True, sort=False)
            ),
            probatio.Required(CONF_TIME): MinuteTimeSelector(),
            # More times: each plays once a day; a repeat from the time on.
            probatio.Optional(CONF_MORE_TIMES): TextSelector(
                TextSelectorConfig(multiple=True)
            ),
            probatio.Optional(CONF_REPEAT_MINUTES): NumberSelector(
                NumberSelectorConfig(
                    min=MIN_REPEAT_MINUTES,
                    max=MAX_REPEAT_MINUTES,
                    step=1,
                    unit_of_measurement="min",
                    mode=NumberSelectorMode.BOX,
                )
            ),
            probatio.Optional(CONF_REPEAT_UNTIL): MinuteTimeSelector(),
            # A clock strikes every hour from its time to its last hour.
            probatio.Required(CONF_CLOCK, default=CLOCK_OFF): SelectSelector(
                SelectSelectorConfig(
                    options=list(CLOCK_CHOICES), translation_key=CONF_CLOCK
                )
            ),
            probatio.Optional(CONF_CLOCK_UNTIL): MinuteTimeSelector(),
            probatio.Required(CONF_WEEKDAYS, default=list(WEEKDAYS)): SelectSelector(
                SelectSelectorConfig(
                    options=list(WEEKDAYS),
                    multiple=True,
                    translation_key=CONF_WEEKDAYS,
                    sort=False,
                )
            ),
            probatio.Required(CONF_QUIET_HOURS, default=QUIET_HOLD): SelectSelector(
                SelectSelectorConfig(
                    options=list(QUIET_CHOICES), translation_key=CONF_QUIET_HOURS
                )
            ),
            probatio.Required(CONF_TV, default=TvMode.SKIP.value): SelectSelector(
                SelectSelectorConfig(
                    options=[mode.value for mode in TvMode],
                    translation_key=CONF_TV,
                )
            ),
            # New chimes go over the music where they can; a chime keeps its own.
            probatio.Required(CONF_MODE, default=mode.value): SelectSelector(
                SelectSelectorConfig(
                    options=[mode.value for mode in ChimeMode],
                    translation_key=CONF_MODE,
                )
            ),
            probatio.Required(CONF_ONLY_OCCUPIED, default=False): BooleanSelector(),
            probatio.Required(CONF_ENABLED, default=True): BooleanSelector(),
        }
    )


# The fields of one room volume in the form's list.
FIELD_ZONE = "zone"
FIELD_VOLUME = "volume"


def _validate_room_volumes(
    user_input: Mapping[str, Any], data: dict[str, Any], errors: dict[str, str]
) -> None:
    """Volumes as whole numbers, then the chimes' volume rules; stored as read.

    Whole numbers are the form's own concern (a number box gives floats);
    the rules are volume_rules.py's, as for the action and storage.
    """
    numbers: dict[str, int] = {}
    for key, error in (
        (CONF_VOLUME, "invalid_volume"),
        (CONF_VOLUME_OFFSET, "invalid_volume_offset"),
        (CONF_VOLUME_MIN, "invalid_volume"),
        (CONF_VOLUME_MAX, "invalid_volume"),
    ):
        if (value := user_input.get(key)) is None:
            continue
        if whole_number(value):
            numbers[key] = int(value)
        else:
            errors[key] = error
    zone_volumes: dict[str, int] = {}
    for row in user_input.get(CONF_ZONE_VOLUMES) or []:
        fields = row if isinstance(row, Mapping) else {}
        uid, level = fields.get(FIELD_ZONE), fields.get(FIELD_VOLUME)
        if not (isinstance(uid, str) and isinstance(level, int | float)) or (
            not whole_number(level)
        ):
            errors[CONF_ZONE_VOLUMES] = "invalid_zone_volume"
            break
        zone_volumes[uid] = int(level)
    if errors:
        return
    try:
        check_volume_rules(
            numbers.get(CONF_VOLUME),
            zone_volumes,
            numbers.get(CONF_VOLUME_OFFSET),
            numbers.get(CONF_VOLUME_MIN, 0),
            numbers.get(CONF_VOLUME_MAX, 100),
        )
    except VolumeRuleError as err:
        errors[err.field] = err.key
        return
    if zone_volumes:
        data[CONF_ZONE_VOLUMES] = zone_volumes
    # A bound left at its default is not stored: the runtime reads it so.
    for key, default in ((CONF_VOLUME_MIN, 0), (CONF_VOLUME_MAX, 100)):
        if numbers.get(key, default) == default:
            numbers.pop(key, None)
    data.update(numbers)


def _validate_more_times(
    user_input: Mapping[str, Any], data: dict[str, Any], errors: dict[str, str]
) -> None:
    """More times as "HH:MM:SS", in order; a repeat needs its minutes and an end."""
    times: set[str] = set()
    for text in user_input.get(CONF_MORE_TIMES) or []:
        if not str(text).strip():
            continue
        try:
            times.add(cv.time(str(text).strip()).strftime("%H:%M:%S"))
        except probatio.Invalid:
            errors[CONF_MORE_TIMES] = "invalid_time"
            break
    if times:
        data[CONF_MORE_TIMES] = sorted(times)
    minutes, until = (
        user_input.get(CONF_REPEAT_MINUTES),
        user_input.get(CONF_REPEAT_UNTIL),
    )
    if minutes is None and not until:
        return
    if minutes is None or not until:
        errors[CONF_REPEAT_UNTIL if minutes is not None else CONF_REPEAT_MINUTES] = (
            "repeat_half"
        )
        return
    if not whole_number(minutes, MIN_REPEAT_MINUTES, MAX_REPEAT_MINUTES):
        errors[CONF_REPEAT_MINUTES] = "invalid_repeat"
        return
    end = cv.time(until)
    if CONF_TIME in data and end <= time.fromisoformat(data[CONF_TIME]):
        errors[CONF_REPEAT_UNTIL] = "repeat_until_before"
        return
    data[CONF_REPEAT_MINUTES] = int(minutes)
    data[CONF_REPEAT_UNTIL] = end.strftime("%H:%M:00")


# Where the form shows why the settings make no clock (clock.clock_error).
CLOCK_ERROR_FIELDS: Final = {
    "clock_full_hour": CONF_TIME,
    "clock_until_missing": CONF_CLOCK_UNTIL,
    "clock_until_full_hour": CONF_CLOCK_UNTIL,
    "clock_until_before": CONF_CLOCK_UNTIL,
    "clock_and_times": CONF_CLOCK,
}


def _validate_clock(
    user_input: Mapping[str, Any], data: dict[str, Any], errors: dict[str, str]
) -> None:
    """A clock's last hour, stored only for a clock, by the rules of clock.py."""
    clock = user_input.get(CONF_CLOCK, CLOCK_OFF)
    if clock == CLOCK_OFF:
        return
    until = user_input.get(CONF_CLOCK_UNTIL)
    last = cv.time(until) if until else None
    error = clock_error(
        clock,
        time.fromisoformat(data[CONF_TIME]),
        last,
        more_times=CONF_MORE_TIMES in data,
        repeat=CONF_REPEAT_MINUTES in data,
    )
    if error is not None:
        errors.setdefault(CLOCK_ERROR_FIELDS[error], error)
        return
    data[CONF_CLOCK] = clock
    data[CONF_CLOCK_UNTIL] = f"{last:%H:%M:%S}"


def _form_values(current: Mapping[str, Any]) -> dict[str, Any]:
    """Stored settings as the form shows them: room volumes as a list."""
    values = dict(current)
    if isinstance(stored := current.get(CONF_ZONE_VOLUMES), Mapping):
        values[CONF_ZONE_VOLUMES] = [
            {FIELD_ZONE: uid, FIELD_VOLUME: level} for uid, level in stored.items()
        ]
    return values


def _library_option(chime: LibraryChime) -> SelectOptionDict:
    """A library file by name, with its length when it could be read."""
    if chime.duration is None:
        return SelectOptionDict(value=chime.name, label=chime.name)
    return SelectOptionDict(
        value=chime.name, label=f"{chime.name} ({chime.duration:.1f} s)"
    )
