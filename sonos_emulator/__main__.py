"""Run an emulated household until SIGINT/SIGTERM: ``python -m sonos_emulator``."""

import argparse
from collections.abc import Sequence
import signal
import threading
from types import FrameType

from .household import DEFAULT_NAMES, Household
from .timing import PROFILES, REALISTIC


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog="python -m sonos_emulator", description=__doc__
    )
    parser.add_argument(
        "--speakers",
        default=",".join(DEFAULT_NAMES),
        help="comma-separated room names (default: %(default)s)",
    )
    parser.add_argument("--first-ip", default="127.0.0.2", help="first speaker address")
    parser.add_argument("--port", type=int, default=1400, help="port of every speaker")
    parser.add_argument("--household-id", default="Sonos_emulated")
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=REALISTIC.name,
        help="timing: how long speakers take to answer (default: %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Start, print one line per speaker and ``ready``, then wait for a signal."""
    args = _parse(argv)
    names = [name.strip() for name in args.speakers.split(",") if name.strip()]
    done = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with Household(
        names=names,
        first_ip=args.first_ip,
        port=args.port,
        household_id=args.household_id,
        profile=args.profile,
    ) as household:
        for speaker in household.speakers:
            print(f"{speaker.name}\t{speaker.ip}:{speaker.port}\t{speaker.uid}")
        print("ready", flush=True)
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
