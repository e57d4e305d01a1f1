"""Overlay chimes: a clip over the music where the speaker takes clips,
pause-and-resume in the same call where it does not.
"""

import asyncio
from collections.abc import Callable
import threading

import aiohttp
import pytest
from sonos_websocket import SonosWebsocket

from custom_components.sonos_chime.engine import (
    ChimeMode,
    ChimeRequest,
    ChimeResult,
    Outcome,
    Reason,
    ZoneResult,
    engine as engine_module,
)
from sonos_emulator import Household, Speaker

from .conftest import (
    PROFILES,
    QUEUE,
    changes,
    played_uris,
    settled,
    soap_actions,
    wait_for,
)

NAMES = ("Kitchen", "Living Room", "Office", "Den", "Chicken Coop")


def zone(result: ChimeResult, name: str) -> ZoneResult:
    """One zone's result."""
    return next(z for z in result.zones if z.name == name)


def clips(speaker: Speaker) -> list[str]:
    """The statuses of the clips the speaker played, in order."""
    return [e["status"] for e in speaker.events() if e["kind"] == "clip"]


def at_work(household: Household) -> dict[str, dict]:
    """Two groups and a single, all playing their queue; what each reports."""
    for name, volume in zip(NAMES, (11, 12, 13, 14, 15), strict=True):
        household[name].set_volume(volume)
    for coordinator, track in (("Kitchen", 2), ("Office", 3), ("Chicken Coop", 4)):
        household[coordinator].set_queue(QUEUE)
        household[coordinator].play_queue(track=track, position=30.0)
    household.join("Living Room", "Kitchen")
    household.join("Den", "Office")
    settled(household)
    household.clear_events()
    return {speaker.name: speaker.state() for speaker in household.speakers}


@pytest.fixture
def five(household_factory: Callable[..., Household]) -> Household:
    """Five speakers that all take clips."""
    return household_factory(names=NAMES)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("mode", [ChimeMode.OVERLAY, ChimeMode.AUTO])
def test_overlay_leaves_the_music_playing(
    household_factory: Callable[..., Household],
    engine_for,
    media_server,
    mode: ChimeMode,
    profile: str,
) -> None:
    """Every speaker gets its clip; no transport or volume is touched."""
    household = household_factory(names=NAMES, profile=profile)
    before = at_work(household)

    result = engine_for(household).chime(
        ChimeRequest(media_server.url("chime_short.mp3"), volume=30, mode=mode)
    )

    for speaker in household.speakers:
        name = speaker.name
        assert zone(result, name).outcome is Outcome.CHIMED, name
        assert zone(result, name).way is ChimeMode.OVERLAY, name
        assert zone(result, name).resumed is True, name
        assert clips(speaker)[-1] == "DONE", name
        assert changes(speaker) == [], name  # not a pause, not a volume
        state = speaker.state()
        assert state["transport_state"] == "PLAYING", name
        assert state["track_number"] == before[name]["track_number"], name
        assert state["position"] > before[name]["position"], name
        assert state["volume"] == before[name]["volume"], name
    assert result.start_skew is not None


def test_a_speaker_without_clips_is_paused_and_put_back(
    household_factory: Callable[..., Household], engine_for, media_server
) -> None:
    """Overlay where it can, interrupt-and-restore the coop, in one call."""
    household = household_factory(names=NAMES)
    household["Chicken Coop"].set_audio_clip("unsupported")
    before = at_work(household)
    chime = media_server.url("chime_short.mp3")

    result = engine_for(household).chime(
        ChimeRequest(chime, volume=30, mode=ChimeMode.OVERLAY)
    )

    coop = household["Chicken Coop"]
    assert zone(result, "Chicken Coop").way is ChimeMode.INTERRUPT
    assert zone(result, "Chicken Coop").reason is Reason.NO_CLIPS
    assert zone(result, "Chicken Coop").resumed is True
    assert chime in played_uris(coop)
    assert coop.state()["track_number"] == before["Chicken Coop"]["track_number"]
    assert coop.state()["transport_state"] == "PLAYING"
    for name in ("Kitchen", "Living Room", "Office", "Den"):
        assert zone(result, name).way is ChimeMode.OVERLAY, name
        assert chime not in played_uris(household[name]), name
        assert clips(household[name])[-1] == "DONE", name


