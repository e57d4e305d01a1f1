"""The household: speakers, zone groups, the shared lock, threads and timeline."""

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
import ipaddress
from random import Random
import threading
import time
from types import TracebackType
from typing import Any, Self
from xml.etree import ElementTree as ET

from .eventing import Eventing
from .scpd import SOFTWARE_VERSION
from .services.alarm import Alarm
from .sources import Track
from .speaker import Bond, Speaker
from .timing import REALISTIC, Profile, profile_named

DEFAULT_NAMES = ("Kitchen", "Living Room", "Chicken Coop")
OUI = "000E58"  # Sonos, Inc.


def uid_for(ip: str) -> str:
    """A RINCON uid derived from the address, so every run gets the same one."""
    packed = ipaddress.IPv4Address(ip).packed
    return f"RINCON_{OUI}{packed[1:].hex().upper()}01400"


class Household:
    """A Sonos household of emulated speakers on consecutive loopback addresses."""

    def __init__(
        self,
        names: Iterable[str] = DEFAULT_NAMES,
        first_ip: str = "127.0.0.2",
        port: int = 1400,
        household_id: str = "Sonos_emulated",
        profile: str | Profile = REALISTIC,
        *,
        ws_port: int = 1443,
        audio_clip: Mapping[str, str | bool] | None = None,
        models: Mapping[str, str] | None = None,
        upnp: bool = True,
    ) -> None:
        """Lay out the speakers.

        ``audio_clip`` maps names to Speaker.set_audio_clip, ``models`` to
        Speaker.set_model; ``upnp`` is the household's UPnP setting.
        """
        self.household_id = household_id
        self.port = port
        self.ws_port = ws_port
        self.profile = profile_named(profile)
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.catalog: dict[str, Track] = {}
        self.alarms: list[Alarm] = []
        self.alarm_list_version = 1
        self._wall_offset = time.time() - time.monotonic()
        self._threads: list[threading.Thread] = []
        self._threads_lock = threading.Lock()
        self._started = False
        self._group_seq = 0
        self._group_ids: dict[str, str] = {}
        # (moment, ZoneGroupState) the topology shows from then on, oldest first.
        self._published: list[tuple[float, str]] = []
        self._shown: str | None = None
        self._rng = Random(household_id)  # noqa: S311 - timing jitter, not secrets
        self.eventing = Eventing(self)
        base = ipaddress.IPv4Address(first_ip)
        self.speakers: list[Speaker] = []
        for offset, name in enumerate(names):
            ip = str(base + offset)
            self.speakers.append(Speaker(self, name, ip, port, uid_for(ip)))
        if len({sp.name for sp in self.speakers}) != len(self.speakers):
            raise ValueError("speaker names must be unique")
        for speaker in self.speakers:
            self._new_group_id(speaker.uid)
        for name, mode in (audio_clip or {}).items():
            self[name].set_audio_clip(mode)
        for name, model in (models or {}).items():
            self[name].set_model(model)
        for speaker in self.speakers:
            speaker.set_upnp(upnp)

    # ------------------------------------------------------------ lifecycle
    def start(self) -> Self:
        """Bind every speaker; on any failure nothing is left listening."""
        self.stopping.clear()
        self.eventing.reopen()
        self._started = True
        try:
            for speaker in self.speakers:
                speaker.bind()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close every server and join every thread started (idempotent)."""
        if not self._started:
            return
        self._started = False
        self.stopping.set()
        self.eventing.close()
        for speaker in self.speakers:
            speaker.unbind()
        while True:
            with self._threads_lock:
                threads, self._threads = self._threads, []
            if not threads:
                break
            for thread in threads:
                thread.join()

    def __enter__(self) -> Self:
        """Start on entering a ``with`` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop on leaving it."""
        self.stop()

    @property
    def running(self) -> bool:
        """Started and not stopping: servers may be (re)bound."""
        return self._started and not self.stopping.is_set()

    def spawn(self, target: Callable[[], None], name: str) -> None:
        """Run ``target`` in a thread that :meth:`stop` will join."""
        thread = threading.Thread(target=target, name=name, daemon=True)
        with self._threads_lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def wall(self, monotonic: float) -> float:
        """Convert a monotonic instant to unix time for events."""
        return monotonic + self._wall_offset

    # -------------------------------------------------------------- lookup
    def __getitem__(self, name: str) -> Speaker:
        """Speaker by name; KeyError otherwise."""
        for speaker in self.speakers:
            if speaker.name == name:
                return speaker
        raise KeyError(name)

    def __iter__(self) -> Iterator[Speaker]:
        """Iterate over the speakers in address order."""
        return iter(self.speakers)

    def by_uid(self, uid: str) -> Speaker:
        """Speaker by RINCON uid; KeyError otherwise."""
        for speaker in self.speakers:
            if speaker.uid == uid:
                return speaker
        raise KeyError(uid)

    def _speaker(self, ref: str | Speaker) -> Speaker:
        """Accept a name or a Speaker."""
        return ref if isinstance(ref, Speaker) else self[ref]

    # -------------------------------------------------------------- alarms
    def add_alarm(self, room: str | Speaker, **settings: Any) -> Alarm:
        """Add an alarm as the Sonos app would; ``settings`` are Alarm's fields."""
        with self.lock:
            speaker = self._speaker(room)
            alarm_id = max((alarm.alarm_id for alarm in self.alarms), default=0) + 1
            alarm = Alarm(alarm_id=alarm_id, room_uuid=speaker.uid, **settings)
            self.alarms.append(alarm)
            self.alarm_list_version += 1
            speaker.record("alarm", alarm_id=alarm_id, action="created")
            return alarm

    # -------------------------------------------------------------- groups
    def members_of(self, coordinator: Speaker) -> list[Speaker]:
        """A group's speakers: coordinator first, then address order."""
        others = [
            sp
            for sp in self.speakers
            if sp.coordinator_uid == coordinator.uid and sp is not coordinator
        ]
        return [coordinator, *others]

    def coordinators(self) -> list[Speaker]:
        """Group coordinators in address order."""
        return [sp for sp in self.speakers if sp.is_coordinator]

    def groups(self) -> list[list[str]]:
        """Names per group, coordinator first, groups in address order."""
        with self.lock:
            return [[sp.name for sp in self.members_of(c)] for c in self.coordinators()]

    def group_id(self, coordinator_uid: str) -> str:
        """``{coordinator_uid}:{n}``; n grows with every change."""
        return self._group_ids[coordinator_uid]

    def _new_group_id(self, coordinator_uid: str) -> None:
        """Give a changed group a fresh ID, as real households do."""
        self._group_seq += 1
        self._group_ids[coordinator_uid] = f"{coordinator_uid}:{self._group_seq}"

    def bond(self, name: str, kind: str) -> Speaker:
        """Bond invisible partners to ``name``: a pair, or a home theater.

        ``"pair"`` adds the right channel, ``"home_theater"`` a sub and
        rears (see speaker.Bond). Their addresses follow the household's last speaker and answer
        nothing (see speaker.Bond). Set-up, so it shows at once.
        """
        speaker = self[name]
        channels = {"pair": ["RF,RF"], "home_theater": ["SW", "LR", "RR"]}[kind]
        base = (
            ipaddress.IPv4Address(self.speakers[-1].ip)
            + 1
            + 10 * (self.speakers.index(speaker) + 1)
        )
        hosts = {uid_for(str(base + n)): str(base + n) for n in range(len(channels))}
        own = "LF,LF" if kind == "pair" else "LF,RF"
        with self.lock:
            speaker.bond = Bond(
                kind=kind,
                channels={speaker.uid: own, **dict(zip(hosts, channels, strict=True))},
                hosts=hosts,
            )
            self._shown = None
        return speaker

    def join(self, member: str | Speaker, coordinator: str | Speaker) -> None:
        """Put ``member`` in ``coordinator``'s group; set-up, so it shows at once."""
        with self.lock, self.regrouping(settle=False):
            self.join_group(self._speaker(member), self._speaker(coordinator))

    def unjoin(self, member: str | Speaker) -> None:
        """Make ``member`` a standalone group again; shows at once."""
        with self.lock, self.regrouping(settle=False):
            self.leave_group(self._speaker(member))

    @contextmanager
    def regrouping(self, *, settle: bool, rng: Random | None = None) -> Iterator[None]:
        """Publish the topology a group change leaves, after the profile's settle time.

        A real speaker answers the join or unjoin before ZoneGroupState (and its
        event) shows the new groups. The change itself happens at once; what
        GetZoneGroupState reports follows ``group_settle`` later.
        """
        with self.lock:
            now = time.monotonic()
            self._due_topology(now)
            if self._shown is None and not self._published:
                self._shown = self._live_zone_group_state()
            yield
            delay = self.profile.group_settle.draw(rng or self._rng) if settle else 0.0
            last = self._published[-1][0] if self._published else now
            self._published.append(
                (max(now + delay, last), self._live_zone_group_state())
            )
            self._due_topology(now)

    def _due_topology(self, now: float) -> None:
        """Show every publication whose moment has come (live once none is left)."""
        while self._published and self._published[0][0] <= now:
            self._shown = self._published.pop(0)[1]
        if not self._published:
            self._shown = None

    def upcoming_changes(self, now: float) -> list[float]:
        """Moments at which the household changes by itself (for the event pump)."""
        with self.lock:
            moments = [moment for moment, _ in self._published]
            for speaker in self.coordinators():
                moment = speaker.transport.next_change(now)
                if moment is not None:
                    moments.append(moment)
            return moments

    def join_group(self, member: Speaker, target: Speaker) -> None:
        """Join ``target``'s group; a coordinator first hands its own group over."""
        coordinator = target.coordinator()
        if coordinator is member or member.coordinator_uid == coordinator.uid:
            return
        now = time.monotonic()
        self.settle_all(now)
        self.leave_group(member)
        member.coordinator_uid = coordinator.uid
        member.transport.become_member(coordinator.uid, now)
        self._new_group_id(coordinator.uid)
        member.record("group", now, action="joined", coordinator=coordinator.name)

    def leave_group(self, speaker: Speaker) -> str:
        """Leave the current group; returns the uid that now leads the old group."""
        now = time.monotonic()
        self.settle_all(now)
        if not speaker.is_coordinator:
            old = speaker.coordinator()
            speaker.coordinator_uid = speaker.uid
            speaker.transport.load(f"x-rincon-queue:{speaker.uid}#0", "", now)
            self._new_group_id(old.uid)
            self._new_group_id(speaker.uid)
            speaker.record("group", now, action="left", coordinator=speaker.name)
            return old.uid
        others = self.members_of(speaker)[1:]
        if not others:
            return speaker.uid
        # Real Sonos hands the group (queue and all) to a remaining member.
        heir = others[0]
        transport = speaker.transport
        speaker.transport = heir.transport
        speaker.transport.owner = speaker
        heir.transport = transport
        heir.coordinator_uid = heir.uid
        for member in others[1:]:
            member.coordinator_uid = heir.uid
            member.transport.become_member(heir.uid, now)
        transport.hand_to(heir, now)
        speaker.coordinator_uid = speaker.uid
        speaker.transport.queue = []
        speaker.transport.load("", "", now)
        self._group_ids.pop(speaker.uid, None)
        self._new_group_id(heir.uid)
        self._new_group_id(speaker.uid)
        speaker.record("group", now, action="left", coordinator=speaker.name)
        for member in others:
            member.record("group", now, action="coordinator", coordinator=heir.name)
        return heir.uid

    # ------------------------------------------------------------- timeline
    def settle_all(self, now: float | None = None) -> None:
        """Let every transport catch up with the clock (records due events)."""
        moment = time.monotonic() if now is None else now
        with self.lock:
            for speaker in self.speakers:
                speaker.transport.settle(moment)

    def events(self) -> list[dict[str, Any]]:
        """All speakers' events merged and sorted by time."""
        with self.lock:
            merged = [event for sp in self.speakers for event in sp.events()]
        return sorted(merged, key=lambda event: event["t"])

    def clear_events(self) -> None:
        """Forget every speaker's events."""
        for speaker in self.speakers:
            speaker.clear_events()

    def zone_group_state(self) -> str:
        """The ZoneGroupState document as published: a regroup shows once settled."""
        with self.lock:
            self._due_topology(time.monotonic())
            if self._shown is not None:
                return self._shown
            return self._live_zone_group_state()

    def published_group(self, speaker: Speaker) -> tuple[str, str, list[str]]:
        """(coordinator uid, group ID, member uids) of ``speaker`` as published."""
        root = ET.fromstring(self.zone_group_state())  # noqa: S314 - our own XML
        for group in root.iter("ZoneGroup"):
            uids = [member.get("UUID", "") for member in group.iter("ZoneGroupMember")]
            if speaker.uid in uids:
                return group.get("Coordinator", ""), group.get("ID", ""), uids
        return speaker.uid, self.group_id(speaker.uid), [speaker.uid]

    def _live_zone_group_state(self) -> str:
        """The groups as they are (no XML declaration, as SoCo expects)."""
        with self.lock:
            root = ET.Element("ZoneGroupState")
            groups = ET.SubElement(root, "ZoneGroups")
            for coordinator in self.coordinators():
                group = ET.SubElement(
                    groups,
                    "ZoneGroup",
                    Coordinator=coordinator.uid,
                    ID=self.group_id(coordinator.uid),
                )
                for sp in self.members_of(coordinator):
                    _add_member(group, sp)
            ET.SubElement(root, "VanishedDevices")
            return ET.tostring(root, encoding="unicode")


