"""The chime engine: one call pauses, chimes and restores every targeted zone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
import logging
import threading
import time
from typing import Any

import aiohttp
from soco import SoCo

from .errors import (
    BUSY_TIMEOUT,
    ChimeStoppedError,
    HouseholdBusyError,
    HouseholdUnreachableError,
    MediaUnavailableError,
    UnknownZoneError,
)
from .group import (
    START_TIMEOUT,
    STOPPED_DETAIL,
    GroupChime,
    Speaker,
    describe,
    end_bound,
    new_speaker,
)
from .models import (
    ChimeMedia,
    ChimeMode,
    ChimeRequest,
    ChimeResult,
    HouseholdInfo,
    Outcome,
    Reason,
    Zone,
    ZoneResult,
)
from .overlay import NO_OVERLAY_MODELS, OverlaySession, takes_as_clip
from .record import make_record, record_groups, record_request
from .snapshot import PLAYING
from .topology import first_answer, model_name
from .url_length import probe_duration

_LOGGER = logging.getLogger(__name__)

MAX_WORKERS = 64
REGROUP_TIMEOUT = 10.0


class ChimeEngine:
    """Chimes on one Sonos household, one chime at a time.

    Calls block (SoCo is blocking); run them in a worker thread. Work across
    zones runs in parallel on a pool that is gone again when the call returns.

    Standing alone, the engine keeps chimes on one household apart itself,
    with a lock per household for the whole process. With own_lock False the
    caller does (Home Assistant's guard.py, which also holds core Sonos's
    snapshot and restore back): then that is the only lock taken.
    """

    def __init__(
        self,
        hosts: Sequence[str],
        *,
        own_lock: bool = True,
        clip_loop: asyncio.AbstractEventLoop | None = None,
        clip_session: aiohttp.ClientSession | None = None,
        busy_timeout: float = BUSY_TIMEOUT,
        poll_interval: float = 0.1,
        end_margin: float = 2.0,
    ) -> None:
        """Remember the hosts; nothing is contacted until asked."""
        self.hosts: tuple[str, ...] = tuple(hosts)
        self.own_lock = own_lock
        # Where clips run (overlay.py): the caller's loop and session, if given.
        self.clip_loop = clip_loop
        self.clip_session = clip_session
        self.busy_timeout = busy_timeout
        self.poll_interval = poll_interval
        self.end_margin = end_margin
        # Known from the first topology read; chimes on it are serialised.
        self._household_id: str | None = None
        # Set once the process stops: a chime under way is cut short and put
        # back, a chime not yet started does not start.
        self._stopping = threading.Event()
        # On the caller's loop the clip connections outlive a chime (overlay.py);
        # held by the chime that uses them, and by prepare().
        self._links: OverlaySession | None = None
        self._links_lock = threading.Lock()

    def update_hosts(self, hosts: Iterable[str]) -> None:
        """Hosts to ask next, the ones that answered before first."""
        self.hosts = tuple(dict.fromkeys([*self.hosts, *hosts]))

    def stop(self) -> None:
        """Cut the chime under way short, put back, and start no other.

        Safe from any thread; a chime still preparing raises
        ChimeStoppedError before it touches a speaker.
        """
        self._stopping.set()

    def _refuse_when_stopping(self) -> None:
        """The last moment a chime may still be given up without a trace."""
        if self._stopping.is_set():
            raise ChimeStoppedError("Home Assistant is stopping")

    def household(self) -> HouseholdInfo:
        """Fresh topology from the first host that answers."""
        info = first_answer(self.hosts)
        self.update_hosts(zone.host for zone in info.zones)
        self._household_id = info.household_id
        return info

    def prepare(self, request: ChimeRequest) -> None:
        """Get ready for a chime due soon: nothing a speaker plays is touched.

        The household is read; for a chime that may go over the music, each
        target's model is learnt and its clip connections opened, to stay
        open for it. The chime reads the household again at its time: a
        group changed meanwhile must be chimed on, and put back, as it is
        then. Anything that fails here is met again, and reported, by the
        chime itself. A chime under way has its connections open already.
        """
        self._refuse_when_stopping()
        info = self.household()
        if request.mode is ChimeMode.INTERRUPT:
            return  # neither models nor clips: it pauses wherever it chimes
        targets, _ = self._targets(info, request)
        zones = [
            zone
            for members in targets
            for zone in members
            if zone.uid not in request.exclude_uids
        ]
        with _pools(len(zones)) as (each, _):
            each(_learn_model, zones)
        if self.clip_loop is None or not self._links_lock.acquire(blocking=False):
            return
        try:
            self._kept_links().probe(zones)
        finally:
            self._links_lock.release()

    def close(self) -> None:
        """Close the clip connections kept between chimes.

        Called once the chimes are over (Home Assistant unloads the entry,
        or stops); a chime after this opens them again.
        """
        links, self._links = self._links, None
        if links is not None:
            links.close()

    def chime(
        self, request: ChimeRequest, on_record: OnRecord | None = None
    ) -> ChimeResult:
        """Chime on the requested zones and put every one of them back.

        Raises only before any speaker is changed; what goes wrong on a
        speaker afterwards is reported in the result. ``on_record`` gets what
        will be restored (record.py) before the first speaker is touched, to
        keep where a crash cannot reach it.

        A sequence (``request.followed_by``) plays piece after piece within
        one pause and one restore; every piece is fetched before anything is.
        A piece after the first that cannot be fetched (a message its
        text-to-speech service failed to speak) is left out, and the result
        says why: the chime itself still rings.
        """
        self._refuse_when_stopping()
        # A URL played twice (a clock's strikes) is fetched once.
        lengths: dict[str, float | None] = {}
        first = _measured(request.sequence[0], lengths)
        rest: list[ChimeMedia] = []
        unplayed: dict[str, str] = {}
        for piece in request.followed_by:
            if piece.url in unplayed:
                continue
            try:
                rest.append(_measured(piece, lengths))
            except MediaUnavailableError as err:
                _LOGGER.warning("Left out of the chime: %s", err)
                unplayed[piece.url] = str(err)
        with self._holding(lambda: self._household_id or self.household().household_id):
            result = self._chime(request, (first, *rest), on_record)
        return replace(result, unplayed=unplayed)

    def recover(self, record: Mapping[str, Any]) -> ChimeResult:
        """Put back what a chime cut short by a crash left, from its record.

        Only groups that still show the chime's mark are touched: the chime
        as their source, or the recorded source paused where it played. A
        group someone changed since is reported and left as it is.
        """
        with self._holding(lambda: str(record["household_id"])):
            return self._recover(record)

    @contextmanager
    def _holding(self, household_id: Callable[[], str]) -> Iterator[None]:
        """The household to this call alone, or HouseholdBusyError in time.

        Nothing to take when the caller keeps chimes apart (own_lock False).
        """
        if not self.own_lock:
            yield
            return
        lock = household_lock(household_id())
        if not lock.acquire(timeout=self.busy_timeout):
            raise HouseholdBusyError.after(self.busy_timeout)
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _clips(self, mode: ChimeMode) -> Iterator[OverlaySession | None]:
        """A clip session when the chime may go over the music.

        On the caller's loop, the one kept open; standing alone, one of its
        own for this chime.
        """
        if mode is ChimeMode.INTERRUPT:
            yield None
        elif self.clip_loop is None:
            with OverlaySession(None, self.clip_session) as session:
                yield session
        else:
            with self._links_lock:
                yield self._kept_links()

    def _kept_links(self) -> OverlaySession:
        """The clip session kept on the caller's loop (its lock held)."""
        if self._links is None:
            self._links = OverlaySession(self.clip_loop, self.clip_session)
        return self._links

    def _recover(self, record: Mapping[str, Any]) -> ChimeResult:
        started_at = datetime.now(UTC)
        request = record_request(record)
        groups = []
        for transport, members in record_groups(record):
            speakers = [new_speaker(zone) for zone, _ in members]
            for speaker, (_, rendering) in zip(speakers, members, strict=True):
                speaker.rendering = rendering
            group = GroupChime(
                coordinator=speakers[0],
                members=speakers[1:],
                request=request,
                transport=transport,
            )
            for speaker in group.speakers:
                speaker.changed = set(group.chime_settings(speaker))
            groups.append(group)
        jobs = sum(len(group.speakers) + 1 for group in groups)
        with _pools(jobs) as (each, together):
            each(GroupChime.reclaim, groups)
            self._put_back([g for g in groups if g.active], each, together)
        return self._result(groups, [], started_at, None)

    def _targets(
        self, info: HouseholdInfo, request: ChimeRequest
    ) -> tuple[list[list[Zone]], list[Zone]]:
        """Every group holding a requested zone, whole; and the zones left out.

        Names (typed by a person) are resolved here, against the one topology
        read of this chime; uids of zones no longer in the household are
        simply not there.
        """
        by_uid = {zone.uid: zone for zone in info.zones}
        if request.zone_names is not None:
            by_name = {zone.name.casefold(): zone for zone in info.zones}
            names = request.zone_names
            if unknown := [name for name in names if name.casefold() not in by_name]:
                raise UnknownZoneError(
                    unknown, sorted((z.name for z in info.zones), key=str.casefold)
                )
            wanted = {by_name[name.casefold()] for name in names}
        elif request.zone_uids is not None:
            wanted = {by_uid[uid] for uid in request.zone_uids if uid in by_uid}
        else:
            wanted = set(info.zones)
        left_out = {zone for zone in wanted if zone.uid in request.exclude_uids}
        coordinators = {zone.coordinator_uid for zone in wanted - left_out}
        groups = [
            members
            for uid, members in info.groups().items()
            if uid in coordinators and members[0].is_coordinator
        ]
        in_groups = {zone.uid for members in groups for zone in members}
        alone = [zone for zone in left_out if zone.uid not in in_groups]
        return groups, sorted(alone, key=lambda zone: zone.name.casefold())

    def _chime(
        self,
        request: ChimeRequest,
        pieces: tuple[ChimeMedia, ...],
        on_record: OnRecord | None,
    ) -> ChimeResult:
        started_at = datetime.now(UTC)
        info = self.household()
        targets, left_out = self._targets(info, request)
        groups = [
            GroupChime(
                coordinator=new_speaker(zones[0]),
                members=[new_speaker(zone) for zone in zones[1:]],
                request=request,
            )
            for zones in targets
        ]
        speakers = [speaker for group in groups for speaker in group.speakers]
        pausing, overlaid = groups, []
        with (
            _pools(len(speakers) + len(groups)) as (each, together),
            self._clips(request.mode) as clips,
        ):
            try:
                # Everything is read first, then every group pauses at once: a
                # group paused early would only wait for the others in silence.
                together(
                    [
                        *(partial(g.capture_speaker, s) for g, s in _pairs(groups)),
                        *(group.inspect for group in groups),
                    ]
                )
                if clips is not None:
                    overlaid = _overlaid(groups, clips, request, pieces)
                    pausing = [group for group in groups if group not in overlaid]
                    # What only a restore needs, where one will be: a clip
                    # waits for none of it. Still before any group pauses.
                    together(
                        [
                            *(
                                partial(g.capture_rendering, s)
                                for g, s in _pairs(pausing)
                            ),
                            *(group.record_transport for group in pausing),
                        ]
                    )
                for group in pausing:
                    group.chimed_by(ChimeMode.INTERRUPT)
                self._refuse_when_stopping()
                if on_record is not None:
                    _keep(on_record, make_record(info.household_id, request, pausing))
                each(lambda group: group.get_ready(together, pieces[0]), pausing)
                overlay = (
                    _ClipChime(overlaid, clips, request)
                    if clips is not None and overlaid
                    else None
                )
                self._sequence(pieces, pausing, overlay, each)
            finally:
                self._put_back(pausing, each, together)
        return self._result(groups, left_out, started_at, _total(pieces))

    def _sequence(
        self,
        pieces: tuple[ChimeMedia, ...],
        pausing: list[GroupChime],
        overlay: _ClipChime | None,
        each: Each,
    ) -> None:
        """Every piece everywhere at once, the next once it has ended everywhere.

        The first piece is loaded already. A group that fails a piece sits out
        the rest, silenced at once; it is put back with the others, in the one
        restore (one topology check) every chime ends with.
        """
        live = [group for group in pausing if group.active]
        wait_end = partial(
            GroupChime.wait_end,
            margin=self.end_margin,
            poll=self.poll_interval,
            stop=self._stopping,
        )
        for index, piece in enumerate(pieces):
            if self._stopping.is_set():
                each(GroupChime.cut_short, live)
                if overlay is not None:
                    overlay.cut_short()
                break
            if index:
                each(GroupChime.stop_chime, [g for g in live if not g.active])
                live = [group for group in live if group.active]
                each(partial(GroupChime.load, piece=piece), live)
            if overlay is not None:
                overlay.start(piece)
            each(GroupChime.play, live)
            each(wait_end, live)
            if overlay is not None:
                overlay.end(piece, self.end_margin, stop=self._stopping)

    def _put_back(
        self, groups: list[GroupChime], each: Each, together: Together
    ) -> None:
        """Chime silenced, groups regrouped, sources and settings back, played."""
        each(GroupChime.stop_chime, groups)
        self._regroup(groups, each)
        each(lambda group: group.put_back(together), groups)
        # Checks that cost no silence wait until every group plays again.
        together([partial(g.restore_eq, s) for g, s in _pairs(groups)])

    @staticmethod
    def _result(
        groups: list[GroupChime],
        left_out: list[Zone],
        started_at: datetime,
        duration: float | None,
    ) -> ChimeResult:
        """Every zone's result, the chime's timings on each."""
        plays = [group.play_times[1] for group in groups if group.play_times]
        for group in groups:
            group.finish_timings(min(plays) if plays else None)
        results = [speaker.result for group in groups for speaker in group.speakers]
        results += [_left_out(zone) for zone in left_out]
        result = ChimeResult(
            zones=sorted(results, key=lambda zone: zone.name.casefold()),
            started_at=started_at,
            finished_at=datetime.now(UTC),
            start_skew=max(plays) - min(plays) if len(plays) > 1 else None,
            duration=duration,
        )
        _LOGGER.debug(
            "Chime on %d zones: %d chimed, %d skipped, %d failed, skew %s",
            len(result.zones),
            len(result.chimed),
            len(result.skipped),
            len(result.failed),
            result.start_skew,
        )
        return result

    def _regroup(
        self,
        groups: list[GroupChime],
        each: Each,
    ) -> None:
        """Put back any group the household changed while the chime played.

        A coordinator pulled into another group leaves it first, then members
        rejoin their coordinator; we wait until the topology shows them.
        """
        placements = [
            (speaker, group.coordinator)
            for group in groups
            for speaker in group.speakers
            if speaker.result.reason is not Reason.UNREACHABLE
        ]

        def misplaced() -> list[Placement] | None:
            try:
                current = _coordinators(self.household())
            except HouseholdUnreachableError:
                return None
            return [
                (speaker, coordinator)
                for speaker, coordinator in placements
                if current.get(speaker.zone.uid) != coordinator.zone.uid
            ]

        if not (moved := misplaced()):
            return
        each(_leave, [(s, c) for s, c in moved if s is c])
        each(_rejoin, [(s, c) for s, c in moved if s is not c])
        deadline = time.monotonic() + REGROUP_TIMEOUT
        while (left := misplaced()) and time.monotonic() < deadline:
            time.sleep(self.poll_interval)
        # None: the household stopped answering, so nothing is confirmed.
        for speaker, _ in moved if left is None else left:
            speaker.fail(Reason.REGROUP_FAILED, "The zone did not rejoin its group")


