"""scripts/bench runs every method end to end and prints its table.

Only the table's shape is checked: timings depend on the machine.
"""

from pathlib import Path
import re
import subprocess
import sys

from tests.conftest import EMULATOR_NET

ROOT = Path(__file__).resolve().parent.parent
METHODS = [
    "engine",
    "engine overlay, first",
    "engine overlay",
    "ha core recipe",
    "ha core announce",
    "action interrupt",
    "action overlay",
    "scheduled overlay",
    "scheduled overlay + message",
    "scheduled interrupt",
    "scheduled interrupt + message",
    "sequential",
]
OVER_THE_MUSIC = frozenset(
    {
        "engine overlay, first",
        "engine overlay",
        "ha core announce",
        "action overlay",
        "scheduled overlay",
        "scheduled overlay + message",
    }
)
# One zone, fast speakers: the emulator, two Home Assistant start-ups, core's
# discovery, two actions and four chimes set a few seconds ahead take most of it.
TIMEOUT = 180
NUMBER = r"-?\d+\.\d+"
PAIR = rf"{NUMBER} / {NUMBER}"
MILLISECONDS = r"\d+ / \d+"


def test_one_zone_has_a_row_per_method() -> None:
    # On the block this session's tests own, not on another session's.
    result = subprocess.run(  # noqa: S603 - our interpreter, our script
        [
            sys.executable,
            "scripts/bench.py",
            "--sizes",
            "1",
            "--profile",
            "fast",
            "--net",
            EMULATOR_NET,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    rows = [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in result.stdout.splitlines()
        if line.startswith("| 1 |")
    ]
    assert [row[1] for row in rows] == METHODS, result.stdout
    for row in rows:
        zones, method, first_sound, skew, interrupted, overhead, error, wall = row
        assert zones == "1"
        assert re.fullmatch(MILLISECONDS, first_sound), row
        assert re.fullmatch(NUMBER, skew), row
        assert re.fullmatch(PAIR, interrupted), row
        # Over the music nothing is interrupted, so there is no overhead.
        if method in OVER_THE_MUSIC:
            assert interrupted == "0.00 / 0.00", row
            assert overhead == "—", row
        else:
            assert re.fullmatch(PAIR, overhead), row
        assert re.fullmatch(PAIR, error), row
        assert re.fullmatch(NUMBER, wall), row