def _add_member(group: ET.Element, speaker: Speaker) -> None:
    """A speaker's ZoneGroupMember, and its bonded partners as SoCo reads them.

    soco.zonegroupstate: a pair's other speaker is a ZoneGroupMember of the
    same group with ``Invisible="1"`` and the same ``ChannelMapSet``; a home
    theater's sub and surrounds are ``Satellite`` elements inside the
    soundbar's member, invisible, with its ``HTSatChanMapSet``. Real
    documents show both: bencevans/sonos-cli#6 (a pair),
    home-assistant/core#52716 (a soundbar with sub and rear).
    """
    attributes = member_attributes(speaker)
    bond = speaker.bond
    if bond is None:
        ET.SubElement(group, "ZoneGroupMember", attributes)
        return
    key = "ChannelMapSet" if bond.kind == "pair" else "HTSatChanMapSet"
    attributes[key] = bond.channel_map()
    member = ET.SubElement(group, "ZoneGroupMember", attributes)
    for uid, host in bond.hosts.items():
        partner = {
            **attributes,
            "UUID": uid,
            "Location": f"http://{host}:{speaker.port}/xml/device_description.xml",
            "Invisible": "1",
        }
        if bond.kind == "pair":
            ET.SubElement(group, "ZoneGroupMember", partner)
        else:
            ET.SubElement(member, "Satellite", partner)


def member_attributes(speaker: Speaker) -> dict[str, str]:
    """Attributes of a ZoneGroupMember like a current S2 speaker sends."""
    return {
        "UUID": speaker.uid,
        "Location": f"{speaker.base_url}/xml/device_description.xml",
        "ZoneName": speaker.name,
        "Icon": "",
        "Configuration": "1",
        "SoftwareVersion": SOFTWARE_VERSION,
        "SWGen": "2",
        "MinCompatibleVersion": "82.0-00000",
        "LegacyCompatibleVersion": "58.0-00000",
        "BootSeq": "12",
        "TVConfigurationError": "0",
        "HdmiCecAvailable": "0",
        "WirelessMode": "0",
        "WirelessLeafOnly": "0",
        "ChannelFreq": "2412",
        "BehindWifiExtender": "0",
        "WifiEnabled": "1",
        "EthLink": "1",
        "Orientation": "0",
        "RoomCalibrationState": "4",
        "SecureRegState": "3",
        "VoiceConfigState": "0",
        "MicEnabled": "0",
        "AirPlayEnabled": "0",
        "IdleState": "1",
        "MoreInfo": "",
    }