# One lock per household for every engine in the process: two engines on one
# household (an entry reloaded mid-chime) would each restore the other's chime.
_HOUSEHOLD_LOCKS: dict[str, threading.Lock] = {}
_REGISTRY = threading.Lock()


def household_lock(household_id: str) -> threading.Lock:
    """The lock any engine holds while it chimes on this household."""
    with _REGISTRY:
        return _HOUSEHOLD_LOCKS.setdefault(household_id, threading.Lock())


def _learn_model(zone: Zone) -> None:
    """Read the zone's model once, ahead: SoCo keeps it for the chime."""
    model_name(SoCo(zone.host))


def _left_out(zone: Zone) -> ZoneResult:
    """A zone asked for but kept out, on its own: never touched."""
    return ZoneResult(
        name=zone.name,
        uid=zone.uid,
        outcome=Outcome.SKIPPED,
        reason=Reason.EXCLUDED,
        detail="Left out of this chime",
    )


type Placement = tuple[Speaker, Speaker]
"""A speaker and the coordinator it belongs under."""


def _coordinators(info: HouseholdInfo) -> dict[str, str]:
    """Coordinator uid of every zone."""
    return {zone.uid: zone.coordinator_uid for zone in info.zones}


def _leave(placement: Placement) -> None:
    """A coordinator pulled into another group stands alone again."""
    _group_step(placement[0], placement[0].soco.unjoin)


