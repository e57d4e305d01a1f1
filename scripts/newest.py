"""The newest Home Assistant release, as users run it: a lane beside the suite.

The suite runs on the release pytest-homeassistant-custom-component pins,
which lags. This builds ``.venv-newest`` with the newest stable
``homeassistant`` the package index serves (found now: nothing to bump by
hand), core's Sonos requirements at that release's pins and what a start
loads, then:

1. checks our requirements against that release's pins and the oldest
   release hacs.json declares (``core_pins.py``, on its wheel);
2. runs the engine and emulator tests on that release's SoCo, and again on
   the newest SoCo when that is newer;
3. runs ``newest_hass.py``: a real ``hass`` with core's Sonos and ours;
4. says when the index has a test harness for a newer release than
   requirements_test.txt pins.

A release that cannot be installed here is named with the package it lacks,
and the next older one is tried; the lane never passes without having run.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
import json
from pathlib import Path
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile

from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-newest"
PYTHON = VENV / "bin" / "python"
# Releases tried, newest first, before the lane gives up.
TRIES = 3
# The test tools, at the versions the suite's .venv has.
TEST_TOOLS = ("pytest", "pytest-asyncio", "pytest-timeout", "pytest-socket")
LANE_TESTS = ("tests/engine", "tests/emulator")
MISSING = re.compile(
    r"(?:No matching distribution found for|Could not find a version that "
    r"satisfies the requirement|Because there are no versions of|"
    r"No solution found when resolving)\s*:?\s*(\S+)"
)


def say(text: str) -> None:
    """One line of the lane's report."""
    print(f"newest: {text}", flush=True)


