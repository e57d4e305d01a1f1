"""Two sonos_chime.play calls at once: the second waits, nothing but the original is restored."""

import asyncio
import time

from homeassistant.core import HomeAssistant
import pytest

from sonos_emulator import Household, Track
from tests.conftest import assert_resumed

from .helpers import (
    play,
    put_in_library,
)


@pytest.mark.usefixtures("loaded_entry")
async def test_overlapping_plays_restore_the_state_from_before_the_first(
    hass: HomeAssistant, household: Household
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(
        [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}") for n in (1, 2, 3)]
    )
    kitchen.set_volume(9)
    since = time.monotonic()
    kitchen.play_queue(track=3, position=40.0)
    put_in_library(hass, "long.mp3", "chime_long.mp3")
    put_in_library(hass, "short.mp3", "chime_short.mp3")
    kitchen.clear_events()

    first = hass.async_create_task(
        play(hass, media="long.mp3", zones=["Kitchen"], volume=30)
    )
    long_url = f"{hass.config.internal_url}/local/sonos_chime/long.mp3"
    async with asyncio.timeout(5):
        while kitchen.state()["track_uri"] != long_url:  # noqa: ASYNC110 - the speaker is polled
            await asyncio.sleep(0.02)
    second = await play(hass, media="short.mp3", zones=["Kitchen"], volume=50)
    first_response = await first

    for response in (first_response, second):
        assert response["zones"]["Kitchen"]["outcome"] == "chimed"
        assert response["zones"]["Kitchen"]["resumed"] is True
    queue = f"x-rincon-queue:{kitchen.uid}#0"
    played: list[str] = []
    for event in kitchen.events():
        playing = event["kind"] == "transport" and event["state"] == "PLAYING"
        if playing and (not played or played[-1] != event["uri"]):
            played.append(event["uri"])
    short_url = f"{hass.config.internal_url}/local/sonos_chime/short.mp3"
    assert played == [long_url, queue, short_url, queue]
    state = kitchen.state()
    assert state["volume"] == 9
    assert state["track_number"] == 3
    # Both chimes sounded while the queue stood still.
    silent = sum(response["duration"] for response in (first_response, second))
    assert_resumed(state, 40.0, since, silent)