def _rejoin(placement: Placement) -> None:
    """A member goes back under its coordinator."""
    speaker, coordinator = placement
    _group_step(speaker, lambda: speaker.soco.join(coordinator.soco))


def _group_step(speaker: Speaker, action: Callable[[], object]) -> None:
    """Join or leave a group; a failure is reported on that zone only."""
    try:
        action()
    except Exception as err:  # isolation per speaker
        reason, detail = describe(err)
        speaker.fail(reason, f"regroup: {detail}")


type Each = Callable[[Callable[[Any], None], Iterable[Any]], None]
type Together = Callable[[Iterable[Callable[[], None]]], None]
type OnRecord = Callable[[dict[str, Any]], None]


@contextmanager
def _pools(jobs: int) -> Iterator[tuple[Each, Together]]:
    """Two pools: groups run their steps on one, their speakers' work on the other.

    So a group never waits for a thread its own steps hold. Groups wait for
    each other only where they must: before Play (all start at once) and
    before the restore (one topology check).
    """
    workers = max(1, min(MAX_WORKERS, jobs))
    with (
        ThreadPoolExecutor(workers, thread_name_prefix="sonos_chime") as pool,
        ThreadPoolExecutor(workers, thread_name_prefix="sonos_chime_io") as io,
    ):

        def each(step: Callable[[Any], None], items: Iterable[Any]) -> None:
            # list() waits for all; every step records its own failures.
            list(pool.map(step, items))

        def together(steps: Iterable[Callable[[], None]]) -> None:
            list(io.map(_call, steps))

        yield each, together


