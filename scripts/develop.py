"""Helpers for scripts/develop: a configured household, and its timeline.

``seed CONFIG_DIR [--port PORT]`` runs before Home Assistant starts: it adds a
Sonos Chime entry for the household ``python -m sonos_emulator`` serves, with
every zone as a chime zone and two example chimes, to
``.storage/core.config_entries``. The entry is built by Home Assistant's own
``ConfigEntry`` and written in its storage format, so Home Assistant loads it as
if it had been made in the UI. An entry for the household that is already
there, edited or not, is left alone. It also stores the HTTP settings
(127.0.0.1 and PORT) as confirmed ones: an ``http:`` block in YAML would be
staged as a trial that Home Assistant reverts, restarting, five minutes later.

``timeline [HOST:PORT ...]`` prints what the emulated speakers were told and
did, merged in time order: a chime, from pause to resume, in a few lines.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Sequence
import json
import os
from pathlib import Path
import sys
from types import MappingProxyType
from typing import Any
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from homeassistant.components.http import config as http_config  # noqa: E402
from homeassistant.components.http.const import CONF_SERVER_HOST, CONF_SERVER_PORT  # noqa: E402
from homeassistant.config_entries import (  # noqa: E402
    SOURCE_USER,
    STORAGE_KEY,
    STORAGE_VERSION,
    STORAGE_VERSION_MINOR,
    ConfigEntry,
)
from homeassistant.util import dt as dt_util  # noqa: E402

from custom_components.sonos_chime.config_flow import (  # noqa: E402
    SonosChimeConfigFlow,
)
from custom_components.sonos_chime.const import (  # noqa: E402
    CONF_ALL_ZONES,
    CONF_ENABLED,
    CONF_HOSTS,
    CONF_MEDIA,
    CONF_MODE,
    CONF_NAME,
    CONF_ONLY_OCCUPIED,
    CONF_QUIET_HOURS,
    CONF_TIME,
    CONF_TV,
    CONF_VOLUME,
    CONF_WEEKDAYS,
    CONF_ZONES,
    DOMAIN,
    QUIET_HOLD,
    SUBENTRY_CHIME,
)
from custom_components.sonos_chime.engine import (  # noqa: E402
    ChimeMode,
    HouseholdInfo,
    TvMode,
    Zone,
)
from custom_components.sonos_chime.helpers import household_title  # noqa: E402
from custom_components.sonos_chime.schedule import WEEKDAYS  # noqa: E402
from sonos_emulator import Household  # noqa: E402

# The household `python -m sonos_emulator` runs, on 127.0.0.2 and up unless
# SONOS_EMULATOR_NET moves it (as scripts/develop does).
EMULATED = Household(first_ip=f"{os.environ.get('SONOS_EMULATOR_NET', '127.0.0')}.2")
ZONE_UIDS = {speaker.name: speaker.uid for speaker in EMULATED}

# The Chicken Coop sleeps through the evening chime: it shows a chime that
# names its zones beside one that plays on every chime zone.
EXAMPLE_CHIMES: tuple[dict[str, Any], ...] = (
    {
        CONF_NAME: "Morning bell",
        CONF_MEDIA: "bell.mp3",
        CONF_VOLUME: 30,
        CONF_ZONES: [],
        CONF_TIME: "07:00:00",
        CONF_WEEKDAYS: list(WEEKDAYS[:5]),
        CONF_TV: TvMode.SKIP.value,
        CONF_MODE: ChimeMode.INTERRUPT.value,
        CONF_QUIET_HOURS: QUIET_HOLD,
        CONF_ONLY_OCCUPIED: False,
        CONF_ENABLED: True,
    },
    {
        CONF_NAME: "Evening westminster",
        CONF_MEDIA: "westminster.mp3",
        CONF_ZONES: [ZONE_UIDS["Kitchen"], ZONE_UIDS["Living Room"]],
        CONF_TIME: "19:00:00",
        CONF_WEEKDAYS: list(WEEKDAYS),
        CONF_TV: TvMode.SKIP.value,
        CONF_MODE: ChimeMode.INTERRUPT.value,
        CONF_QUIET_HOURS: QUIET_HOLD,
        CONF_ONLY_OCCUPIED: False,
        CONF_ENABLED: True,
    },
)


def storage_path(config_dir: Path) -> Path:
    """Where Home Assistant keeps its config entries."""
    return config_dir / ".storage" / STORAGE_KEY


def emulated_entry() -> dict[str, Any]:
    """The emulated household's entry, as Home Assistant stores it."""
    entry = ConfigEntry(
        domain=DOMAIN,
        title=household_title(
            HouseholdInfo(
                household_id=EMULATED.household_id,
                zones=tuple(
                    Zone(sp.name, sp.uid, sp.ip, coordinator_uid=sp.uid)
                    for sp in EMULATED
                ),
            )
        ),
        data={CONF_HOSTS: [speaker.ip for speaker in EMULATED]},
        options={CONF_ALL_ZONES: True},
        unique_id=EMULATED.household_id,
        source=SOURCE_USER,
        version=SonosChimeConfigFlow.VERSION,
        minor_version=SonosChimeConfigFlow.MINOR_VERSION,
        discovery_keys=MappingProxyType({}),
        subentries_data=[
            {
                "data": chime,
                "subentry_type": SUBENTRY_CHIME,
                "title": chime[CONF_NAME],
                "unique_id": None,
            }
            for chime in EXAMPLE_CHIMES
        ],
    )
    return entry.as_dict()