@pytest.mark.parametrize("fault", ["error", "refuse"])
def test_a_failing_websocket_falls_back_for_that_speaker_only(
    household_factory: Callable[..., Household],
    engine_for,
    media_server,
    fault: str,
) -> None:
    """The single speaker's websocket fails: it alone is paused and put back."""
    household = household_factory(names=NAMES)
    before = at_work(household)
    household["Chicken Coop"].set_websocket_fault(fault)

    result = engine_for(household).chime(
        ChimeRequest(media_server.url("chime_short.mp3"), mode=ChimeMode.OVERLAY)
    )

    assert {z.name: z.way for z in result.zones} == {
        "Kitchen": ChimeMode.OVERLAY,
        "Living Room": ChimeMode.OVERLAY,
        "Office": ChimeMode.OVERLAY,
        "Den": ChimeMode.OVERLAY,
        "Chicken Coop": ChimeMode.INTERRUPT,
    }
    assert all(z.outcome is Outcome.CHIMED for z in result.zones)
    assert zone(result, "Chicken Coop").reason is Reason.NO_CLIPS
    assert zone(result, "Kitchen").reason is None
    coop = household["Chicken Coop"].state()
    assert coop["track_number"] == before["Chicken Coop"]["track_number"]
    assert coop["transport_state"] == "PLAYING"


def test_auto_pauses_a_group_with_a_muted_speaker(
    five: Household, engine_for, media_server
) -> None:
    """In auto, a muted speaker is unmuted for the chime, as interrupt does."""
    at_work(five)
    five["Den"].set_mute(True)
    five.clear_events()

    result = engine_for(five).chime(
        ChimeRequest(media_server.url("chime_short.mp3"), mode=ChimeMode.AUTO)
    )

    assert zone(result, "Office").way is ChimeMode.INTERRUPT
    assert zone(result, "Den").way is ChimeMode.INTERRUPT
    assert {zone(result, name).reason for name in ("Office", "Den")} == {Reason.MUTED}
    assert zone(result, "Kitchen").way is ChimeMode.OVERLAY
    assert [e["mute"] for e in five["Den"].events() if e["kind"] == "mute"] == [
        False,
        True,
    ]
    assert five["Den"].state()["mute"] is True


def test_an_excluded_member_gets_no_clip(
    five: Household, engine_for, media_server
) -> None:
    """Zones kept out behave as in interrupt mode: they do not hear it."""
    at_work(five)
    room = five["Living Room"]

    result = engine_for(five).chime(
        ChimeRequest(
            media_server.url("chime_short.mp3"),
            mode=ChimeMode.OVERLAY,
            exclude_uids=frozenset({room.uid}),
        )
    )

    assert zone(result, "Living Room").outcome is Outcome.SKIPPED
    assert clips(room) == []
    assert clips(five["Kitchen"])[-1] == "DONE"


def test_an_unplayable_clip_is_reported(
    five: Household, engine_for, media_server
) -> None:
    """The speakers could not fetch the clip: failed, and the music plays on."""
    at_work(five)

    result = engine_for(five).chime(
        ChimeRequest(
            media_server.url("missing.mp3"), duration=1.0, mode=ChimeMode.OVERLAY
        )
    )

    assert {z.outcome for z in result.zones} == {Outcome.FAILED}
    assert {str(z.reason) for z in result.zones} == {"media_unplayable"}
    assert all(s.state()["transport_state"] == "PLAYING" for s in five.speakers)


@pytest.mark.parametrize("media", ["chime_short.flac", "chime_short.m4a"])
def test_a_chime_no_speaker_takes_as_a_clip_interrupts(
    five: Household, engine_for, media_server, media: str
) -> None:
    """Clips are MP3 or WAV only: anything else would fail unheard, so no clip."""
    before = at_work(five)
    chime = media_server.url(media)

    result = engine_for(five).chime(ChimeRequest(chime, mode=ChimeMode.AUTO))

    for speaker in five.speakers:
        name = speaker.name
        assert zone(result, name).outcome is Outcome.CHIMED, name
        assert zone(result, name).way is ChimeMode.INTERRUPT, name
        assert zone(result, name).reason is Reason.CLIP_FORMAT, name
        assert clips(speaker) == [], name
        state = speaker.state()
        assert state["transport_state"] == "PLAYING", name
        assert state["track_number"] == before[name]["track_number"], name
    for coordinator in ("Kitchen", "Office", "Chicken Coop"):
        assert chime in played_uris(five[coordinator]), coordinator


