"""Core Sonos's snapshot and restore wait while a chime holds the household.

`sonos.snapshot` taken mid-chime would save the chime as the state to come
back to, and a `sonos.restore` mid-chime would be undone by the chime's own
restore a moment later. So both wait until every running chime has put its
zones back, and no chime starts while one of them runs: whichever comes
first, each sees the household as the other left it.

Core registers its actions once, when its integration is set up; they are
wrapped then (or now, when core came first), keeping core's own schema. Only
a registration that is core's own, as this integration knows it, is wrapped:
anything else (another integration's action of that name, a core that
registers it differently) is left untouched, and said once in the log.
"""

from collections.abc import Mapping
from functools import partial
from inspect import isawaitable
from typing import Any, Final

from homeassistant.const import (
    ATTR_DOMAIN,
    ATTR_ENTITY_ID,
    ATTR_SERVICE,
    EVENT_SERVICE_REGISTERED,
)
from homeassistant.core import (
    EntityServiceResponse,
    Event,
    HomeAssistant,
    Service,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.service import batched_entity_service_call
from homeassistant.util.hass_dict import HassKey
import probatio

from .const import DOMAIN, LOGGER, SONOS_DOMAIN
from .engine import HouseholdBusyError
from .guard import async_get_guard

GUARDED_ACTIONS: Final = frozenset({"snapshot", "restore"})
_GUARDED: Final = "_sonos_chime_guarded"
# Where core's Sonos defines the handlers of its snapshot and restore.
CORE_HANDLERS: Final = "homeassistant.components.sonos.services"
# Actions found registered otherwise, already said in the log.
_LEFT_ALONE: HassKey[set[str]] = HassKey(f"{DOMAIN}_core_actions_left_alone")


def unexpected_registration(service: Service) -> str | None:
    """Why a registration is not core Sonos's own, in words; None when it is.

    Core registers both as batched entity actions of its services module,
    answering nothing, taking a target and with_group.
    """
    target = service.job.target
    if not (isinstance(target, partial) and target.func is batched_entity_service_call):
        return "it is not a batched entity action"
    handler = target.args[2] if len(target.args) > 2 else None
    if getattr(handler, "__module__", None) != CORE_HANDLERS:
        return "its handler is not core Sonos's"
    if service.supports_response is not SupportsResponse.NONE:
        return "it answers"
    try:
        if service.schema is None:
            return "it has no schema"
        service.schema({ATTR_ENTITY_ID: ["media_player.sonos"], "with_group": True})
    except probatio.Invalid as err:
        return f"its schema refuses a target with with_group ({err})"
    return None


@callback
def async_guard_core_sonos_actions(hass: HomeAssistant) -> None:
    """Wrap core's actions now if registered, else when they are."""

    @callback
    def registered(event: Event) -> None:
        _async_wrap(hass, event.data[ATTR_SERVICE])

    @callback
    def is_guarded_action(data: Mapping[str, Any]) -> bool:
        return (
            data[ATTR_DOMAIN] == SONOS_DOMAIN and data[ATTR_SERVICE] in GUARDED_ACTIONS
        )

    hass.bus.async_listen(
        EVENT_SERVICE_REGISTERED, registered, event_filter=is_guarded_action
    )
    for action in GUARDED_ACTIONS:
        _async_wrap(hass, action)


@callback
def _async_wrap(hass: HomeAssistant, action: str) -> None:
    """Register core's action again, waiting for chimes before it runs."""
    original = hass.services.async_services_for_domain(SONOS_DOMAIN).get(action)
    if original is None or getattr(original.job.target, _GUARDED, False):
        return
    if (why := unexpected_registration(original)) is not None:
        left_alone = hass.data.setdefault(_LEFT_ALONE, set())
        if action not in left_alone:
            left_alone.add(action)
            LOGGER.warning(
                "%s.%s is left as it is, not made to wait for chimes: %s. "
                "A snapshot taken mid-chime may save the chime",
                SONOS_DOMAIN,
                action,
                why,
            )
        return

    # Core's snapshot and restore are entity actions: they may answer per entity.
    async def guarded(call: ServiceCall) -> ServiceResponse | EntityServiceResponse:
        try:
            async with async_get_guard(hass).hold_all():
                result = hass.async_run_hass_job(original.job, call)
                return await result if isawaitable(result) else result
        except HouseholdBusyError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="household_busy"
            ) from err

    setattr(guarded, _GUARDED, True)
    LOGGER.debug("%s.%s now waits for running chimes", SONOS_DOMAIN, action)
    hass.services.async_register(
        SONOS_DOMAIN,
        action,
        guarded,
        original.schema,
        original.supports_response,
        description_placeholders=original.description_placeholders,
    )