def seed(config_dir: Path) -> bool:
    """Add the emulated household's entry unless it is there; True if added.

    Home Assistant must not be running on ``config_dir``: it rewrites this
    file from memory and would drop the entry.
    """
    path = storage_path(config_dir)
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    else:
        stored = {
            "version": STORAGE_VERSION,
            "minor_version": STORAGE_VERSION_MINOR,
            "key": STORAGE_KEY,
            "data": {"entries": []},
        }
    entries: list[dict[str, Any]] = stored["data"]["entries"]
    if any(
        entry["domain"] == DOMAIN and entry["unique_id"] == EMULATED.household_id
        for entry in entries
    ):
        return False

    entries.append(emulated_entry())
    _write_json(path, stored)
    return True


def http_storage_path(config_dir: Path) -> Path:
    """Where Home Assistant keeps its HTTP settings."""
    return config_dir / ".storage" / http_config.STORAGE_KEY


def seed_http(config_dir: Path, port: int) -> None:
    """Serve on 127.0.0.1:port, stored as settings the user has confirmed.

    Written with the installed release's own schema and storage version. A
    file of another storage version is left for Home Assistant to migrate.
    """
    path = http_storage_path(config_dir)
    stored: dict[str, Any] | None = None
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
        if (stored["version"], stored.get("minor_version", 1)) != (
            http_config.STORAGE_VERSION,
            http_config.STORAGE_MINOR_VERSION,
        ):
            print(f"develop: {path} is of another Home Assistant; HA_PORT not set")
            return
    if stored is None:
        stable = http_config.HTTP_STORAGE_SCHEMA({})
        stable.update(
            {
                http_config.HTTP_CONFIG_CREATED_AT: dt_util.utcnow().isoformat(),
                http_config.HTTP_CONFIG_ERROR: None,
                http_config.HTTP_CONFIG_ERROR_MESSAGE: None,
            }
        )
        stored = {
            "version": http_config.STORAGE_VERSION,
            "minor_version": http_config.STORAGE_MINOR_VERSION,
            "key": http_config.STORAGE_KEY,
            "data": {
                http_config.KEY_STABLE: stable,
                http_config.KEY_PENDING: None,
                http_config.KEY_YAML_MIGRATION_DONE: True,
            },
        }
    stored["data"][http_config.KEY_STABLE].update(
        {CONF_SERVER_HOST: ["127.0.0.1"], CONF_SERVER_PORT: port}
    )
    _write_json(path, stored)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace a storage file whole, as Home Assistant does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, indent=4) + "\n", encoding="utf-8")
    os.replace(partial, path)


# SOAP calls that only read, and arguments that only address: noise here.
READ_ONLY_PREFIXES = ("Get", "Browse")
QUIET_ARGS = frozenset({"InstanceID", "Channel", "ObjectID", "Speed"})
MAX_VALUE = 70


def fetch_events(addresses: Iterable[str]) -> list[dict[str, Any]]:
    """Every speaker's timeline, merged oldest first."""
    events: list[dict[str, Any]] = []
    for address in addresses:
        with urllib.request.urlopen(
            f"http://{address}/emulator/events", timeout=5
        ) as response:
            events.extend(json.load(response))
    return sorted(events, key=lambda event: event["t"])


def describe(event: dict[str, Any]) -> str | None:
    """One line for an event; None for calls that only read."""
    fields = {
        key: value
        for key, value in event.items()
        if key not in {"t", "speaker", "kind", "service", "args"}
    }
    if event["kind"] == "soap":
        if str(event["action"]).startswith(READ_ONLY_PREFIXES):
            return None
        fields = {
            "action": event["action"],
            **{
                key: value
                for key, value in event.get("args", {}).items()
                if key not in QUIET_ARGS and "MetaData" not in key and value != ""
            },
        }
    parts = [
        str(value) if key in {"action", "state"} else f"{key}={value}"
        for key, value in fields.items()
        if value is not None
    ]
    line = " ".join(_shorten(part) for part in parts)
    return f"{event['kind']:<12} {line}".rstrip()


def _shorten(text: str) -> str:
    """Long URIs and metadata cut to fit a terminal line."""
    return text if len(text) <= MAX_VALUE else f"{text[: MAX_VALUE - 1]}…"


def print_timeline(addresses: Sequence[str]) -> None:
    """The merged timeline, seconds counted from its first event."""
    lines = [
        (event["t"], event["speaker"], line)
        for event in fetch_events(addresses)
        if (line := describe(event)) is not None
    ]
    if not lines:
        print("develop: the speakers were told nothing yet")
        return
    start = lines[0][0]
    width = max(len(speaker) for _, speaker, _ in lines)
    for moment, speaker, line in lines:
        print(f"{moment - start:8.3f}  {speaker:<{width}}  {line}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the subcommand given on the command line."""
    parser = argparse.ArgumentParser(
        prog="scripts/develop.py", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    seed_parser = commands.add_parser("seed", help="configure the emulated household")
    seed_parser.add_argument("config_dir", type=Path)
    seed_parser.add_argument("--port", type=int, default=8123)
    timeline_parser = commands.add_parser("timeline", help="what the speakers did")
    timeline_parser.add_argument(
        "addresses",
        nargs="*",
        metavar="HOST:PORT",
        default=[f"{speaker.ip}:{speaker.port}" for speaker in EMULATED],
        help="speakers to ask (default: the emulated household)",
    )
    args = parser.parse_args(argv)

    if args.command == "timeline":
        print_timeline(args.addresses)
        return 0
    seed_http(args.config_dir, args.port)
    if seed(args.config_dir):
        names = ", ".join(chime[CONF_NAME] for chime in EXAMPLE_CHIMES)
        print(f"develop: added the emulated household with the chimes {names}")
    else:
        print("develop: the emulated household is already configured")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