def _overlaid(
    groups: list[GroupChime],
    clips: OverlaySession,
    request: ChimeRequest,
    pieces: tuple[ChimeMedia, ...],
) -> list[GroupChime]:
    """The groups whose every chiming speaker takes clips: they are not paused.

    A speaker left out gets no clip. In auto mode a group with a muted speaker
    is paused instead: unmuted for the chime, it is sure to be heard; unless
    what it plays could not be loaded back. Every other group is paused, and
    its zones say why they were not overlaid.
    """

    def hearing(group: GroupChime) -> list[Speaker]:
        return [s for s in group.speakers if s.zone.uid not in request.exclude_uids]

    def not_overlaid(group: GroupChime, reason: Reason, detail: str) -> None:
        for speaker in hearing(group):
            speaker.note(reason, detail)

    live = [
        group
        for group in groups
        if group.active
        and group.source is not None
        and all(s.level is not None for s in group.speakers)
    ]
    if unfit := [piece.url for piece in pieces if not takes_as_clip(piece.url)]:
        for group in live:
            not_overlaid(group, Reason.CLIP_FORMAT, f"Not MP3 or WAV: {unfit[0]}")
        return []
    candidates = []
    for group in live:
        if models := [
            f"{s.zone.name} ({s.model})"
            for s in hearing(group)
            if s.model in NO_OVERLAY_MODELS
        ]:
            not_overlaid(group, Reason.CLIP_MODEL, f"No clip over music on {models[0]}")
        elif bonded := [s.zone.name for s in hearing(group) if s.zone.bonded]:
            # A clip plays on one device: a pair's left speaker, a theater's
            # soundbar (sonos_cloud README; home-assistant/core#94584).
            not_overlaid(
                group, Reason.BONDED, f"A clip would sound on part of {bonded[0]}"
            )
        elif (
            request.mode is ChimeMode.AUTO
            and group.source is not None
            and group.source.resumable
            and any(s.level and s.level.mute for s in hearing(group))
        ):
            # A session UPnP cannot load back (an app's, a cloud queue) keeps
            # its music under a clip instead: a pause would end it for good.
            not_overlaid(group, Reason.MUTED, "A muted speaker is unmuted for it")
        else:
            candidates.append(group)
    able = clips.probe(s.zone for group in candidates for s in hearing(group))
    overlaid = []
    for group in candidates:
        if hearing(group) and all(s.zone.uid in able for s in hearing(group)):
            overlaid.append(group)
            continue
        unable = [s.zone for s in hearing(group) if s.zone.uid not in able]
        names = ", ".join(zone.name for zone in unable)
        if any(zone.uid in clips.locked for zone in unable):
            not_overlaid(group, Reason.LAN_AUTH, f"Authentication asked on {names}")
        else:
            not_overlaid(group, Reason.NO_CLIPS, f"No clips on {names}")
    for group in overlaid:
        group.chimed_by(ChimeMode.OVERLAY)
        for speaker in group.speakers:
            if speaker not in hearing(group):
                speaker.settle(Outcome.SKIPPED, Reason.EXCLUDED, "No clip for it")
    return overlaid


