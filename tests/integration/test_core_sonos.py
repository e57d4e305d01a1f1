"""Beside Home Assistant core's Sonos integration, as nearly every user runs it.

Core shares SoCo with us and follows every speaker through GENA events; a
chime must leave its entities showing what played before, and neither
integration may log errors because of the other.
"""

import asyncio
from collections.abc import Awaitable, Callable
import logging
import time
from typing import Any
from unittest.mock import patch

from homeassistant.components.media_player import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_TITLE,
    ATTR_MEDIA_VOLUME_LEVEL,
    MediaPlayerState,
)
from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    ServiceCall,
    State,
    callback,
)
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.const import CONF_HOSTS, DOMAIN, SERVICE_PLAY
from custom_components.sonos_chime.core_sonos_actions import unexpected_registration
from sonos_emulator import Household, Track

from .core_sonos import CORE_SERVICES, SONOS, CoreSonos, problems, wait_for
from .helpers import (
    SEARCH,
    household_entry,
    put_in_library,
    set_up,
    state_changing_actions,
)

QUEUE = [
    Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}", 180.0) for n in (1, 2, 3)
]
RADIO = "x-rincon-mp3radio://radio.example.com/stream.mp3"


def logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What set-up (fixtures, core's included) and the test itself logged."""
    return caplog.get_records("setup") + caplog.records


def soap_calls(household: Household, name: str) -> list[str]:
    """The SOAP actions one speaker answered since its events were cleared."""
    return [
        str(event["action"])
        for event in household[name].events()
        if event["kind"] == "soap"
    ]


def is_playing(state: State, track: Track, volume: int) -> bool:
    """Core shows this track playing at this volume."""
    return (
        state.state == MediaPlayerState.PLAYING
        and state.attributes.get(ATTR_MEDIA_TITLE) == track.title
        and state.attributes.get(ATTR_MEDIA_CONTENT_ID) == track.uri
        and state.attributes.get(ATTR_MEDIA_VOLUME_LEVEL) == volume / 100
    )


def shows(now: State, then: State) -> bool:
    """Core shows the same state, media and volume as it did then."""
    return now.state == then.state and all(
        now.attributes.get(key) == then.attributes.get(key)
        for key in (ATTR_MEDIA_CONTENT_ID, ATTR_MEDIA_TITLE, ATTR_MEDIA_VOLUME_LEVEL)
    )


def zone_entities(hass: HomeAssistant, entry: MockConfigEntry, uid: str) -> list[str]:
    """Our entities of one chime zone (their unique ids carry the uid)."""
    return [
        entity.entity_id
        for entity in er.async_entries_for_config_entry(
            er.async_get(hass), entry.entry_id
        )
        if f"_{uid}_" in entity.unique_id
    ]


def speaker_devices(hass: HomeAssistant, uid: str) -> list[dr.DeviceEntry]:
    """Every device, ours or core's, that stands for this speaker."""
    return [
        device
        for device in dr.async_get(hass).devices
        if device.identifiers & {(SONOS, uid), (DOMAIN, uid)}
    ]


async def test_core_follows_the_household_by_events(
    hass: HomeAssistant,
    household: Household,
    core_sonos: CoreSonos,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Every speaker gets core's media player, kept current by pushed events."""
    for speaker in household.speakers:
        state = core_sonos.state(speaker.name)
        assert state.state == MediaPlayerState.IDLE
        assert state.name == speaker.name
        assert state.attributes[ATTR_MEDIA_VOLUME_LEVEL] == 0.2
    # Core subscribed to all it follows (the fixture waited for that), once.
    for speaker in household.speakers:
        services = [sub.service for sub in household.eventing.subscriptions(speaker)]
        assert sorted(services) == sorted(CORE_SERVICES), speaker.name

    kitchen = household["Kitchen"]
    household.clear_events()
    kitchen.set_volume(33)  # as the Sonos app would: no SOAP from Home Assistant
    await wait_for(
        hass,
        lambda: core_sonos.state("Kitchen").attributes[ATTR_MEDIA_VOLUME_LEVEL] == 0.33,
    )
    assert soap_calls(household, "Kitchen") == []  # the event carried it

    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0)
    await wait_for(hass, lambda: is_playing(core_sonos.state("Kitchen"), QUEUE[1], 33))
    # Core reads the track's details after the event; it never asks for the
    # transport state, which the event brought.
    assert "GetTransportInfo" not in soap_calls(household, "Kitchen")

    household.join("Living Room", "Kitchen")
    kitchen_id = core_sonos.entity_id("Kitchen")
    room_id = core_sonos.entity_id("Living Room")
    await wait_for(
        hass,
        lambda: (
            core_sonos.state("Kitchen").attributes.get("group_members")
            == [kitchen_id, room_id]
        ),
    )
    await wait_for(
        hass, lambda: is_playing(core_sonos.state("Living Room"), QUEUE[1], 20)
    )

    assert problems(logged(caplog)) == []


@pytest.mark.usefixtures("loaded_entry")
async def test_a_chime_leaves_core_showing_what_played(
    hass: HomeAssistant,
    household: Household,
    core_sonos: CoreSonos,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Core sees the chime come and go, and ends where each zone was (ours first)."""
    kitchen, room = household["Kitchen"], household["Living Room"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0)
    kitchen.set_volume(25)
    room.set_source(RADIO, state="PLAYING")
    room.set_volume(15)
    await wait_for(hass, lambda: is_playing(core_sonos.state("Kitchen"), QUEUE[1], 25))
    await wait_for(
        hass,
        lambda: (
            core_sonos.state("Living Room").attributes.get(ATTR_MEDIA_CONTENT_ID)
            == RADIO
        ),
    )
    before = {
        speaker.name: core_sonos.state(speaker.name) for speaker in household.speakers
    }
    seen: list[tuple[str, Any, Any]] = []

    @callback
    def record(event: Event[EventStateChangedData]) -> None:
        if (state := event.data["new_state"]) is not None:
            seen.append(
                (
                    state.state,
                    state.attributes.get(ATTR_MEDIA_CONTENT_ID),
                    state.attributes.get(ATTR_MEDIA_VOLUME_LEVEL),
                )
            )

    unsubscribe = async_track_state_change_event(
        hass, [core_sonos.entity_id("Kitchen")], record
    )
    put_in_library(hass, "short.mp3", "chime_short.mp3")

    response = await hass.services.async_call(
        DOMAIN,
        SERVICE_PLAY,
        {"media": "short.mp3", "volume": 40},
        blocking=True,
        return_response=True,
    )

    assert response is not None
    for name, zone in response["zones"].items():
        playing = name != "Chicken Coop"  # idle: chimed, nothing to play again
        assert (zone["outcome"], zone["resumed"]) == ("chimed", playing), name
    await wait_for(hass, lambda: is_playing(core_sonos.state("Kitchen"), QUEUE[1], 25))
    unsubscribe()
    chime = f"{hass.config.internal_url}/local/sonos_chime/short.mp3"
    assert (MediaPlayerState.PLAYING, chime, 0.4) in seen  # core followed it live

    for name in ("Kitchen", "Living Room"):
        await wait_for(
            hass, lambda name=name: shows(core_sonos.state(name), before[name])
        )
        assert core_sonos.state(name).state == MediaPlayerState.PLAYING
    assert problems(logged(caplog)) == []


@pytest.mark.usefixtures("loaded_entry")
async def test_an_idle_zone_shows_idle_again(
    hass: HomeAssistant, household: Household, core_sonos: CoreSonos
) -> None:
    """A zone that played nothing should show nothing once the chime is over."""
    before = core_sonos.state("Chicken Coop")
    assert before.state == MediaPlayerState.IDLE
    put_in_library(hass, "short.mp3", "chime_short.mp3")

    await hass.services.async_call(
        DOMAIN,
        SERVICE_PLAY,
        {"media": "short.mp3", "zones": ["Chicken Coop"]},
        blocking=True,
        return_response=True,
    )

    await wait_for(
        hass, lambda: shows(core_sonos.state("Chicken Coop"), before), within=2.0
    )


def assert_on_core_devices(
    hass: HomeAssistant, household: Household, entry: MockConfigEntry
) -> None:
    """One device per speaker, core's, and every zone entity of ours on it."""
    for name in ("Kitchen", "Chicken Coop"):
        uid = household[name].uid
        [device] = speaker_devices(hass, uid)
        assert device.identifiers == {(SONOS, uid)}
        assert zone_entities(hass, entry, uid), name
        for entity_id in zone_entities(hass, entry, uid):
            entity = er.async_get(hass).async_get(entity_id)
            assert entity is not None
            assert entity.device_id == device.id, entity_id
            assert hass.states.get(entity_id) is not None, entity_id


@pytest.mark.usefixtures("ha_server")
async def test_core_first_then_ours_one_device_per_speaker(
    hass: HomeAssistant,
    household: Household,
    core_sonos_factory: Callable[[], Awaitable[CoreSonos]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set up after core, our zone entities join core's speaker devices."""
    await core_sonos_factory()
    entry = household_entry(household, zones=["Kitchen", "Chicken Coop"])
    await set_up(hass, entry)

    assert_on_core_devices(hass, household, entry)
    assert problems(logged(caplog)) == []


@pytest.mark.usefixtures("ha_server")
async def test_ours_first_then_core_one_device_per_speaker(
    hass: HomeAssistant,
    household: Household,
    core_sonos_factory: Callable[[], Awaitable[CoreSonos]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Set up before core, our zone entities move onto core's devices."""
    entry = household_entry(household, zones=["Kitchen", "Chicken Coop"])
    await set_up(hass, entry)
    await core_sonos_factory()

    assert_on_core_devices(hass, household, entry)
    assert problems(logged(caplog)) == []


async def test_household_core_knows_is_offered(
    hass: HomeAssistant,
    household: Household,
    core_sonos: CoreSonos,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Adding the household takes one click when core's Sonos follows it."""
    with patch(SEARCH, side_effect=AssertionError("searched the network anyway")):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_household"

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "all_zones"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == household.household_id
    assert result["data"] == {
        CONF_HOSTS: sorted(speaker.ip for speaker in household.speakers)
    }
    await hass.async_block_till_done()
    assert problems(logged(caplog)) == []


async def chime_playing(
    hass: HomeAssistant, household: Household, name: str, media: str
) -> asyncio.Task[Any]:
    """A chime started through the action, once the speaker plays it."""
    task = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            SERVICE_PLAY,
            {"media": media, "zones": [name]},
            blocking=True,
            return_response=True,
        )
    )
    url = f"{hass.config.internal_url}/local/sonos_chime/{media}"
    # Not wait_for: blocking till done would wait for the whole chime.
    async with asyncio.timeout(5):
        while household[name].state()["track_uri"] != url and not task.done():  # noqa: ASYNC110 - the speaker is polled
            await asyncio.sleep(0.02)
    assert not task.done(), task.result()
    return task


def speaker_plays(household: Household, name: str, track: Track, volume: int) -> bool:
    """The speaker itself reports this queue track playing at this volume."""
    state = household[name].state()
    return (
        state["transport_state"] == "PLAYING"
        and state["track_uri"] == track.uri
        and state["volume"] == volume
    )


@pytest.mark.usefixtures("loaded_entry")
async def test_core_snapshot_mid_chime_waits_for_the_restore(
    hass: HomeAssistant,
    household: Household,
    core_sonos: CoreSonos,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Chime first: core's snapshot is taken once the chime put Kitchen back."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0)
    kitchen.set_volume(25)
    put_in_library(hass, "long.mp3", "chime_long.mp3")
    kitchen_id = core_sonos.entity_id("Kitchen")

    chime = await chime_playing(hass, household, "Kitchen", "long.mp3")
    await hass.services.async_call(
        SONOS, "snapshot", {"entity_id": kitchen_id, "with_group": True}, blocking=True
    )
    assert chime.done()  # the snapshot waited for the chime's restore
    assert chime.result()["zones"]["Kitchen"]["resumed"] is True

    # Something else plays, then core's restore brings back what it saved:
    # the queue, never the chime.
    kitchen.set_source(RADIO, state="PLAYING")
    kitchen.set_volume(60)
    await hass.services.async_call(
        SONOS, "restore", {"entity_id": kitchen_id, "with_group": True}, blocking=True
    )
    await wait_for(hass, lambda: speaker_plays(household, "Kitchen", QUEUE[1], 25))
    await wait_for(hass, lambda: is_playing(core_sonos.state("Kitchen"), QUEUE[1], 25))
    assert problems(logged(caplog)) == []


@pytest.mark.usefixtures("loaded_entry")
async def test_core_restore_mid_chime_waits_for_the_chime(
    hass: HomeAssistant,
    household: Household,
    core_sonos: CoreSonos,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Snapshot first: core's restore comes after the chime, and wins."""
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0)
    kitchen.set_volume(25)
    await wait_for(hass, lambda: is_playing(core_sonos.state("Kitchen"), QUEUE[1], 25))
    kitchen_id = core_sonos.entity_id("Kitchen")
    await hass.services.async_call(
        SONOS, "snapshot", {"entity_id": kitchen_id, "with_group": True}, blocking=True
    )
    # An announcement plays (as an automation would between snapshot and
    # restore) when the chime's time comes.
    kitchen.set_source(RADIO, state="PLAYING")
    kitchen.set_volume(35)
    put_in_library(hass, "long.mp3", "chime_long.mp3")

    chime = await chime_playing(hass, household, "Kitchen", "long.mp3")
    await hass.services.async_call(
        SONOS, "restore", {"entity_id": kitchen_id, "with_group": True}, blocking=True
    )
    assert chime.done()  # the restore waited for the chime's own restore
    zone = chime.result()["zones"]["Kitchen"]
    assert (zone["outcome"], zone["resumed"]) == ("chimed", True)

    await wait_for(hass, lambda: speaker_plays(household, "Kitchen", QUEUE[1], 25))
    await wait_for(hass, lambda: is_playing(core_sonos.state("Kitchen"), QUEUE[1], 25))
    assert problems(logged(caplog)) == []


@pytest.mark.usefixtures("ha_server")
async def test_a_chime_waits_for_core_snapshot(
    hass: HomeAssistant,
    household: Household,
    core_sonos_factory: Callable[[], Awaitable[CoreSonos]],
) -> None:
    """Snapshot under way: the chime touches nothing until it has finished.

    Core set up first: its actions were registered before ours came.
    """
    core_sonos = await core_sonos_factory()
    await set_up(hass, household_entry(household, all_zones=True))
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0)
    await wait_for(hass, lambda: is_playing(core_sonos.state("Kitchen"), QUEUE[1], 20))
    put_in_library(hass, "short.mp3", "chime_short.mp3")
    kitchen.set_latency(0.2)  # a snapshot long enough for the chime to arrive
    kitchen.clear_events()
    snapshot = hass.async_create_task(
        hass.services.async_call(
            SONOS,
            "snapshot",
            {"entity_id": core_sonos.entity_id("Kitchen"), "with_group": True},
            blocking=True,
        )
    )
    async with asyncio.timeout(5):
        while not soap_calls(household, "Kitchen"):  # noqa: ASYNC110 - the speaker is polled
            await asyncio.sleep(0.01)

    chime = hass.async_create_task(
        hass.services.async_call(
            DOMAIN,
            SERVICE_PLAY,
            {"media": "short.mp3", "zones": ["Kitchen"]},
            blocking=True,
            return_response=True,
        )
    )
    await snapshot
    snapshot_done = time.time()
    response = await chime

    assert response["zones"]["Kitchen"]["outcome"] == "chimed"
    changes = [
        event["t"]
        for event in kitchen.events()
        if event["kind"] == "soap"
        and (event["speaker"], event["action"]) in state_changing_actions(household)
    ]
    assert changes
    assert min(changes) > snapshot_done


@pytest.mark.usefixtures("ha_server")
async def test_only_cores_own_registration_is_wrapped(
    hass: HomeAssistant,
    household: Household,
    core_sonos_factory: Callable[[], Awaitable[CoreSonos]],
) -> None:
    """Core's two actions are the registrations we expect, and are wrapped."""
    await core_sonos_factory()
    services = hass.services.async_services_for_domain(SONOS)
    for action in ("snapshot", "restore"):
        assert unexpected_registration(services[action]) is None, action
    await set_up(hass, household_entry(household, all_zones=True))
    services = hass.services.async_services_for_domain(SONOS)
    for action in ("snapshot", "restore"):
        assert getattr(services[action].job.target, "_sonos_chime_guarded", False)


@pytest.mark.usefixtures("ha_server")
async def test_a_sonos_snapshot_not_cores_is_left_alone(
    hass: HomeAssistant, household: Household, caplog: pytest.LogCaptureFixture
) -> None:
    """Another sonos.snapshot keeps its own handler; the log says so once."""
    calls: list[ServiceCall] = []

    async def other_snapshot(call: ServiceCall) -> None:
        calls.append(call)

    hass.services.async_register(SONOS, "snapshot", other_snapshot)
    await set_up(hass, household_entry(household, all_zones=True))
    # Registered again (as on a reload of whatever owns it): still left alone.
    hass.services.async_register(SONOS, "snapshot", other_snapshot)
    await hass.async_block_till_done()

    assert hass.services.async_services_for_domain(SONOS)["snapshot"].job.target is (
        other_snapshot
    )
    await hass.services.async_call(SONOS, "snapshot", {"anything": 1}, blocking=True)
    assert [call.data for call in calls] == [{"anything": 1}]
    warnings = [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and "sonos.snapshot" in record.getMessage()
    ]
    assert warnings == [
        "sonos.snapshot is left as it is, not made to wait for chimes: it is not a "
        "batched entity action. A snapshot taken mid-chime may save the chime"
    ]
