"""Do our requirements admit what Home Assistant core pins? One answer, two uses.

Our integration shares one Python environment with core's: a requirement of
ours that does not admit core's pin of the same package makes Home Assistant
reinstall it under core on every start (online), or refuse to load us
(offline). Core pins in two places: each integration's manifest
(``requirements``) and ``package_constraints.txt``.

``python scripts/core_pins.py`` checks the installed ``homeassistant``;
``--wheel FILE`` checks a downloaded wheel of another release instead (the
oldest we declare in hacs.json, say), without installing it. Exit 1 names each
requirement that would fight core's pin.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib.util import find_spec
import json
from pathlib import Path
import sys
import zipfile

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "custom_components" / "sonos_chime" / "manifest.json"


@dataclass(frozen=True, slots=True)
class CorePin:
    """A package core pins, and where it does."""

    package: str
    version: str
    source: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """One of our requirements that core's pin does not satisfy, or an exact pin."""

    requirement: str
    pin: CorePin
    why: str

    def __str__(self) -> str:
        """One line a reader acts on."""
        return (
            f"{self.requirement}: {self.why} "
            f"({self.pin.source} pins {self.pin.package}=={self.pin.version})"
        )


def our_requirements(manifest: Path = MANIFEST) -> list[Requirement]:
    """The requirements of our manifest, parsed."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return [Requirement(text) for text in data["requirements"]]


def pins_from_files(files: Iterable[tuple[str, str]]) -> list[CorePin]:
    """Core's exact pins from (path, text) pairs of its manifests and constraints.

    Paths are relative to the ``homeassistant`` package.
    """
    pins: list[CorePin] = []
    for path, text in files:
        if path == "package_constraints.txt":
            lines = [line.split("#", 1)[0].strip() for line in text.splitlines()]
            pins.extend(_exact(lines, "package_constraints.txt"))
        else:
            integration = path.split("/")[1]
            requirements = json.loads(text).get("requirements", [])
            pins.extend(_exact(requirements, f"core's {integration}"))
    return pins


def _exact(lines: Iterable[str], source: str) -> Iterator[CorePin]:
    """The ``name==version`` lines, as pins; anything else is not a pin."""
    for line in lines:
        if not line or line.startswith("-"):
            continue
        try:
            requirement = Requirement(line)
        except ValueError:
            continue
        for spec in requirement.specifier:
            if spec.operator in ("==", "===") and "*" not in spec.version:
                yield CorePin(canonicalize_name(requirement.name), spec.version, source)


def installed_files() -> Iterator[tuple[str, str]]:
    """Core's manifests and constraints in the installed ``homeassistant``."""
    spec = find_spec("homeassistant")
    if spec is None or spec.origin is None:
        raise SystemExit("core_pins: homeassistant is not installed here")
    package = Path(spec.origin).parent
    yield "package_constraints.txt", (package / "package_constraints.txt").read_text()
    for manifest in sorted(package.glob("components/*/manifest.json")):
        yield manifest.relative_to(package).as_posix(), manifest.read_text()


def wheel_files(wheel: Path) -> Iterator[tuple[str, str]]:
    """The same files, read from a ``homeassistant`` wheel without installing it."""
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            relative = name.removeprefix("homeassistant/")
            if relative == name:
                continue
            parts = relative.split("/")
            wanted = relative == "package_constraints.txt" or (
                len(parts) == 3
                and parts[0] == "components"
                and parts[2] == "manifest.json"
            )
            if wanted:
                yield relative, archive.read(name).decode("utf-8")


def conflicts(
    requirements: Sequence[Requirement], pins: Iterable[CorePin]
) -> list[Conflict]:
    """Each way our requirements would part from core's pins."""
    found: list[Conflict] = []
    ours = {canonicalize_name(req.name): req for req in requirements}
    for pin in pins:
        if (requirement := ours.get(pin.package)) is None:
            continue
        if any(spec.operator in ("==", "===") for spec in requirement.specifier):
            why = "an exact pin of a package core pins too"
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            why = "does not admit core's pin"
        else:
            continue
        found.append(Conflict(str(requirement), pin, why))
    return found


def shared(requirements: Sequence[Requirement], pins: Iterable[CorePin]) -> set[str]:
    """Our packages that core pins too."""
    ours = {canonicalize_name(req.name) for req in requirements}
    return {pin.package for pin in pins if pin.package in ours}


def main(argv: Sequence[str] | None = None) -> int:
    """Check the installed release, or the wheels given."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--wheel",
        type=Path,
        action="append",
        default=[],
        help="a homeassistant wheel to read instead of the installed release",
    )
    args = parser.parse_args(argv)
    requirements = our_requirements()
    sources = [(str(wheel.name), wheel_files(wheel)) for wheel in args.wheel] or [
        ("the installed homeassistant", installed_files())
    ]
    failed = False
    for label, files in sources:
        pins = pins_from_files(files)
        if not pins:
            print(f"core_pins: {label} has no pins to read", file=sys.stderr)
            failed = True
            continue
        for conflict in conflicts(requirements, pins):
            print(f"core_pins: {label}: {conflict}", file=sys.stderr)
            failed = True
        names = ", ".join(sorted(shared(requirements, pins))) or "none"
        print(f"core_pins: {label}: our requirements admit core's pins of {names}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
