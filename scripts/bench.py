"""Measure when a chime is first heard, its skew, overhead and position error.

The emulated household runs in its own process (as speakers would), and every
number comes from the speakers' own event timelines, so the engine, our
action and scheduled chimes in a real Home Assistant (bench_chimes.py) and the
baselines (Home Assistant core's snapshot/play/wait/restore script on core's
Sonos, core's own announce, and a sequential per-zone cron job) are measured
the same way. First sound: from the call, or the moment a scheduled chime was
due, to the moment each speaker starts the chime (its transport PLAYING the
chime after buffering, or its clip's audio fetched), mean and max across zones.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass, replace
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
import json
import os
from pathlib import Path
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from soco import SoCo  # noqa: E402
from soco.core import soco_reset  # noqa: E402
from soco.snapshot import Snapshot  # noqa: E402

from custom_components.sonos_chime.engine import (  # noqa: E402
    ChimeEngine,
    ChimeMode,
    ChimeRequest,
)
from custom_components.sonos_chime.engine.audio_length import read_file_duration  # noqa: E402
from scripts.bench_chimes import CHIMES, Chimes  # noqa: E402
from scripts.bench_core import CoreSonos  # noqa: E402
from sonos_emulator.timing import PROFILES, REALISTIC  # noqa: E402

MEDIA = ROOT / "tests" / "media"
CHIME = "chime_long.mp3"
CHIME_VOLUME = 30  # every method chimes at the same volume
START_POSITION = 30  # seconds into track 2 of the queue
FIXED_SLEEP = 3.0  # what a cron script sleeps for a 2 s chime
TRACKS = [f"x-file-cifs://nas/music/{n:02}.mp3" for n in range(1, 6)]
QUEUE = "x-rincon-queue:"  # what a zone playing its queue reports as its source


class MediaServer(ThreadingHTTPServer):
    """Stands in for Home Assistant's server, which listens with a backlog of 128.

    socketserver's default of 5 drops simultaneous fetches by 20 speakers and
    costs them a one-second SYN retransmit.
    """

    request_queue_size = 128


class Quiet(SimpleHTTPRequestHandler):
    """No request log on the bench's output."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Discard."""


@dataclass
class Row:
    """One method on one household size."""

    zones: int
    method: str
    first_sound_mean: float
    first_sound_max: float
    skew: float
    # Music interruption per zone (0 for an overlay zone), and that minus the
    # chime's length (None when nothing was interrupted).
    interruption_mean: float
    interruption_max: float
    overhead_mean: float | None
    overhead_max: float | None
    error_mean: float
    error_max: float
    wall: float


