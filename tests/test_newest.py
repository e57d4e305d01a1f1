"""scripts/newest: the parts of the newest-release lane that decide pass or fail.

The lane itself runs in CI after the suite (``.ci/run``), on a real ``hass``
of the newest release; these tests hold its judgements to what they claim.
"""

from typing import Any

from homeassistant.const import __version__ as installed_release
from packaging.version import Version

from scripts import newest, newest_hass, start_requirements
from tests.integration.core_sonos import SONOS


def test_readme_first_automation_excludes_the_chicken_coop() -> None:
    action = newest_hass.readme_automation_action()
    assert action["target"] == {
        "floor_id": ["ground_floor", "first_floor"],
        "exclude": {"area_id": "chicken_coop"},
    }
    assert action["data"]["media"] == "ding_dong.mp3"


def test_start_requirements_hold_core_sonos_and_the_frontend_not_ours() -> None:
    requirements = start_requirements.start_requirements()
    manifest = start_requirements.manifest(SONOS)
    assert set(manifest["requirements"]) <= set(requirements)
    assert any(req.startswith("home-assistant-frontend==") for req in requirements)
    # Ours are left out, so that the start shows whether HA would install them;
    # mutagen comes with tts, which a user's install holds.
    assert not any(
        req.startswith(("soco>", "sonos-websocket>")) for req in requirements
    )


def state(**values: Any) -> dict[str, Any]:
    """A speaker's reported state, as the emulator gives it."""
    return {
        "coordinator_uid": "RINCON_1",
        "current_uri": "x-rincon-queue:RINCON_1#0",
        "track_number": 2,
        "volume": 12,
        "mute": False,
        "transport_state": "PLAYING",
        "position": 30.0,
    } | values


def test_compare_names_every_field_not_put_back() -> None:
    before = {"Kitchen": state(), "Porch": state(transport_state="PAUSED_PLAYBACK")}
    assert (
        newest_hass.compare(
            before,
            {
                "Kitchen": state(position=33.0),
                "Porch": state(transport_state="PAUSED_PLAYBACK"),
            },
            elapsed=3.0,
        )
        == []
    )
    wrong = newest_hass.compare(
        before,
        {
            "Kitchen": state(volume=45, current_uri="http://ha/chime.mp3"),
            "Porch": state(transport_state="PLAYING", position=35.0),
        },
        elapsed=3.0,
    )
    assert wrong == [
        "Kitchen: current_uri 'x-rincon-queue:RINCON_1#0' became 'http://ha/chime.mp3'",
        "Kitchen: volume 12 became 45",
        "Porch: transport_state 'PAUSED_PLAYBACK' became 'PLAYING'",
        "Porch: position 30.0 became 35.0",
    ]


def test_log_problems_are_ours_only() -> None:
    ours = [
        "2026-12-04 ERROR (MainThread) [homeassistant.components.sonos] broken",
        "2026-12-04 ERROR (MainThread) [custom_components.sonos_chime.manager] x",
        "2026-12-04 WARNING (MainThread) [homeassistant.helpers.frame] Detected "
        "that custom integration 'sonos_chime' calls a thing",
        "2026-12-04 WARNING (MainThread) [homeassistant.util.loop] Detected "
        "blocking call to open inside the event loop by custom integration "
        "'sonos_chime' at custom_components/sonos_chime/media.py",
        "/x/custom_components/sonos_chime/media.py:3: DeprecationWarning: old",
    ]
    others = [
        "2026-12-04 INFO (MainThread) [custom_components.sonos_chime] fine",
        "2026-12-04 ERROR (MainThread) [homeassistant.components.met] not ours",
        "/x/site-packages/aiohttp/web.py:3: DeprecationWarning: not ours",
    ]
    log = "\n".join(others[:1] + ours + others[1:])
    assert newest_hass.log_problems(log) == ours


def test_an_uninstallable_release_names_the_package() -> None:
    for output, package in (
        (
            "ERROR: No matching distribution found for homeassistant==2099.1.0",
            "homeassistant==2099.1.0",
        ),
        (
            "ERROR: Could not find a version that satisfies the requirement "
            "numpy==9.9 (from homeassistant)",
            "numpy==9.9",
        ),
    ):
        found = newest.MISSING.search(output)
        assert found is not None
        assert found.group(1) == package


def test_hacs_declares_a_release_the_suite_is_not_older_than() -> None:
    """The oldest release the lane checks pins for is one we test on or after."""
    assert newest.oldest_declared() <= Version(installed_release)
