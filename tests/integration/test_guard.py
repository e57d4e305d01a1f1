"""The household guard: one holder per household, hold_all waits for every one."""

import asyncio

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.engine import HouseholdBusyError
from custom_components.sonos_chime.engine.engine import household_lock
from custom_components.sonos_chime.guard import HouseholdGuard
from sonos_emulator import Household

from .helpers import play, put_in_library


async def test_a_second_holder_waits_then_gives_up() -> None:
    """A household held longer than the wait is reported busy."""
    guard = HouseholdGuard()
    async with guard.hold("Sonos_1", 1.0):
        with pytest.raises(HouseholdBusyError):
            async with guard.hold("Sonos_1", 0.01):
                pass
        async with guard.hold("Sonos_2", 0.01):  # other households are free
            pass
    async with guard.hold("Sonos_1", 0.01):  # and it is free again
        pass


async def test_hold_all_waits_for_every_household() -> None:
    """hold_all starts once the last chime ended; nothing starts meanwhile."""
    guard = HouseholdGuard()
    guard.add("Sonos_1")
    guard.add("Sonos_2")
    order: list[str] = []
    chime_may_end = asyncio.Event()

    async def chime() -> None:
        async with guard.hold("Sonos_2", 1.0):
            order.append("chime")
            await chime_may_end.wait()
            order.append("chime restored")

    async def snapshot() -> None:
        async with guard.hold_all(1.0):
            order.append("snapshot")
            await asyncio.sleep(0)
            order.append("snapshot done")

    async def late_chime() -> None:
        async with guard.hold("Sonos_1", 1.0):
            order.append("late chime")

    first = asyncio.create_task(chime())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(snapshot())
    await asyncio.sleep(0)
    late = asyncio.create_task(late_chime())
    await asyncio.sleep(0)
    chime_may_end.set()
    await asyncio.gather(first, waiting, late)

    assert order == [
        "chime",
        "chime restored",
        "snapshot",
        "snapshot done",
        "late chime",
    ]


async def test_hold_all_gives_up_on_a_stuck_household() -> None:
    """Core's action is refused, not run mid-chime, when a chime never ends."""
    guard = HouseholdGuard()
    async with guard.hold("Sonos_1", 1.0):
        with pytest.raises(HouseholdBusyError):
            async with guard.hold_all(0.01):
                pass
        async with guard.hold("Sonos_2", 0.01):  # hold_all let go of the others
            pass


@pytest.mark.usefixtures("ha_server")
async def test_in_home_assistant_the_guard_is_the_only_lock(
    hass: HomeAssistant, loaded_entry: MockConfigEntry, household: Household
) -> None:
    """The engine's own lock, held elsewhere, does not stop a chime here."""
    put_in_library(hass, "short.mp3")
    lock = household_lock(household.household_id)
    assert lock.acquire(timeout=1)
    try:
        response = await play(hass, media="short.mp3", zones=["Kitchen"])
    finally:
        lock.release()
    assert response["zones"]["Kitchen"]["outcome"] == "chimed"
