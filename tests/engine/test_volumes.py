"""A volume that fits each room: per zone, or relative to the speaker's own.

Whatever the chime plays at, every speaker's own volume comes back.
"""

from collections.abc import Callable
import json

import pytest

from custom_components.sonos_chime.engine import (
    ChimeMode,
    ChimeRequest,
    Outcome,
)
from custom_components.sonos_chime.engine.record import (
    make_record,
    record_request,
    upgrade_record,
)
from sonos_emulator import Household, Speaker

from .conftest import QUEUE, settled

NAMES = ("Bedroom", "Kitchen", "Living Room")
OWN = {"Bedroom": 8, "Kitchen": 30, "Living Room": 60}


def heard_at(speaker: Speaker, mode: ChimeMode) -> int | None:
    """The volume the speaker played the chime at, as its timeline shows it."""
    if mode is ChimeMode.OVERLAY:
        clips = [e for e in speaker.events() if e["kind"] == "clip"]
        return clips[0]["volume"] if clips else None
    volumes = [e["volume"] for e in speaker.events() if e["kind"] == "volume"]
    return volumes[0] if volumes else None


@pytest.fixture
def rooms(household_factory: Callable[..., Household]) -> Household:
    """Three rooms playing at their own volumes."""
    household = household_factory(names=NAMES)
    for name, volume in OWN.items():
        household[name].set_volume(volume)
        household[name].set_queue(QUEUE)
        household[name].play_queue(track=1, position=5.0)
    settled(household)
    household.clear_events()
    return household


@pytest.mark.parametrize("mode", [ChimeMode.INTERRUPT, ChimeMode.OVERLAY])
def test_a_volume_per_zone_over_the_chimes(
    rooms: Household, engine_for, media_server, mode: ChimeMode
) -> None:
    """Bedroom 15, Kitchen 40, the rest the chime's volume."""
    uid = {speaker.name: speaker.uid for speaker in rooms.speakers}

    result = engine_for(rooms).chime(
        ChimeRequest(
            media_server.url("chime_short.mp3"),
            volume=25,
            zone_volumes={uid["Bedroom"]: 15, uid["Kitchen"]: 40},
            mode=mode,
        )
    )

    assert {zone.outcome for zone in result.zones} == {Outcome.CHIMED}
    assert {s.name: heard_at(s, mode) for s in rooms.speakers} == {
        "Bedroom": 15,
        "Kitchen": 40,
        "Living Room": 25,
    }
    assert {s.name: s.state()["volume"] for s in rooms.speakers} == OWN


@pytest.mark.parametrize("mode", [ChimeMode.INTERRUPT, ChimeMode.OVERLAY])
def test_a_volume_relative_to_each_speakers_own(
    rooms: Household, engine_for, media_server, mode: ChimeMode
) -> None:
    """Own volume plus 10, kept within 12-50: heard over loud music, never blasting."""
    result = engine_for(rooms).chime(
        ChimeRequest(
            media_server.url("chime_short.mp3"),
            volume_offset=10,
            volume_range=(12, 50),
            mode=mode,
        )
    )

    assert {zone.outcome for zone in result.zones} == {Outcome.CHIMED}
    assert {s.name: heard_at(s, mode) for s in rooms.speakers} == {
        "Bedroom": 18,
        "Kitchen": 40,
        "Living Room": 50,
    }
    assert {s.name: s.state()["volume"] for s in rooms.speakers} == OWN


def test_a_volume_rule_that_cannot_hold_is_refused_before_any_speaker() -> None:
    """Every rule is checked when the chime is asked for."""
    for bad in (
        {"zone_volumes": {"RINCON_1": 101}},
        {"volume_offset": 101},
        {"volume_range": (60, 40)},
        {"volume": 30, "volume_offset": 5},
    ):
        with pytest.raises(ValueError, match="volume"):
            ChimeRequest("http://host/chime.mp3", **bad)


def test_a_record_keeps_the_volume_rules_for_a_restore_after_a_crash() -> None:
    """Restored after a crash, a chime knows which volumes it set, room by room.

    Records saved before room volumes carry one volume only.
    """
    request = ChimeRequest(
        "http://host/chime.mp3",
        zone_volumes={"RINCON_1": 15},
        volume_offset=-5,
        volume_range=(10, 40),
    )
    record = make_record("Sonos_1", request, [])
    again = record_request(json.loads(json.dumps(record)))
    assert again.volume_for("RINCON_1", 50) == 15
    assert again.volume_for("RINCON_2", 50) == 40
    assert again.volume_for("RINCON_2", 12) == 10

    old = {key: value for key, value in record.items() if "volume" not in key}
    old["volume"] = 30
    assert record_request(upgrade_record(old, 1)).volume_for("RINCON_2", 50) == 30
