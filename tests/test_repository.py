"""The repository's promises: metadata HACS and hassfest accept, and set-up that works."""

from importlib import metadata
from importlib.util import find_spec
import json
from pathlib import Path
import re
import shutil
import subprocess
import sys

import pytest

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


def core_constraint(package: str) -> str:
    """The version Home Assistant pins package to, from its package_constraints.txt.

    Every install has the package at that pin, so requiring another version
    would make Home Assistant reinstall it under itself.
    """
    spec = find_spec("homeassistant")
    assert spec is not None
    assert spec.origin is not None
    constraints = Path(spec.origin).parent / "package_constraints.txt"
    pins = [
        line.split("==", 1)[1]
        for line in constraints.read_text().splitlines()
        if line.split("==", 1)[0].strip().lower() == package
    ]
    assert len(pins) == 1, f"Home Assistant does not pin {package} once"
    return pins[0].strip()


def test_manifest_is_what_hassfest_wants() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    keys = list(manifest)
    # hassfest: domain and name first, the rest sorted.
    assert keys[:2] == ["domain", "name"]
    assert keys[2:] == sorted(keys[2:])
    assert manifest["domain"] == "sonos_chime"
    assert manifest["config_flow"] is True
    assert manifest["requirements"] == [
        f"mutagen=={core_constraint('mutagen')}",
        f"soco=={core_sonos_pins()['soco']}",
        f"sonos-websocket=={core_sonos_pins()['sonos-websocket']}",
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


def test_mutagen_is_at_home_assistants_pin() -> None:
    """The manifest, the test requirements and the venv all hold HA's mutagen."""
    pin = core_constraint("mutagen")
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert f"mutagen=={pin}" in manifest["requirements"]
    lines = (ROOT / "requirements_test.txt").read_text().splitlines()
    assert f"mutagen=={pin}" in lines
    assert metadata.version("mutagen") == pin, "run scripts/setup"


def test_ci_runs_the_readme_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = [line for line in ci.splitlines() if line.startswith("scripts/")]
    assert commands == ["scripts/setup", "scripts/test", "scripts/lint"]
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


def _run_setup(repo: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own script
        [str(repo / "scripts" / "setup")],
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
