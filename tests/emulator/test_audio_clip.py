"""The local websocket API's audioClip, driven by the real sonos-websocket client.

``SonosWebsocket(ip, player_id=uid, session=...)`` is exactly how Home
Assistant core's Sonos integration builds it; it then reads only
``response["success"]``, ``data["id"]`` and, on failure, ``response["type"]``
(``globalError`` makes it fall back to plain playback).
"""

import asyncio
from collections.abc import AsyncIterator, Callable
import threading
from typing import Any

import aiohttp
import pytest
from sonos_websocket import SonosWebsocket
from sonos_websocket.exception import (
    SonosWSConnectionError,
    Unauthorized,
    Unsupported,
)

from sonos_emulator import Household, Speaker, Track
from sonos_emulator.audio_clip import API_KEY, CLIP_GROUP_PAUSE, SUBPROTOCOL
from tests.conftest import EMULATOR_NET, MediaServer

from .conftest import soco

# sonos-websocket 0.2.0 still passes aiohttp's verify_ssl; not ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:verify_ssl is deprecated:DeprecationWarning"
)
QUEUE = [
    Track(f"x-file-cifs://nas/music/{n:02}.mp3", f"Song {n}", 180.0)
    for n in range(1, 4)
]
EVENT_TIMEOUT = 5.0
SHORT_MP3 = 0.627  # tests/media/chime_short.mp3


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """One client session per test, as Home Assistant shares one."""
    async with aiohttp.ClientSession() as client:
        yield client


def home_assistant(speaker: Speaker, session: aiohttp.ClientSession) -> SonosWebsocket:
    """The client as HA core's SonosSpeaker builds it."""
    return SonosWebsocket(speaker.ip, player_id=speaker.uid, session=session)


class Listener:
    """A second connection subscribed to audioClip events, as aiosonos does."""

    def __init__(self, speaker: Speaker, session: aiohttp.ClientSession) -> None:
        self.client = SonosWebsocket(speaker.ip, session=session)
        self.speaker = speaker

    async def subscribe(self) -> Listener:
        header, _ = await self.client.send_command(
            {
                "namespace": "audioClip:1",
                "command": "subscribe",
                "playerId": self.speaker.uid,
            }
        )
        assert header["success"] is True
        return self

    async def next(self) -> dict[str, Any]:
        """The next audioClipStatus event's clip object."""
        assert self.client.ws is not None
        header, body = await self.client.ws.receive_json(timeout=EVENT_TIMEOUT)
        assert header["type"] == "audioClipStatus"
        assert header["playerId"] == self.speaker.uid
        (clip,) = body["audioClips"]
        return clip

    async def close(self) -> None:
        await self.client.close()


def clip_events(speaker: Speaker) -> list[dict[str, Any]]:
    return [e for e in speaker.events() if e["kind"] == "clip"]


def playing_queue(household: Household, name: str = "Kitchen") -> Speaker:
    speaker = household[name]
    speaker.set_queue(QUEUE)
    speaker.play_queue(track=2, position=30.0)
    assert speaker.state()["transport_state"] == "PLAYING"
    return speaker