@dataclass(slots=True)
class _ClipChime:
    """The overlaid groups' clips, piece after piece: the music never stops."""

    groups: list[GroupChime]
    clips: OverlaySession
    request: ChimeRequest

    def start(self, piece: ChimeMedia) -> None:
        """This piece's clip on every speaker still in the chime, all at once.

        A speaker whose clip failed sits out the rest of the sequence.
        """
        volumes = {
            speaker.zone.uid: self.request.volume_for(
                speaker.zone.uid, speaker.level.volume
            )
            for group in self.groups
            for speaker in group.speakers
            if speaker.zone.uid not in self.request.exclude_uids
            and speaker.result.outcome is not Outcome.FAILED
            and speaker.level is not None  # overlaid groups were all read
        }
        before = time.monotonic()
        errors = self.clips.start(volumes, piece.url)
        after = time.monotonic()
        for group in self.groups:
            if group.play_times is None:  # the chime's start: its first piece
                group.play_times = (before, after)
            for speaker in group.speakers:
                if (error := errors.get(speaker.zone.uid)) is not None:
                    speaker.fail(Reason.UPNP_ERROR, f"clip: {error}")

    def cut_short(self) -> None:
        """No more pieces: every speaker still in the chime was cut short."""
        for group in self.groups:
            for speaker in group.speakers:
                speaker.settle(Outcome.FAILED, Reason.STOPPED, STOPPED_DETAIL)

    def end(self, piece: ChimeMedia, margin: float, *, stop: threading.Event) -> None:
        """Each speaker's clip as it ended; one still sounding is cancelled.

        A clip past its bound may never end (a stream sent as a clip plays
        on, home-assistant/core#168015), one cut for the next piece makes way,
        and stopping leaves none to outlive the process.
        """
        bound = end_bound(piece, margin)
        statuses = self.clips.wait(bound + START_TIMEOUT, stop)
        stopped = stop.is_set()
        for group in self.groups:
            playing = group.source is not None and group.source.state == PLAYING
            for speaker in group.speakers:
                speaker.resumed(playing)
                status = statuses.get(speaker.zone.uid)
                if stopped and status not in (None, "DONE"):
                    speaker.fail(Reason.STOPPED, STOPPED_DETAIL)
                elif status is not None:
                    _clip_ended(speaker, status)
        self.clips.dismiss(uid for uid, status in statuses.items() if status != "DONE")


