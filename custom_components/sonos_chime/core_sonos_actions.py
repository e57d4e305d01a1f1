"""Core Sonos's snapshot and restore wait while a chime holds the household.

`sonos.snapshot` taken mid-chime would save the chime as the state to come
back to, and a `sonos.restore` mid-chime would be undone by the chime's own
restore a moment later. So both wait until every running chime has put its
zones back, and no chime starts while one of them runs: whichever comes
first, each sees the household as the other left it.

Core registers its actions once, when its integration is set up; they are
wrapped then (or now, when core came first), keeping core's own schema.
"""

from collections.abc import Mapping
from inspect import isawaitable
from typing import Any, Final

from homeassistant.const import ATTR_DOMAIN, ATTR_SERVICE, EVENT_SERVICE_REGISTERED
from homeassistant.core import (
    EntityServiceResponse,
    Event,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    callback,
)
from homeassistant.exceptions import HomeAssistantError

from .const import DOMAIN, LOGGER, SONOS_DOMAIN
from .engine import HouseholdBusyError
from .guard import async_get_guard

GUARDED_ACTIONS: Final = frozenset({"snapshot", "restore"})
# Longer than any chime takes from its first pause to its last restore.
WAIT_FOR_CHIMES: Final = 120.0
_GUARDED: Final = "_sonos_chime_guarded"


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

    # Core's snapshot and restore are entity actions: they may answer per entity.
    async def guarded(call: ServiceCall) -> ServiceResponse | EntityServiceResponse:
        try:
            async with async_get_guard(hass).hold_all(WAIT_FOR_CHIMES):
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