async def test_clip_plays_over_the_queue_for_its_real_duration(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = playing_queue(household)
    listener = await Listener(kitchen, session).subscribe()
    url = media_server.url("chime_short.mp3")
    before = kitchen.state()

    response, data = await home_assistant(kitchen, session).play_clip(url, volume=35)

    assert response["success"] is True  # what HA core checks
    assert response["type"] == "audioClip"
    assert response["playerId"] == kitchen.uid
    assert data == {
        "_objectType": "audioClip",
        "id": data["id"],  # HA core keeps it as last_announce_id
        "name": "Sonos Websocket",
        "appId": "com.jjlawren.sonos_websocket",
        "priority": "LOW",
        "clipType": "CUSTOM",
        "status": "ACTIVE",
    }
    assert (await listener.next())["status"] == "ACTIVE"
    during = kitchen.state()
    assert during["clip"]["url"] == url
    assert during["clip"]["volume"] == 35
    assert during["clip"]["status"] == "ACTIVE"

    done = await listener.next()
    after = kitchen.state()
    assert (done["id"], done["status"]) == (data["id"], "DONE")
    assert after["clip"] is None
    # The music was only ducked: transport and volume are untouched.
    for state in (during, after):
        assert state["transport_state"] == "PLAYING"
        assert state["track_number"] == before["track_number"] == 2
        assert state["volume"] == 20
    assert after["position"] - before["position"] >= SHORT_MP3
    assert soco(kitchen).volume == 20

    fetch = next(
        e for e in kitchen.events() if e["kind"] == "media_fetch" and e.get("clip")
    )
    assert fetch["duration"] == pytest.approx(SHORT_MP3, abs=0.01)
    active, ended = clip_events(kitchen)
    assert (active["status"], active["volume"], active["url"]) == ("ACTIVE", 35, url)
    assert ended["status"] == "DONE"
    assert ended["t"] - fetch["t"] == pytest.approx(SHORT_MP3, abs=0.01)
    await listener.close()


async def test_clip_volume_defaults_to_the_speakers(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_volume(27)
    ha = home_assistant(kitchen, session)
    response, data = await ha.play_clip(media_server.url("chime_long.mp3"))
    assert response["success"] is True
    assert kitchen.state()["clip"]["volume"] == 27
    await ha.cancel_clip(data["id"])
    await ha.close()


async def test_newer_clip_interrupts_and_answers_stay_answers(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = household["Kitchen"]
    listener = await Listener(kitchen, session).subscribe()
    ha = home_assistant(kitchen, session)  # one connection for both, as HA keeps it
    long_url = media_server.url("chime_long.mp3")

    first = await ha.play_clip(long_url)
    second = await ha.play_clip(media_server.url("chime_short.wav"))

    assert second[0]["response"] == "loadAudioClip"
    assert second[1]["id"] != first[1]["id"]
    seen = [await listener.next() for _ in range(4)]
    assert [(c["id"], c["status"]) for c in seen] == [
        (first[1]["id"], "ACTIVE"),
        (first[1]["id"], "INTERRUPTED"),
        (second[1]["id"], "ACTIVE"),
        (second[1]["id"], "DONE"),
    ]
    assert [e["status"] for e in clip_events(kitchen)] == [
        "ACTIVE",
        "INTERRUPTED",
        "ACTIVE",
        "DONE",
    ]
    await ha.close()
    await listener.close()


async def test_cancel_dismisses_the_clip(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = household["Kitchen"]
    listener = await Listener(kitchen, session).subscribe()
    ha = home_assistant(kitchen, session)
    _, data = await ha.play_clip(media_server.url("chime_long.mp3"))
    assert (await listener.next())["status"] == "ACTIVE"

    response, _ = await ha.cancel_clip(data["id"])  # HA's cancel button

    assert response["success"] is True
    assert (await listener.next())["status"] == "DISMISSED"
    assert kitchen.state()["clip"] is None
    again, error = await ha.cancel_clip(data["id"])
    assert again["success"] is False
    assert error["errorCode"] == "ERROR_AUDIO_CLIP_ID_NOT_FOUND"
    await ha.close()
    await listener.close()


async def test_group_member_plays_its_own_clip(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = playing_queue(household)
    room = household["Living Room"]
    household.join(room, kitchen)
    listener = await Listener(room, session).subscribe()

    response, _ = await home_assistant(room, session).play_clip(
        media_server.url("chime_short.wav"), volume=10
    )

    assert response["success"] is True
    assert room.state()["clip"]["volume"] == 10
    assert kitchen.state()["clip"] is None
    assert (await listener.next())["status"] == "ACTIVE"
    assert (await listener.next())["status"] == "DONE"
    for speaker in (kitchen, room):
        state = speaker.state()
        assert state["transport_state"] == "PLAYING"
        assert state["track_number"] == 2
    assert clip_events(kitchen) == []
    await listener.close()


async def test_unfetchable_clip_ends_in_error(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = household["Kitchen"]
    listener = await Listener(kitchen, session).subscribe()

    response, _ = await home_assistant(kitchen, session).play_clip(
        media_server.url("not_audio.txt")
    )

    assert response["success"] is True  # scheduled: the fetch comes after
    assert (await listener.next())["status"] == "ACTIVE"
    failed = await listener.next()
    assert failed["status"] == "ERROR"
    assert failed["errorCode"] == "ERROR_AUDIO_CLIP_MEDIA_ERROR"
    assert kitchen.state()["clip"] is None
    assert clip_events(kitchen)[-1]["error"] == "not audio: text/plain"
    await listener.close()


@pytest.mark.parametrize("media", ["chime_short.flac", "chime_short.m4a"])
async def test_clip_neither_mp3_nor_wav_ends_in_a_media_error(
    household: Household,
    media_server: MediaServer,
    session: aiohttp.ClientSession,
    media: str,
) -> None:
    """Sonos plays only MP3 and WAV as clips: others are taken, then fail unheard."""
    kitchen = playing_queue(household)
    listener = await Listener(kitchen, session).subscribe()

    response, _ = await home_assistant(kitchen, session).play_clip(
        media_server.url(media)
    )

    assert response["success"] is True
    assert (await listener.next())["status"] == "ACTIVE"
    ended = await listener.next()
    assert (ended["status"], ended["errorCode"]) == (
        "ERROR",
        "ERROR_AUDIO_CLIP_MEDIA_ERROR",
    )
    assert "MP3 or WAV" in clip_events(kitchen)[-1]["error"]
    assert kitchen.state()["transport_state"] == "PLAYING"
    await listener.close()


async def test_a_play_1_clip_pauses_its_whole_group_for_a_while(
    household_factory: Callable[..., Household],
    media_server: MediaServer,
    session: aiohttp.ClientSession,
) -> None:
    """home-assistant/core#182047: a Play:1's clip pauses the group ~3.3 s."""
    household = household_factory(models={"Living Room": "Sonos Play:1"})
    kitchen = playing_queue(household)
    household.join("Living Room", "Kitchen")
    room = household["Living Room"]
    assert soco(room).get_speaker_info(refresh=True)["model_name"] == "Sonos Play:1"

    await home_assistant(room, session).play_clip(media_server.url("chime_short.mp3"))

    assert kitchen.state()["transport_state"] == "PAUSED_PLAYBACK"
    assert [e["kind"] for e in room.events()].count("clip_pauses_group") == 1
    await asyncio.sleep(CLIP_GROUP_PAUSE + 0.2)
    assert kitchen.state()["transport_state"] == "PLAYING"


async def test_a_sonos_one_clip_leaves_its_group_playing(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    """The same clip on a One, in the same group, is only heard over the music."""
    kitchen = playing_queue(household)
    household.join("Living Room", "Kitchen")
    room = household["Living Room"]
    assert soco(room).get_speaker_info(refresh=True)["model_name"] == "Sonos One"

    await home_assistant(room, session).play_clip(media_server.url("chime_short.mp3"))

    assert kitchen.state()["transport_state"] == "PLAYING"
    assert "clip_pauses_group" not in [e["kind"] for e in room.events()]


async def test_local_info_states_the_audio_clip_capability(
    household: Household, session: aiohttp.ClientSession
) -> None:
    """discoveryInfo as local clients read it: AUDIO_CLIP only where clips work."""
    kitchen, coop = household["Kitchen"], household["Chicken Coop"]
    coop.set_audio_clip("unsupported")

    async def info(speaker: Speaker, key: str | None = API_KEY) -> Any:
        headers = {} if key is None else {"X-Sonos-Api-Key": key}
        async with session.get(
            f"https://{speaker.ip}:1443/api/v1/players/local/info",
            headers=headers,
            ssl=False,
        ) as response:
            return response.status, await response.json()

    status, body = await info(kitchen)
    assert status == 200
    assert body["_objectType"] == "discoveryInfo"
    assert (body["playerId"], body["householdId"]) == (
        kitchen.uid,
        household.household_id,
    )
    assert "AUDIO_CLIP" in body["device"]["capabilities"]
    assert body["device"]["modelDisplayName"] == "One"
    status, body = await info(coop)
    assert status == 200
    assert "AUDIO_CLIP" not in body["device"]["capabilities"]
    status, body = await info(kitchen, key=None)
    assert (status, body["errorCode"]) == (403, "ERROR_API_KEY_VALIDATION_FAILED")


async def load(
    speaker: Speaker, session: aiohttp.ClientSession, url: str, priority: str
) -> str:
    """Load a clip at a priority, as an app does; its id."""
    header, body = await home_assistant(speaker, session).send_command(
        {
            "namespace": "audioClip:1",
            "command": "loadAudioClip",
            "playerId": speaker.uid,
        },
        {
            "name": "App",
            "appId": "com.example.app",
            "streamUrl": url,
            "priority": priority,
        },
    )
    assert header["success"] is True
    return str(body["id"])


@pytest.mark.parametrize(
    ("priorities", "expected"),
    [
        # LOW cannot interrupt HIGH: it waits, then plays.
        (("HIGH", "LOW"), [(0, "ACTIVE"), (0, "DONE"), (1, "ACTIVE"), (1, "DONE")]),
        # HIGH cuts LOW at once; a young HIGH holds off another HIGH.
        (
            ("LOW", "HIGH", "HIGH"),
            [
                (0, "ACTIVE"),
                (0, "INTERRUPTED"),
                (1, "ACTIVE"),
                (1, "DONE"),
                (2, "ACTIVE"),
                (2, "DONE"),
            ],
        ),
    ],
    ids=["low_waits_for_high", "high_cuts_low_young_high_holds"],
)
async def test_clip_priorities_as_sonos_documents_them(
    household: Household,
    media_server: MediaServer,
    session: aiohttp.ClientSession,
    priorities: tuple[str, ...],
    expected: list[tuple[int, str]],
) -> None:
    """loadAudioClip's rules, as apps loading clips one after another see them."""
    kitchen = playing_queue(household)
    listener = await Listener(kitchen, session).subscribe()
    url = media_server.url("chime_short.mp3")
    ids = [await load(kitchen, session, url, priority) for priority in priorities]

    seen = [await listener.next() for _ in expected]

    assert [(clip["id"], clip["status"]) for clip in seen] == [
        (ids[index], status) for index, status in expected
    ]
    await listener.close()


# sonos-websocket 0.2.0 reads aiohttp's deprecated code of the refusal.
@pytest.mark.filterwarnings("ignore:code property is deprecated:DeprecationWarning")
async def test_lan_api_authentication_refuses_us(
    household: Household, session: aiohttp.ClientSession
) -> None:
    """Authentication switched on: the local API refuses info and handshake."""
    kitchen = household["Kitchen"]
    kitchen.set_lan_auth(True)
    async with session.get(
        f"https://{kitchen.ip}:1443/api/v1/players/local/info",
        headers={"X-Sonos-Api-Key": API_KEY},
        ssl=False,
    ) as response:
        assert response.status == 401
    with pytest.raises(Unauthorized):  # sonos-websocket's own word for it
        await home_assistant(kitchen, session).play_clip("http://x/c.mp3")
    assert soco(kitchen).volume == kitchen.volume  # UPnP still answers


async def test_speaker_without_audio_clip_answers_global_error(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    coop = household["Chicken Coop"]
    coop.set_audio_clip("unsupported")
    assert coop.supports_audio_clip is False

    response, body = await home_assistant(coop, session).play_clip(
        media_server.url("chime_short.mp3")
    )

    # HA core falls back to plain playback on exactly this.
    assert response["success"] is False
    assert response["type"] == "globalError"
    assert response["response"] == "loadAudioClip"
    assert body["errorCode"] == "ERROR_UNSUPPORTED_NAMESPACE"
    # Without a player id the library asks getGroups and sees no AUDIO_CLIP.
    with pytest.raises(Unsupported):
        await SonosWebsocket(coop.ip, session=session).play_clip("http://x/y.mp3")
    assert clip_events(coop) == []
    assert coop.state()["clip"] is None


async def test_household_sets_capabilities_and_s1_has_no_port(
    emulator_network: None, session: aiohttp.ClientSession
) -> None:
    household = Household(
        names=["Port", "Play:1"],
        first_ip=f"{EMULATOR_NET}.2",
        audio_clip={"Port": False, "Play:1": "none"},
    ).start()
    try:
        assert [sp.audio_clip for sp in household] == ["unsupported", "none"]
        s1 = household["Play:1"]
        with pytest.raises(SonosWSConnectionError, match="Connection error"):
            await home_assistant(s1, session).play_clip("http://x/y.mp3")
        s1.set_audio_clip(True)
        response, _ = await home_assistant(s1, session).send_command(
            {"namespace": "audioClip:1", "command": "subscribe", "playerId": s1.uid}
        )
        assert response["success"] is True
    finally:
        household.stop()
    assert not _wss_threads()


async def test_refused_websocket_raises_the_clients_connection_error(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = household["Kitchen"]
    ha = home_assistant(kitchen, session)
    await ha.connect()
    faults = f"{kitchen.base_url}/emulator/faults"

    async with session.post(faults, json={"websocket": "refuse"}) as reply:
        assert reply.status == 200
        assert (await reply.json())["websocket"] == "refuse"

    assert ha.ws is not None
    assert (await ha.ws.receive()).type in {
        aiohttp.WSMsgType.CLOSED,
        aiohttp.WSMsgType.ERROR,
    }  # open connections are cut too
    with pytest.raises(SonosWSConnectionError, match="Connection error"):
        await ha.play_clip(media_server.url("chime_short.mp3"))
    assert kitchen.state()["clip"] is None

    async with session.post(faults, json={"clear": True}) as reply:
        assert reply.status == 200
    response, _ = await ha.play_clip(media_server.url("chime_short.mp3"))
    assert response["success"] is True
    await ha.close()


async def test_error_fault_answers_global_error(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_websocket_fault("error")

    response, body = await home_assistant(kitchen, session).play_clip(
        media_server.url("chime_short.mp3")
    )

    assert (response["success"], response["type"]) == (False, "globalError")
    assert body["errorCode"] == "ERROR_COMMAND_FAILED"
    assert kitchen.state()["faults"]["websocket"] == "error"
    kitchen.set_websocket_fault(None)
    response, _ = await home_assistant(kitchen, session).play_clip(
        media_server.url("chime_short.mp3")
    )
    assert response["success"] is True


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Sec-WebSocket-Protocol": SUBPROTOCOL}, 401),
        ({"X-Sonos-Api-Key": "not-a-key", "Sec-WebSocket-Protocol": SUBPROTOCOL}, 401),
        ({"X-Sonos-Api-Key": API_KEY}, 400),
    ],
)
async def test_handshake_wants_key_and_subprotocol(
    household: Household,
    session: aiohttp.ClientSession,
    headers: dict[str, str],
    status: int,
) -> None:
    url = f"wss://{household['Kitchen'].ip}:1443/websocket/api"
    with pytest.raises(aiohttp.WSServerHandshakeError) as err:
        await session.ws_connect(url, headers=headers, ssl=False)
    assert err.value.status == status


async def test_offline_speaker_closes_its_websocket_too(
    household: Household, media_server: MediaServer, session: aiohttp.ClientSession
) -> None:
    kitchen = household["Kitchen"]
    listener = await Listener(kitchen, session).subscribe()
    await home_assistant(kitchen, session).play_clip(media_server.url("chime_long.mp3"))
    assert (await listener.next())["status"] == "ACTIVE"

    kitchen.go_offline()

    assert kitchen.state()["clip"] is None
    assert clip_events(kitchen)[-1]["status"] == "INTERRUPTED"
    with pytest.raises(SonosWSConnectionError):
        await home_assistant(kitchen, session).play_clip("http://x/y.mp3")
    kitchen.go_online()
    response, _ = await home_assistant(kitchen, session).send_command({})
    assert response["householdId"] == household.household_id
    await listener.close()


def _wss_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("sonos-emulator-wss")]


def test_stop_joins_every_wss_thread(
    household_factory: Callable[..., Household],
) -> None:
    household = household_factory()
    assert len(_wss_threads()) == len(household.speakers)
    household.stop()
    assert _wss_threads() == []