def start_household(
    size: int, profile: str, net: str
) -> tuple[subprocess.Popen[str], list[str], list[str]]:
    """Run `python -m sonos_emulator` on `net`.2 and up until it says it is ready."""
    names = ",".join(f"Zone {n}" for n in range(1, size + 1))
    command = [sys.executable, "-m", "sonos_emulator", "--speakers", names]
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [*command, "--profile", profile, "--first-ip", f"{net}.2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    hosts, uids = [], []
    for line in proc.stdout or ():
        if line.strip() == "ready":
            break
        _, address, uid = line.rstrip("\n").split("\t")
        hosts.append(address.split(":")[0])
        uids.append(uid)
    return proc, hosts, uids


def describe(profile: str) -> str:
    """The profile's numbers, so a table says what it was measured under."""
    numbers = PROFILES[profile].describe()
    ranges = ", ".join(
        f"{name} {low * 1000:.0f}-{high * 1000:.0f} ms"
        for name, value in numbers.items()
        if isinstance(value, list)
        for low, high in [value]
        if high
    )
    slots = numbers["concurrency"]
    return f"({ranges}; {slots} requests at a time)" if ranges else "(no delays)"


def events(host: str, since: float) -> list[dict]:
    """A speaker's timeline from `since` on."""
    with urllib.request.urlopen(f"http://{host}:1400/emulator/events") as response:
        return [e for e in json.load(response) if e["t"] >= since]


def state(host: str) -> dict:
    """What a speaker reports now."""
    with urllib.request.urlopen(f"http://{host}:1400/emulator/state") as response:
        return json.load(response)


def set_up(hosts: list[str]) -> None:
    """Every zone plays track 2 of a local queue, 30 s in, through real SoCo."""
    for host in hosts:
        speaker = SoCo(host)
        if speaker.queue_size:  # clearing an empty queue is refused (UPnP 804)
            speaker.clear_queue()
        for uri in TRACKS:
            speaker.add_uri_to_queue(uri)
        speaker.play_from_queue(1)
        speaker.seek(f"0:00:{START_POSITION:02}")
        speaker.volume = 20
    # A loaded machine can take a moment: a zone still buffering would be
    # skipped as unsettled, and measure nothing.
    until_playing(hosts)


def until_playing(hosts: list[str], within: float = 10.0) -> None:
    """Wait until every zone reports PLAYING, as a listener would hear it."""
    deadline = time.monotonic() + within
    while waiting := [h for h in hosts if state(h)["transport_state"] != "PLAYING"]:
        if time.monotonic() >= deadline:
            raise RuntimeError(f"not playing after {within} s: {', '.join(waiting)}")
        time.sleep(0.05)


def clip_fetched(host: str, since: float, url: str, within: float = 5.0) -> float:
    """When the speaker fetched the clip: the first moment it could sound.

    Core's announce returns once the clip is handed over, before the speaker
    fetches it: look until it has.
    """
    deadline = time.monotonic() + within
    while True:
        for event in events(host, since):
            fetch = event["kind"] == "media_fetch" and event["url"] == url
            if fetch and event.get("clip"):
                return float(event["t"])
        if time.monotonic() >= deadline:
            raise LookupError(f"{host} neither paused nor fetched the clip")
        time.sleep(0.05)


def forget_speakers() -> None:
    """Drop SoCo's speaker singletons and cached topology, as a new process would."""
    soco_reset()
    SoCo.zone_group_states.clear()


def sequential(hosts: list[str], url: str) -> None:
    """The cron way: zone after zone, snapshot, play, fixed sleep, restore."""
    for host in hosts:
        speaker = SoCo(host)
        snapshot = Snapshot(speaker)
        snapshot.snapshot()
        speaker.volume = CHIME_VOLUME
        speaker.play_uri(url, title="Chime")
        time.sleep(FIXED_SLEEP)
        snapshot.restore()


def measure(hosts: list[str], method: str, run, url: str, chime_len: float) -> Row:
    """Run one chime and read the timelines back.

    run() returns anything for a chime called now; a scheduled chime returns
    the moment it was due, and its sonos_chime_played event: first sound and
    wall time count from that moment, and the event's duration (the chime
    and its message) is what the music had to be interrupted for.
    """
    set_up(hosts)
    time.sleep(0.3)  # let the queue play a moment, as it would in a home
    # Where each zone is, to the millisecond, and when: the reference for the error.
    before = {}
    for host in hosts:
        before[host] = (state(host)["position"], time.time())
    since = time.time()
    began = time.monotonic()
    outcome = run()
    wall = time.monotonic() - began
    due, length = since, chime_len
    if isinstance(outcome, tuple):
        due, played = outcome
        wall -= due - since
        length = played.get("duration") or chime_len
    starts, interruptions, errors = [], [], []
    try:
        # Play returns before the speaker has buffered: wait until every zone is heard.
        until_playing(hosts)
        for host in hosts:
            timeline = [e for e in events(host, since) if e["kind"] == "transport"]
            now_state, now = state(host), time.time()
            position, read_at = before[host]
            if not any(e["state"] != "PLAYING" for e in timeline):
                # Over the music: the clip starts once the speaker has fetched it.
                starts.append(clip_fetched(host, since, url))
                interruptions.append(0.0)
                errors.append(abs(now_state["position"] - (position + now - read_at)))
                continue
            paused, chime, resumed = interrupted(host, timeline, url)
            expected = position + (paused - read_at) + (now - resumed)
            starts.append(chime)
            interruptions.append(resumed - paused)
            errors.append(abs(now_state["position"] - expected))
    except (LookupError, RuntimeError) as err:
        # Which zone, and what the chime itself said of it.
        message = f"{method}, {len(hosts)} zones: {err}; the chime gave {outcome!r}"
        raise RuntimeError(message) from err
    overheads = [i - length for i in interruptions if i > 0]
    return Row(
        zones=len(hosts),
        method=method,
        first_sound_mean=statistics.mean(start - due for start in starts),
        first_sound_max=max(starts) - due,
        skew=max(starts) - min(starts),
        interruption_mean=statistics.mean(interruptions),
        interruption_max=max(interruptions),
        overhead_mean=statistics.mean(overheads) if overheads else None,
        overhead_max=max(overheads) if overheads else None,
        error_mean=statistics.mean(errors),
        error_max=max(errors),
        wall=wall,
    )


def interrupted(
    host: str, timeline: list[dict], url: str
) -> tuple[float, float, float]:
    """When the music stopped, the chime played, and the music played again."""

    def first(what: str, test) -> float:
        for event in timeline:
            if test(event):
                return float(event["t"])
        raise LookupError(f"{host} shows no {what}")

    paused = first("pause", lambda e: e["state"] != "PLAYING")
    chime = first("chime", lambda e: e["state"] == "PLAYING" and e["uri"] == url)
    resumed = first(
        "music after the chime",
        lambda e: (
            e["t"] > chime and e["state"] == "PLAYING" and e["uri"].startswith(QUEUE)
        ),
    )
    return paused, chime, resumed


def seconds(mean: float | None, most: float | None) -> str:
    """Mean / max, or a dash where there is nothing to measure."""
    return "—" if mean is None or most is None else f"{mean:.2f} / {most:.2f}"


def main() -> None:
    """Run every size, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1,5,10,20")
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="measure the engine only (no ha core recipe, no sequential)",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default=REALISTIC.name,
        help="the emulated speakers' timing (default: %(default)s)",
    )
    parser.add_argument(
        "--net",
        default=os.environ.get("SONOS_EMULATOR_NET", "127.0.0"),
        help="loopback /24 of the household: speakers on .2 and up, core's event"
        " listener on .1 (default: $SONOS_EMULATOR_NET or %(default)s)",
    )
    args = parser.parse_args()
    server = MediaServer(("127.0.0.1", 0), partial(Quiet, directory=MEDIA))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    clip_loop = asyncio.new_event_loop()
    threading.Thread(target=clip_loop.run_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{CHIME}"
    chime_len = read_file_duration(MEDIA / CHIME) or 0.0
    rows: list[Row] = []
    for size in (int(s) for s in args.sizes.split(",")):
        proc, hosts, uids = start_household(size, args.profile, args.net)
        try:
            forget_speakers()
            # Clips on a loop the engine is handed, as Home Assistant hands
            # it its own: connections then stay open from chime to chime.
            engine = ChimeEngine(hosts, clip_loop=clip_loop)
            request = ChimeRequest(url, duration=chime_len, volume=CHIME_VOLUME)
            rows.append(
                measure(hosts, "engine", partial(engine.chime, request), url, chime_len)
            )
            overlay = replace(request, mode=ChimeMode.OVERLAY)
            rows.extend(
                measure(hosts, method, partial(engine.chime, overlay), url, chime_len)
                for method in ("engine overlay, first", "engine overlay")
            )
            household_id = engine.household().household_id
            engine.close()
            if not args.no_baseline:
                # Core is set up after the engine ran and gone before the
                # sequential run: each method finds the household to itself.
                # SoCo keeps the topology it parsed across core's soco_reset()
                # and marks no new speaker object as coordinator until the
                # topology changes (set_up's calls would be refused): core
                # starts as it would in a fresh process.
                forget_speakers()
                with CoreSonos(hosts, uids, args.net) as core:
                    recipe = partial(core.chime, url, CHIME_VOLUME / 100, chime_len)
                    rows.append(
                        measure(hosts, "ha core recipe", recipe, url, chime_len)
                    )
                    announce = partial(core.announce, url, CHIME_VOLUME / 100)
                    rows.append(
                        measure(hosts, "ha core announce", announce, url, chime_len)
                    )
                    # Its clips end on their own, after the call returned.
                    time.sleep(chime_len + 1.0)
                forget_speakers()
                with Chimes(
                    hosts,
                    uids,
                    args.net,
                    household_id=household_id,
                    url=url,
                    volume=CHIME_VOLUME,
                ) as chimes:
                    for mode in (ChimeMode.INTERRUPT, ChimeMode.OVERLAY):
                        call = partial(chimes.call, mode)
                        method = f"action {mode.value}"
                        rows.append(measure(hosts, method, call, url, chime_len))
                    for row in CHIMES:
                        play = partial(chimes.play, row)
                        rows.append(measure(hosts, row, play, url, chime_len))
                forget_speakers()
                rows.append(
                    measure(
                        hosts,
                        "sequential",
                        partial(sequential, hosts, url),
                        url,
                        chime_len,
                    )
                )
        finally:
            proc.terminate()
            proc.wait()
    server.shutdown()
    print(f"speakers: {args.profile} timing profile {describe(args.profile)}")
    print(
        f"chime: {CHIME}, {chime_len:.2f} s at volume {CHIME_VOLUME};"
        f" sequential sleeps {FIXED_SLEEP:.1f} s"
    )
    print()
    print(
        "| zones | method | first sound mean / max (ms) | start skew (ms)"
        " | music interrupted mean / max (s)"
        " | overhead mean / max (s) | position error mean / max (s) | wall (s) |"
    )
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row.zones} | {row.method}"
            f" | {row.first_sound_mean * 1000:.0f} / {row.first_sound_max * 1000:.0f}"
            f" | {row.skew * 1000:.1f}"
            f" | {seconds(row.interruption_mean, row.interruption_max)}"
            f" | {seconds(row.overhead_mean, row.overhead_max)}"
            f" | {row.error_mean:.2f} / {row.error_max:.2f} | {row.wall:.1f} |"
        )


if __name__ == "__main__":
    main()