def _clip_ended(speaker: Speaker, status: str) -> None:
    """What a clip's last status means for its zone."""
    if status == "DONE":
        return
    if status in ("INTERRUPTED", "DISMISSED"):
        speaker.fail(Reason.CLIP_CUT_SHORT, f"The clip ended {status}")
    elif status in ("ACTIVE", "UNKNOWN"):
        speaker.fail(Reason.TIMEOUT, "The clip did not end in time")
    else:
        speaker.fail(Reason.MEDIA_UNPLAYABLE, f"The clip failed: {status}")


def _measured(piece: ChimeMedia, lengths: dict[str, float | None]) -> ChimeMedia:
    """The piece with its length, read from its URL when not given or known.

    lengths keeps what was read, by URL. Raises MediaUnavailableError for a
    piece the speakers could not fetch.
    """
    if piece.duration is not None:
        return piece
    if piece.url not in lengths:
        lengths[piece.url] = probe_duration(piece.url)
    return replace(piece, duration=lengths[piece.url])


def _total(pieces: tuple[ChimeMedia, ...]) -> float | None:
    """The sequence's length, when every piece's is known."""
    durations = [piece.duration for piece in pieces]
    if any(duration is None for duration in durations):
        return None
    return sum(duration for duration in durations if duration is not None)


def _keep(on_record: OnRecord, record: dict[str, Any]) -> None:
    """Hand the record over; a chime that cannot be kept safe still restores."""
    try:
        on_record(record)
    except Exception:
        _LOGGER.exception("Could not keep the chime's record; chiming without it")


def _call(step: Callable[[], None]) -> None:
    """Run one step (each records its own failures)."""
    step()


def _pairs(groups: list[GroupChime]) -> list[tuple[GroupChime, Speaker]]:
    """Every (group, speaker), members first."""
    members = [(group, speaker) for group in groups for speaker in group.members]
    return members + [(group, group.coordinator) for group in groups]


__all__ = ["ChimeEngine", "Outcome"]