def test_a_chime_at_volume_0_is_not_sent_at_the_speakers_volume(
    five: Household, engine_for, media_server
) -> None:
    """0 is a volume: the clip plays at it, the speaker keeps its own."""
    at_work(five)

    result = engine_for(five).chime(
        ChimeRequest(
            media_server.url("chime_short.mp3"), volume=0, mode=ChimeMode.OVERLAY
        )
    )

    for speaker in five.speakers:
        assert zone(result, speaker.name).way is ChimeMode.OVERLAY
        [loaded] = [
            e
            for e in speaker.events()
            if e["kind"] == "clip" and e["status"] == "ACTIVE"
        ]
        assert loaded["volume"] == 0, speaker.name
        assert speaker.state()["volume"] > 0, speaker.name


def test_a_clip_past_its_bound_is_cancelled(
    five: Household, engine_for, media_server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clip that outlasts what the chime allows is cancelled, never left on.

    A stream sent as a clip would play forever (home-assistant/core#168015).
    """
    at_work(five)
    engine = engine_for(five, end_margin=0.1)
    # The allowance for a speaker's fetch, short here: the file is local.
    monkeypatch.setattr(engine_module, "START_TIMEOUT", 0.3)

    # Told it lasts 0.1 s, the 2 s file outlasts its bound.
    result = engine.chime(
        ChimeRequest(
            media_server.url("chime_long.mp3"), duration=0.1, mode=ChimeMode.OVERLAY
        ),
    )

    for speaker in five.speakers:
        name = speaker.name
        assert zone(result, name).outcome is Outcome.FAILED, name
        assert zone(result, name).reason is Reason.TIMEOUT, name
        assert clips(speaker) == ["ACTIVE", "DISMISSED"], name
        assert speaker.state()["clip"] is None, name
        assert speaker.state()["transport_state"] == "PLAYING", name


def test_play_1_and_play_3_take_the_pause_way(
    household_factory: Callable[..., Household], engine_for, media_server
) -> None:
    """Their clips disturb the music: their groups pause, the others overlay.

    A Play:1's clip would pause its whole group (home-assistant/core#182047):
    decided before anything is touched, it never gets one.
    """
    household = household_factory(
        names=NAMES,
        models={"Living Room": "Sonos Play:1", "Chicken Coop": "Sonos Play:3"},
    )
    before = at_work(household)
    chime = media_server.url("chime_short.mp3")

    result = engine_for(household).chime(ChimeRequest(chime, mode=ChimeMode.AUTO))

    for name in ("Kitchen", "Living Room", "Chicken Coop"):
        assert zone(result, name).outcome is Outcome.CHIMED, name
        assert zone(result, name).way is ChimeMode.INTERRUPT, name
        assert zone(result, name).reason is Reason.CLIP_MODEL, name
        assert clips(household[name]) == [], name
    assert "Sonos Play:1" in str(zone(result, "Kitchen").detail)
    for name in ("Office", "Den"):
        assert zone(result, name).way is ChimeMode.OVERLAY, name
        assert zone(result, name).reason is None, name
    for speaker in household.speakers:
        assert "clip_pauses_group" not in [e["kind"] for e in speaker.events()]
        state = speaker.state()
        assert state["transport_state"] == "PLAYING", speaker.name
        assert state["track_number"] == before[speaker.name]["track_number"]


MIXED = (*NAMES, "Porch", "Attic", "Study")


def test_a_mixed_household_chimes_each_zone_its_way(
    household_factory: Callable[..., Household], engine_for, media_server
) -> None:
    """A grouped Play:1, a stereo pair, a home theater, an S1 speaker, one
    whose LAN API asks for authentication and Ones, in one call: each zone
    takes the way that is heard, and says why; then a FLAC chime, which no
    speaker takes as a clip, pauses them all.
    """
    household = household_factory(names=MIXED, models={"Living Room": "Sonos Play:1"})
    household.bond("Den", "pair")
    household.bond("Chicken Coop", "home_theater")
    household["Attic"].set_audio_clip("none")  # S1: no local API at all
    household["Study"].set_lan_auth(True)
    at_work(household)
    for name in ("Porch", "Attic", "Study"):
        household[name].set_queue(QUEUE)
        household[name].play_queue(track=1, position=10.0)
    settled(household)
    before = {speaker.name: speaker.state() for speaker in household.speakers}
    household.clear_events()
    expected = {
        "Kitchen": (ChimeMode.INTERRUPT, Reason.CLIP_MODEL),
        "Living Room": (ChimeMode.INTERRUPT, Reason.CLIP_MODEL),
        "Office": (ChimeMode.INTERRUPT, Reason.BONDED),
        "Den": (ChimeMode.INTERRUPT, Reason.BONDED),
        "Chicken Coop": (ChimeMode.INTERRUPT, Reason.BONDED),
        "Porch": (ChimeMode.OVERLAY, None),
        "Attic": (ChimeMode.INTERRUPT, Reason.NO_CLIPS),
        "Study": (ChimeMode.INTERRUPT, Reason.LAN_AUTH),
    }
    engine = engine_for(household)

    result = engine.chime(
        ChimeRequest(media_server.url("chime_short.mp3"), mode=ChimeMode.AUTO)
    )

    assert {z.name: (z.way, z.reason) for z in result.zones} == expected
    assert all(z.outcome is Outcome.CHIMED for z in result.zones)
    for speaker in household.speakers:
        state = speaker.state()
        assert state["transport_state"] == "PLAYING", speaker.name
        assert state["track_number"] == before[speaker.name]["track_number"]
        if expected[speaker.name][0] is ChimeMode.INTERRUPT:
            assert clips(speaker) == [], speaker.name
        assert "clip_pauses_group" not in [e["kind"] for e in speaker.events()]
    assert clips(household["Porch"])[-1] == "DONE"

    household.clear_events()
    result = engine.chime(
        ChimeRequest(media_server.url("chime_short.flac"), mode=ChimeMode.AUTO)
    )

    assert {z.name: z.way for z in result.zones} == dict.fromkeys(
        MIXED, ChimeMode.INTERRUPT
    )
    assert {z.name: z.reason for z in result.zones}["Porch"] is Reason.CLIP_FORMAT
    assert all(z.outcome is Outcome.CHIMED for z in result.zones)
    assert all(clips(speaker) == [] for speaker in household.speakers)
    assert all(
        speaker.state()["transport_state"] == "PLAYING"
        for speaker in household.speakers
    )


@pytest.mark.parametrize(
    "uri",
    [
        "x-rincon-queue:RINCON_000E58000001401400#3",
        "x-sonos-vli:RINCON_1:2,spotify:abc",
    ],
    ids=["cloud_queue", "app"],
)
def test_auto_keeps_an_app_session_under_a_clip(
    five: Household, engine_for, media_server, uri: str
) -> None:
    """A muted speaker would mean a pause, and a pause would end the session.

    Music Assistant's cloud queue and Spotify Connect are evicted by a UPnP
    load and never come back: in auto they keep playing under the clip.
    """
    at_work(five)
    five.unjoin("Den")
    office = five["Office"]
    office.set_source(uri, state="PLAYING")
    office.set_mute(True)
    five.clear_events()

    result = engine_for(five).chime(
        ChimeRequest(media_server.url("chime_short.mp3"), mode=ChimeMode.AUTO)
    )

    assert zone(result, "Office").way is ChimeMode.OVERLAY
    assert zone(result, "Office").reason is None
    assert clips(office)[-1] == "DONE"
    assert changes(office) == []
    state = office.state()
    assert (state["current_uri"], state["transport_state"]) == (uri, "PLAYING")


def other_app_clip(speaker: Speaker, url: str, priority: str) -> None:
    """Another app's announcement (Home Assistant's announce, Music Assistant)."""

    async def load() -> None:
        async with aiohttp.ClientSession() as session:
            websocket = SonosWebsocket(
                speaker.ip, player_id=speaker.uid, session=session
            )
            header, _ = await websocket.send_command(
                {
                    "namespace": "audioClip:1",
                    "command": "loadAudioClip",
                    "playerId": speaker.uid,
                },
                {
                    "name": "Announcement",
                    "appId": "com.example.announce",
                    "streamUrl": url,
                    "priority": priority,
                },
            )
            assert header["success"] is True
            await websocket.close()

    asyncio.run(load())


@pytest.mark.filterwarnings("ignore:verify_ssl is deprecated:DeprecationWarning")
def test_an_announcement_of_high_priority_is_never_cut(
    five: Household, engine_for, media_server
) -> None:
    """Ours are LOW: one arriving during another app's HIGH clip waits for it."""
    at_work(five)
    coop = five["Chicken Coop"]
    other_app_clip(coop, media_server.url("chime_long.mp3"), "HIGH")
    wait_for(lambda: clips(coop) == ["ACTIVE"])

    result = engine_for(five).chime(
        ChimeRequest(
            media_server.url("chime_short.mp3"),
            mode=ChimeMode.OVERLAY,
            zone_names=("Chicken Coop",),
        )
    )

    assert zone(result, "Chicken Coop").outcome is Outcome.CHIMED
    statuses = [
        (e["clip_id"], e["status"]) for e in coop.events() if e["kind"] == "clip"
    ]
    theirs, ours = statuses[0][0], statuses[1][0]
    assert statuses == [
        (theirs, "ACTIVE"),
        (ours, "WAITING"),
        (theirs, "DONE"),
        (ours, "ACTIVE"),
        (ours, "DONE"),
    ]


@pytest.mark.filterwarnings("ignore:verify_ssl is deprecated:DeprecationWarning")
def test_a_chime_cut_short_by_an_announcement_says_so(
    five: Household, engine_for, media_server
) -> None:
    """Another app's announcement cuts our clip: the zone says clip_cut_short."""
    at_work(five)
    coop = five["Chicken Coop"]
    engine = engine_for(five)
    results: list[ChimeResult] = []
    chiming = threading.Thread(
        target=lambda: results.append(
            engine.chime(
                ChimeRequest(
                    media_server.url("chime_long.mp3"),
                    mode=ChimeMode.OVERLAY,
                    zone_names=("Chicken Coop",),
                )
            )
        )
    )
    chiming.start()
    wait_for(lambda: "ACTIVE" in clips(coop))
    other_app_clip(coop, media_server.url("chime_short.mp3"), "LOW")
    chiming.join(timeout=30)

    [result] = results
    assert zone(result, "Chicken Coop").outcome is Outcome.FAILED
    assert zone(result, "Chicken Coop").reason is Reason.CLIP_CUT_SHORT
    assert clips(coop)[:2] == ["ACTIVE", "INTERRUPTED"]
    assert coop.state()["transport_state"] == "PLAYING"


RESTORE_READS = frozenset(
    {
        "GetBass",
        "GetTreble",
        "GetLoudness",
        "GetOutputFixed",
        "GetTransportSettings",
        "GetCrossfadeMode",
        "GetPositionInfo",
    }
)


def test_a_clip_waits_for_no_read_only_a_restore_needs(
    household_factory: Callable[..., Household], engine_for, media_server
) -> None:
    """Level, source and model choose the way; EQ, play mode and position are
    read only where the chime pauses, still before the pause."""
    household = household_factory(names=NAMES)
    household["Chicken Coop"].set_audio_clip("unsupported")
    at_work(household)

    result = engine_for(household).chime(
        ChimeRequest(media_server.url("chime_short.mp3"), mode=ChimeMode.OVERLAY)
    )

    assert zone(result, "Kitchen").way is ChimeMode.OVERLAY
    assert zone(result, "Chicken Coop").way is ChimeMode.INTERRUPT
    assert not RESTORE_READS & set(soap_actions(household["Kitchen"]))
    coop = soap_actions(household["Chicken Coop"])
    assert set(coop[: coop.index("Pause")]) >= RESTORE_READS
