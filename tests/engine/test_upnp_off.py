"""UPnP switched off in the Sonos app: refused before, or per zone, and said so.

Since the 2025 firmware a household can switch UPnP off; every UPnP request
then answers HTTP 403 (home-assistant/core#151258).
"""

import pytest

from custom_components.sonos_chime.engine import (
    ChimeRequest,
    Outcome,
    Reason,
    UpnpDisabledError,
)
from sonos_emulator import Household

from .conftest import assert_at_work, put_to_work


def test_a_household_with_upnp_off_is_refused_as_such(
    household: Household, engine_for, media_server
) -> None:
    for speaker in household.speakers:
        speaker.set_upnp(False)
    engine = engine_for(household)

    with pytest.raises(UpnpDisabledError, match="switched off in the Sonos app"):
        engine.household()
    with pytest.raises(UpnpDisabledError):
        engine.chime(ChimeRequest(media_server.url("chime_short.mp3")))
    assert all(not speaker.events() for speaker in household.speakers)


def test_a_speaker_with_upnp_off_fails_alone(
    household: Household, engine_for, media_server
) -> None:
    """The others chime and come back; that zone says why, and is untouched."""
    put_to_work(household)
    household["Chicken Coop"].set_upnp(False)
    chime = media_server.url("chime_short.mp3")

    result = engine_for(household).chime(ChimeRequest(chime, volume=40))

    outcome = {zone.name: (zone.outcome, zone.reason) for zone in result.zones}
    assert outcome["Chicken Coop"] == (Outcome.FAILED, Reason.UPNP_DISABLED)
    assert outcome["Kitchen"][0] is Outcome.CHIMED
    assert outcome["Living Room"][0] is Outcome.CHIMED
    assert_at_work(household, chime)
