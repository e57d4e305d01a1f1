"""The repository's promises: metadata HACS and hassfest accept, and set-up that works."""

from datetime import UTC, datetime
from importlib import metadata
from importlib.util import find_spec
import json
from pathlib import Path
import re
import shutil
import subprocess
import sys

from homeassistant.helpers import selector
from packaging.requirements import Requirement
import pytest
import yaml

from custom_components.sonos_chime.engine import ChimeResult, Outcome, ZoneResult
from scripts import core_pins

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "sonos_chime"


def core_sonos_pins() -> dict[str, str]:
    """What HA core's Sonos integration pins, by package name, from its manifest.

    Read from the installed Home Assistant (pytest-homeassistant-custom-component
    pins it), so a harness upgrade that moves core's pins shows up here.
    """
    spec = find_spec("homeassistant.components.sonos")
    assert spec is not None
    assert spec.origin is not None
    manifest = json.loads((Path(spec.origin).parent / "manifest.json").read_text())
    return dict(req.split("==") for req in manifest["requirements"])


def test_manifest_is_what_hassfest_wants() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    keys = list(manifest)
    # hassfest: domain and name first, the rest sorted.
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "sonos_chime"
    assert manifest["config_flow"] is True
    assert manifest["requirements"] == [
        "mutagen>=1.48.1",
        "soco>=0.31.2",
        "sonos-websocket>=0.2.0",
    ]
    # SoCo's log lines are ours too (debug logging, attribution), as for core's Sonos.
    assert manifest["loggers"] == ["soco", "sonos_websocket"]
    # The chime library is a media source, and media sources are resolved.
    assert manifest["dependencies"] == ["http", "media_source"]
    # Messages are spoken by text-to-speech when it is set up.
    assert manifest["after_dependencies"] == ["tts"]
    assert manifest["iot_class"] == "local_polling"
    assert manifest["integration_type"] == "hub"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    for key in ("documentation", "issue_tracker"):
        assert manifest[key].startswith("https://")
    assert manifest["codeowners"]


def test_services_yaml_has_no_device_filter_on_targets() -> None:
    """hassfest (and so HACS) refuses device filters on a target.

    "Services do not support device filters on target, use a device selector
    instead": the target filters entities, and the frontend offers the devices
    that hold them (Sonos speakers).
    """
    services = yaml.safe_load((INTEGRATION / "services.yaml").read_text())
    for name, service in services.items():
        target = service.get("target")
        if target is None:
            continue
        assert set(target) <= {"entity"}, name
        # What is left is a target selector as Home Assistant reads one.
        selector.TargetSelector.CONFIG_SCHEMA(target)
        for entity_filter in target["entity"]:
            assert entity_filter["integration"] in {"sonos", "sonos_chime"}, name


def test_hacs_metadata() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert hacs["name"]
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", hacs["homeassistant"])
    # HACS publishes exactly one integration from custom_components/.
    assert [p.name for p in (ROOT / "custom_components").iterdir() if p.is_dir()] == [
        "sonos_chime"
    ]


def test_requirements_pin_the_newest_test_harness_and_core_sonos() -> None:
    """Tests run on what a user's install really has: core's Sonos at its pins.

    Both integrations share one environment; if our soco differed from core's,
    every install would flip between the two and both run on whichever won.
    """
    lines = (ROOT / "requirements_test.txt").read_text().splitlines()
    assert "pytest-homeassistant-custom-component==0.13.375" in lines
    pins = core_sonos_pins()
    assert set(pins) == {"defusedxml", "soco", "sonos-websocket"}
    for package, version in pins.items():
        assert f"{package}=={version}" in lines
        assert metadata.version(package) == version, "run scripts/setup"


def test_requirements_admit_every_pin_of_the_installed_core() -> None:
    """No requirement of ours parts from a pin of core's (manifests and constraints).

    The newest release's pins are checked by scripts/newest, and the oldest
    release hacs.json declares by its wheel, with the same code.
    """
    pins = core_pins.pins_from_files(core_pins.installed_files())
    requirements = core_pins.our_requirements()
    assert core_pins.conflicts(requirements, pins) == []
    assert core_pins.shared(requirements, pins) == {
        "mutagen",
        "soco",
        "sonos-websocket",
    }


@pytest.mark.parametrize(
    ("ours", "why"),
    [
        ("soco==0.31.2", "an exact pin of a package core pins too"),
        ("soco>=0.32", "does not admit core's pin"),
        ("soco<0.31", "does not admit core's pin"),
    ],
)
def test_a_requirement_that_parts_from_core_is_named(ours: str, why: str) -> None:
    pins = core_pins.pins_from_files(
        [("components/sonos/manifest.json", '{"requirements": ["soco==0.31.2"]}')]
    )
    [conflict] = core_pins.conflicts([Requirement(ours)], pins)
    assert conflict.why == why
    assert "core's sonos pins soco==0.31.2" in str(conflict)


