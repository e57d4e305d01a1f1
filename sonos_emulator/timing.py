"""How long a speaker takes: the latency profiles every speaker runs under.

A real Sonos speaker is a small embedded device on a LAN. It answers a SOAP
read in tens of milliseconds, a state change in a little more, passes through
TRANSITIONING while it buffers what it was told to play, does not keep up with
a flood of requests, and lets a group change settle some hundreds of
milliseconds after the call that asked for it returned. ``REALISTIC`` models
that; ``FAST`` answers at once and exists so that most tests stay short.

Nobody publishes per-call timings of Sonos speakers, so the realistic numbers
are estimates inside the orders of magnitude that users and maintainers of
SoCo, Home Assistant core and other Sonos controllers report (LAN, healthy
network):

- **Reads 20-35 ms, changes 30-50 ms.** Home Assistant's Sonos maintainer
  calls play, pause and volume "instantaneous" on a healthy network (home-
  assistant/core#102535); a speaker starts fetching a stream about 35 ms after
  SetAVTransportURI and Play were sent (philippe44/AirConnect#517).
- **Loading a source 80-120 ms, grouping 100-200 ms.** Grouping is "one of
  the longest tasks (like 100/200ms)" (svrooij/sonos2mqtt#45).
- **TRANSITIONING for 150-300 ms after Play** while the speaker buffers; Home
  Assistant ignores TRANSITIONING and waits for the next state, and
  sonos2mqtt holds status updates back 400 ms to ride over it (#125).
- **Four requests at a time.** Speakers "cannot process commands fast after
  each other" (svrooij/node-sonos-ts, sonos-device.ts) and a fast controller
  can outrun a Play:1 (jishi/node-sonos-http-api#377); no cap is documented,
  so the emulator serves four at once and queues the rest.
- **Group changes show 300-700 ms after the call.** ZoneGroupState follows
  the call; Home Assistant waits for it (up to 30 s now) and logs show joins
  completing in about a second (home-assistant/core#181804, PR #160011).
  Slower cases (many seconds) are left to fault injection.
- **Media fetch 25-45 ms** before the first byte, on top of the real download.

Every delay is drawn uniformly from its range by a generator seeded per
speaker, so a run is reproducible for a given order of requests.
"""

from dataclasses import dataclass
import random

READ_ACTIONS_PREFIXES = ("Get", "List", "Browse")
"""SOAP actions that only read (the rest change something)."""
_LOAD_ACTIONS = frozenset({"SetAVTransportURI", "AddURIToQueue"})
_UNJOIN = "BecomeCoordinatorOfStandaloneGroup"
_JOIN = "x-rincon:"


@dataclass(frozen=True, slots=True)
class Delay:
    """A uniformly drawn delay in seconds."""

    low: float = 0.0
    high: float = 0.0

    def draw(self, rng: random.Random) -> float:
        """One sample (0 for a zero range, without touching the generator)."""
        if self.high <= 0:
            return 0.0
        return rng.uniform(self.low, self.high)


@dataclass(frozen=True, slots=True)
class Profile:
    """The timing of one kind of speaker."""

    name: str
    read: Delay = Delay()
    change: Delay = Delay()
    load: Delay = Delay()
    group: Delay = Delay()
    start: Delay = Delay()
    group_settle: Delay = Delay()
    media_fetch: Delay = Delay()
    concurrency: int | None = None

    def soap_delay(
        self, action: str, args: dict[str, str], rng: random.Random
    ) -> float:
        """How long the speaker works on ``action`` before it answers."""
        if action.startswith(READ_ACTIONS_PREFIXES):
            return self.read.draw(rng)
        if action == _UNJOIN or args.get("CurrentURI", "").startswith(_JOIN):
            return self.group.draw(rng)
        if action in _LOAD_ACTIONS:
            return self.load.draw(rng)
        return self.change.draw(rng)

    def describe(self) -> dict[str, object]:
        """JSON-able numbers for /emulator/state and the bench."""
        names = ("read", "change", "load", "group", "start", "group_settle")
        ranges = {
            name: [getattr(self, name).low, getattr(self, name).high]
            for name in (*names, "media_fetch")
        }
        return {"name": self.name, "concurrency": self.concurrency, **ranges}


FAST = Profile("fast")
"""Answers at once, groups settle at once: for tests that are about logic."""

REALISTIC = Profile(
    "realistic",
    read=Delay(0.020, 0.035),
    change=Delay(0.030, 0.050),
    load=Delay(0.080, 0.120),
    group=Delay(0.100, 0.200),
    start=Delay(0.150, 0.300),
    group_settle=Delay(0.300, 0.700),
    media_fetch=Delay(0.025, 0.045),
    concurrency=4,
)
"""What a Sonos speaker on a home LAN does (see the module docstring)."""

PROFILES = {profile.name: profile for profile in (FAST, REALISTIC)}


def profile_named(name: str | Profile) -> Profile:
    """Look a profile up by name; ValueError for an unknown one."""
    if isinstance(name, Profile):
        return name
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown timing profile {name!r}; known: {', '.join(PROFILES)}"
        ) from None
