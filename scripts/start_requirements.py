"""What the installed Home Assistant needs to start offline with core's Sonos and ours.

Prints the requirements of every integration bootstrap always loads, of core's
Sonos, of what our manifest depends on (and loads after), of all their
dependencies and of what they load after (Home Assistant installs those too),
and of the auth modules: what a user's install already holds. Our own requirements are
left out, so that a start shows whether Home Assistant would install them.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
import pkgutil
from typing import Any

from homeassistant import bootstrap
from homeassistant.auth import mfa_modules, providers

ROOT = Path(__file__).resolve().parent.parent
COMPONENTS = Path(bootstrap.__file__).parent / "components"
OURS = ROOT / "custom_components" / "sonos_chime" / "manifest.json"
# Integrations always loaded at start, as bootstrap names them; read by name,
# so that a release that renames one set still yields the others.
BOOTSTRAP_SETS = (
    "CORE_INTEGRATIONS",
    "LOGGING_AND_HTTP_DEPS_INTEGRATIONS",
    "FRONTEND_INTEGRATIONS",
    "DEFAULT_INTEGRATIONS",
)


def manifest(domain: str) -> dict[str, Any]:
    """A core integration's manifest."""
    return dict(json.loads((COMPONENTS / domain / "manifest.json").read_text()))


def start_requirements() -> list[str]:
    """Every requirement of what a start loads, core's Sonos included, not ours."""
    ours = json.loads(OURS.read_text())
    roots: set[str] = set().union(
        *(getattr(bootstrap, name, set()) for name in BOOTSTRAP_SETS)
    )
    roots.update(("api", "sonos"), ours["dependencies"], ours["after_dependencies"])
    seen: set[str] = set()
    todo = sorted(roots)
    requirements: set[str] = set()
    while todo:
        domain = todo.pop()
        if domain in seen or not (COMPONENTS / domain).is_dir():
            continue
        seen.add(domain)
        data = manifest(domain)
        requirements.update(data.get("requirements", []))
        # Home Assistant installs what an integration loads after, too.
        todo.extend(data.get("dependencies", []))
        todo.extend(data.get("after_dependencies", []))
    return sorted(requirements | auth_requirements())


def auth_requirements() -> set[str]:
    """What the auth providers and multi-factor modules install when loaded."""
    found: set[str] = set()
    for package in (mfa_modules, providers):
        for module in pkgutil.iter_modules(package.__path__):
            imported = importlib.import_module(f"{package.__name__}.{module.name}")
            found.update(getattr(imported, "REQUIREMENTS", []))
    return found


if __name__ == "__main__":
    print("\n".join(start_requirements()))