def test_a_floor_admits_core_and_the_newest_soco() -> None:
    pins = core_pins.pins_from_files(
        [
            ("components/sonos/manifest.json", '{"requirements": ["soco==0.32.1"]}'),
            ("package_constraints.txt", "mutagen==1.48.1  # tts\npip>=21\n"),
        ]
    )
    assert {(pin.package, pin.version) for pin in pins} == {
        ("soco", "0.32.1"),
        ("mutagen", "1.48.1"),
    }
    assert core_pins.conflicts(core_pins.our_requirements(), pins) == []


def test_the_test_venv_holds_home_assistants_mutagen() -> None:
    lines = (ROOT / "requirements_test.txt").read_text().splitlines()
    pins = core_pins.pins_from_files(core_pins.installed_files())
    [pin] = {pin.version for pin in pins if pin.package == "mutagen"}
    assert f"mutagen=={pin}" in lines
    assert metadata.version("mutagen") == pin, "run scripts/setup"


def test_ci_runs_the_readme_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line for line in ci.splitlines() if line.startswith("scripts/")]
    assert commands == ["scripts/test", "scripts/lint", "scripts/newest"]
    for command in commands:
        assert command in readme


def _setup_copy(tmp_path: Path) -> Path:
    """A repository with only what scripts/setup reads, and no ../shared beside it."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup", repo / "scripts" / "setup")
    shutil.copy(ROOT / "requirements_test.txt", repo)
    shutil.copy(ROOT / "requirements_dev.txt", repo)
    return repo


def _run_setup(
    repo: Path, script: str = "setup", **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script
        [str(repo / "scripts" / script)],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_setup_names_the_python_it_needs(tmp_path: Path) -> None:
    if shutil.which("python3.14", path="/usr/bin:/bin"):
        pytest.skip("this machine ships a python3.14")
    result = _run_setup(_setup_copy(tmp_path))
    assert result.returncode == 1
    assert "3.14.2" in result.stderr
    assert not (tmp_path / "repo" / ".venv").exists()


def test_setup_refuses_an_old_python(tmp_path: Path) -> None:
    old = shutil.which("python3", path="/usr/bin:/bin") or "/bin/false"
    result = _run_setup(_setup_copy(tmp_path), PYTHON=old)
    assert result.returncode == 1
    assert "3.14.2" in result.stderr


@pytest.mark.parametrize("script", ["test", "develop"])
def test_a_newcomer_needs_no_setup_of_their_own(tmp_path: Path, script: str) -> None:
    """scripts/test and scripts/develop make .venv first: on a fresh clone they
    reach setup's own check (here refusing an old Python), never a "run setup"."""
    repo = _setup_copy(tmp_path)
    shutil.copy(ROOT / "scripts" / script, repo / "scripts" / script)
    old = shutil.which("python3", path="/usr/bin:/bin") or "/bin/false"
    result = _run_setup(repo, script, PYTHON=old)
    assert result.returncode == 1
    assert "setup: $PYTHON" in result.stderr
    assert "3.14.2" in result.stderr
    assert not (repo / ".venv").exists()


def test_second_setup_run_installs_nothing() -> None:
    # The suite runs inside the .venv that setup made; a second run must see it is current.
    result = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "setup")],
        env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_readme_images_are_in_the_repository() -> None:
    """Every picture the README shows is committed beside it: none is broken."""
    readme = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^]]*\]\(([^)]+)\)", readme)
    images += re.findall(r'<img src="([^"]+)"', readme)
    assert len(images) >= 4
    for image in images:
        assert (ROOT / image).is_file(), image
        assert (ROOT / image).read_bytes().startswith(b"\x89PNG"), image


def test_readme_explains_every_key_of_a_result() -> None:
    """The action's answer holds no word the README's table leaves unexplained."""
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| key | meaning |") :]
    table = table[: table.index("\n\n")]
    explained = set(re.findall(r"`(\w+)`", table))
    now = datetime.now(UTC)
    result = ChimeResult(zones=[], started_at=now, finished_at=now).as_dict()
    zone = ZoneResult(name="Kitchen", uid="RINCON_1", outcome=Outcome.CHIMED)
    timings = set(
        re.findall(
            r'timings\["(\w+)"\]',
            "".join(p.read_text() for p in (INTEGRATION / "engine").glob("*.py")),
        )
    )
    assert timings, "the engine's timings are no longer found where they were"
    keys = set(result) | set(zone.as_dict()) | timings | {"message", "spoken", "error"}
    assert keys - explained == set()