def run(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run a command in the repository, its output captured."""
    result = subprocess.run(  # noqa: S603 - our own tools and pip
        [str(arg) for arg in args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if check and result.returncode != 0:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        raise SystemExit(f"newest: failed: {' '.join(map(str, args))}")
    return result


def pip(*args: str | Path, python: Path = PYTHON, check: bool = True) -> str:
    """Pip in a venv, quiet; its output."""
    result = run(python, "-m", "pip", *args, "--disable-pip-version-check", check=check)
    return result.stdout + result.stderr


def stable_versions(package: str) -> list[Version]:
    """Every stable release the index serves, newest first."""
    output = pip("index", "versions", package, python=Path(sys.executable))
    match = re.search(r"Available versions: (.*)", output)
    if match is None:
        raise SystemExit(f"newest: the index lists no versions of {package}")
    versions = [Version(v.strip()) for v in match.group(1).split(",")]
    return sorted((v for v in versions if not v.is_prerelease), reverse=True)


def base_python() -> str:
    """The interpreter the suite's .venv was made from (scripts/setup chose it)."""
    return str(getattr(sys, "_base_executable", sys.executable))


def make_venv() -> None:
    """A venv of the suite's Python, made once and reused."""
    if not PYTHON.exists():
        run(base_python(), "-m", "venv", VENV)
        pip("install", "--quiet", "--upgrade", "pip")


def install_release(version: Version) -> str | None:
    """Install homeassistant==version; None, or the package it could not get."""
    result = run(
        PYTHON,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        f"homeassistant=={version}",
        check=False,
    )
    if result.returncode == 0:
        return None
    found = MISSING.search(result.stderr + result.stdout)
    return (
        found.group(1) if found else (result.stderr.strip().splitlines() or ["?"])[-1]
    )


def lane_python(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """Python in the lane's venv, output passed through."""
    return subprocess.run(  # noqa: S603 - our own scripts
        [str(PYTHON), *map(str, args)], cwd=ROOT, check=False, text=True
    )


def installed_version(package: str) -> str:
    """A package's version in the lane's venv."""
    return run(
        PYTHON,
        "-c",
        f"from importlib.metadata import version; print(version({package!r}))",
    ).stdout.strip()


def release_dir() -> Path:
    """The installed ``homeassistant`` package of the lane."""
    return Path(
        run(PYTHON, "-c", "import homeassistant as h; print(h.__file__)").stdout.strip()
    ).parent


def core_sonos_requirements() -> list[str]:
    """Core's Sonos requirements at the installed release's pins."""
    path = release_dir() / "components" / "sonos" / "manifest.json"
    return list(json.loads(path.read_text())["requirements"])


def constraints() -> Path:
    """The installed release's package_constraints.txt."""
    return release_dir() / "package_constraints.txt"


def test_tools() -> list[str]:
    """The suite's test tools at the suite's versions."""
    from importlib.metadata import version  # noqa: PLC0415 - the suite's venv

    return [f"{tool}=={version(tool)}" for tool in TEST_TOOLS]


def oldest_declared() -> Version:
    """The oldest release hacs.json declares."""
    return Version(json.loads((ROOT / "hacs.json").read_text())["homeassistant"])


def check_oldest_pins() -> bool:
    """Our requirements against the oldest declared release's wheel."""
    oldest = oldest_declared()
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download_wheel(f"homeassistant=={oldest}", Path(tmp))
        return lane_python("scripts/core_pins.py", "--wheel", wheel).returncode == 0


def download_wheel(requirement: str, dest: Path) -> Path:
    """The wheel of one release, without its dependencies, into dest."""
    pip(
        "download",
        "--quiet",
        "--no-deps",
        "--dest",
        dest,
        requirement,
        python=Path(sys.executable),
    )
    [wheel] = dest.glob("*.whl")
    return wheel


def harness_notice() -> None:
    """Say when the test harness has caught up with a newer release."""
    pinned = Version(
        run(
            sys.executable,
            "-c",
            "import homeassistant.const as c; print(c.__version__)",
        ).stdout.strip()
    )
    newest = stable_versions("pytest-homeassistant-custom-component")[0]
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download_wheel(
            f"pytest-homeassistant-custom-component=={newest}", Path(tmp)
        )
        with zipfile.ZipFile(wheel) as archive:
            [name] = [
                n for n in archive.namelist() if n.endswith(".dist-info/METADATA")
            ]
            text = archive.read(name).decode()
    match = re.search(r"^Requires-Dist: homeassistant==(\S+)", text, re.MULTILINE)
    if match is None:
        say(
            f"pytest-homeassistant-custom-component {newest} names no homeassistant pin"
        )
        return
    harness = Version(match.group(1))
    if harness > pinned:
        say(
            f"pytest-homeassistant-custom-component {newest} tests Home Assistant "
            f"{harness}, newer than the suite's {pinned}: move requirements_test.txt"
        )
    else:
        say(f"the newest test harness ({newest}) tests {harness}, as the suite does")


def lane_tests(label: str) -> bool:
    """The engine and emulator tests in the lane's venv."""
    say(f"engine and emulator tests on {label}")
    return lane_python("-m", "pytest", "-q", *LANE_TESTS).returncode == 0


def main(argv: Sequence[str] | None = None) -> int:
    """Build the lane and run every check; 1 if any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", help="a release to run instead of the newest")
    args = parser.parse_args(argv)

    candidates = (
        [Version(args.release)] if args.release else stable_versions("homeassistant")
    )
    make_venv()
    release: Version | None = None
    for version in candidates[:TRIES]:
        if (missing := install_release(version)) is None:
            release = version
            break
        say(f"Home Assistant {version} cannot be installed here: {missing} is missing")
        shutil.rmtree(VENV)
        make_venv()
    if release is None:
        say("no recent release of Home Assistant can be installed here")
        return 1
    if release != candidates[0]:
        say(f"running on {release}, not on the newest release {candidates[0]}")
    say(f"Home Assistant {release}")

    start = run(PYTHON, "scripts/start_requirements.py").stdout.split()
    pip(
        "install",
        "--quiet",
        "-c",
        constraints(),
        *core_sonos_requirements(),
        *start,
        *test_tools(),
    )
    soco = installed_version("soco")
    say(f"core's Sonos pins {', '.join(core_sonos_requirements())}")

    results: dict[str, bool] = {}
    results["requirements admit this release's pins"] = (
        lane_python("scripts/core_pins.py").returncode == 0
    )
    results[f"requirements admit {oldest_declared()}'s pins"] = check_oldest_pins()
    results[f"engine and emulator on soco {soco}"] = lane_tests(f"soco {soco}")
    results["hass with core's Sonos and ours"] = (
        lane_python("scripts/newest_hass.py").returncode == 0
    )
    newest_soco = stable_versions("soco")[0]
    if newest_soco > Version(soco):
        pip("install", "--quiet", f"soco=={newest_soco}")
        results[f"engine and emulator on soco {newest_soco}"] = lane_tests(
            f"the newest soco, {newest_soco}"
        )
        pip("install", "--quiet", f"soco=={soco}")
    harness_notice()

    for what, passed in results.items():
        say(f"{'passed' if passed else 'FAILED'}: {what}")
    return 0 if all(results.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
