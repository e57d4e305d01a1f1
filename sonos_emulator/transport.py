"""A speaker's transport: what is loaded, the playback clock, and the queue.

The clock is lazy. Nothing ticks: position, track changes and ends of file are
computed from ``time.monotonic()`` whenever someone looks (:meth:`settle`),
and each transition discovered that way is recorded at the moment it really
happened. Every method expects the household lock to be held.
"""

from typing import TYPE_CHECKING

from .soap import UPnPError
from .sources import (
    DEFAULT_TRACK_SECONDS,
    ENDLESS_KINDS,
    LIVE_INPUT_KINDS,
    Kind,
    Track,
    didl,
    kind_of,
    parse_didl,
    stream_item,
    title_from_uri,
    track_item,
)

if TYPE_CHECKING:
    from .media_resolver import FetchResult
    from .speaker import Speaker

PLAYING = "PLAYING"
PAUSED = "PAUSED_PLAYBACK"
STOPPED = "STOPPED"
TRANSITIONING = "TRANSITIONING"
NO_CONTENT = "ERROR_NO_CONTENT"
"""TransportStatus after media the speaker could not fetch or decode."""
_REPEAT_ONE = frozenset({"REPEAT_ONE", "SHUFFLE_REPEAT_ONE"})
_WRAPPING = frozenset({"REPEAT_ALL", "SHUFFLE", *_REPEAT_ONE})
_MIN_TRACK = 0.05
_MAX_STEPS = 100_000


class Transport:
    """Playback state of one coordinator (handed over whole when groups change)."""

    def __init__(self, owner: Speaker) -> None:
        """Start empty and stopped, as a factory-reset speaker does."""
        self.owner = owner
        self.queue: list[Track] = []
        self.queue_update_id = 1
        self.uri = ""
        self.metadata = ""
        self.kind = Kind.NONE
        self.state = STOPPED
        self.track = 0
        self.play_mode = "NORMAL"
        self.crossfade = False
        self.fetching = False
        self.status = "OK"
        self.title = ""
        self.duration: float | None = None
        self.loaded = False
        self._pos = 0.0
        self._anchor: float | None = None
        self._transition_until: float | None = None
        self._fetch_gen = 0
        self._last_emitted: tuple[str, str] | None = (STOPPED, "")

    # ----------------------------------------------------------------- clock
    def reported_state(self, now: float) -> str:
        """Transport state as GetTransportInfo reports it at ``now``."""
        if self.fetching or (
            self._transition_until is not None and now < self._transition_until
        ):
            return TRANSITIONING
        return self.state

    def position(self, now: float) -> float:
        """Seconds into the current track."""
        if self.kind in LIVE_INPUT_KINDS:
            return 0.0
        if self.state == PLAYING and self._anchor is not None and not self.fetching:
            return self._pos + max(0.0, now - self._anchor)
        return self._pos

    def track_duration(self) -> float | None:
        """Length of the current track; None for endless or unknown."""
        if self.kind == Kind.QUEUE:
            if 1 <= self.track <= len(self.queue):
                return self.queue[self.track - 1].duration
            return None
        if self.kind in ENDLESS_KINDS or self.kind in {Kind.NONE, Kind.MEMBER}:
            return None
        if self.kind == Kind.HTTP and not self.loaded:
            return None
        return self.duration

    def next_change(self, now: float) -> float | None:
        """When the clock changes the state by itself next (a transition or track end)."""
        if self._transition_until is not None and self._transition_until > now:
            return self._transition_until
        return self._track_end()

    def _track_end(self) -> float | None:
        """When the playing track ends, if it plays and has a length."""
        if self.state != PLAYING or self._anchor is None or self.fetching:
            return None
        duration = self.track_duration()
        if duration is None:
            return None
        return self._anchor + max(duration, _MIN_TRACK) - self._pos

    def settle(self, now: float) -> None:
        """Apply every transition that has happened by ``now``."""
        if self._transition_until is not None and now >= self._transition_until:
            until = self._transition_until
            self._advance(until)
            self._transition_until = None
            self._emit(until)
        self._advance(now)

    def _advance(self, now: float) -> None:
        """Move through track ends up to ``now`` (queue advance, end of file)."""
        for _ in range(_MAX_STEPS):
            end = self._track_end()
            if end is None or end > now:
                return
            if self.kind != Kind.QUEUE:
                self._finish(end, None)
                return
            following = self._next_index(manual=False)
            if following is None:
                self._finish(end, 1)
                return
            self._set_track(following, end)
            self._pos, self._anchor = 0.0, end

    def _finish(self, when: float, track: int | None) -> None:
        """End of file or of queue: STOPPED at position 0, as a real one does."""
        self.state, self._pos, self._anchor = STOPPED, 0.0, None
        if self.kind == Kind.HTTP:
            self.loaded = False
        if track is not None:
            self._set_track(track, when)
        self._emit(when)

    def _next_index(self, *, manual: bool) -> int | None:
        """The track after the current one under the play mode, None at the end."""
        if not manual and self.play_mode in _REPEAT_ONE:
            return self.track
        if self.track < len(self.queue):
            return self.track + 1
        return 1 if self.play_mode in _WRAPPING and self.queue else None

    def _set_track(self, track: int, when: float) -> None:
        """Change the current queue index and record it when it changed."""
        if track == self.track:
            return
        self.track = track
        info = self.current_track()
        self.owner.record(
            "track",
            when,
            track=track,
            uri=info.uri if info else "",
            title=info.title if info else "",
        )

    def _emit(self, when: float) -> None:
        """Record a ``transport`` event when the reported state or URI changed."""
        current = (self.reported_state(when), self.uri)
        if current != self._last_emitted:
            self._last_emitted = current
            self.owner.record("transport", when, state=current[0], uri=self.uri)

    def _resume_at(self, now: float) -> float:
        """When the clock may run again (a forced transition holds it)."""
        if self._transition_until is not None and self._transition_until > now:
            return self._transition_until
        return now

    # --------------------------------------------------------------- reading
    def current_track(self) -> Track | None:
        """The item playing (queue entry or the single loaded URI)."""
        if self.kind == Kind.QUEUE:
            if 1 <= self.track <= len(self.queue):
                return self.queue[self.track - 1]
            return None
        if self.kind in {Kind.NONE, Kind.MEMBER}:
            return None
        return Track(self.uri, self.title, self.track_duration() or 0.0)

    def track_number(self) -> int:
        """GetPositionInfo's Track: queue index, 1 for a single URI, 0 for none."""
        if self.kind == Kind.QUEUE:
            return self.track
        return 0 if self.kind in {Kind.NONE, Kind.MEMBER} else 1

    def track_metadata(self) -> str:
        """DIDL for the current track, or what real speakers send instead."""
        item = self.current_track()
        if item is None:
            return ""
        if self.kind in LIVE_INPUT_KINDS:
            return "NOT_IMPLEMENTED"
        if self.kind == Kind.RADIO:
            return stream_item(self.uri, self.title)
        if self.kind == Kind.QUEUE:
            return didl(track_item(item, f"Q:0/{self.track}", "Q:0"))
        known = self.track_duration() is not None
        return didl(track_item(item, "-1", "-1", with_duration=known))

    def number_of_tracks(self) -> int:
        """GetMediaInfo's NrTracks."""
        if self.kind == Kind.QUEUE:
            return len(self.queue)
        return 0 if self.kind in {Kind.NONE, Kind.MEMBER} else 1

    # -------------------------------------------------------------- commands
    def load(self, uri: str, metadata: str, now: float) -> None:
        """SetAVTransportURI: load a source, STOPPED at its start."""
        self.settle(now)
        self._cancel_fetch()
        self._transition_until = None
        self.uri, self.metadata, self.kind = uri, metadata, kind_of(uri)
        self.status = "OK"
        self.state, self._pos, self._anchor = STOPPED, 0.0, None
        self.loaded = self.kind != Kind.HTTP
        if self.kind == Kind.QUEUE:
            self.track = 0
            self._set_track(1 if self.queue else 0, now)
        else:
            info = parse_didl(metadata)
            known = self.owner.catalog_lookup(uri)
            self.title = (
                info.title or (known.title if known else "") or title_from_uri(uri)
            )
            self.duration = info.duration or (known.duration if known else None)
            if self.duration is None and self.kind == Kind.FILE:
                self.duration = DEFAULT_TRACK_SECONDS
            self.track = self.track_number()
        self._emit(now)

    def become_member(self, coordinator_uid: str, now: float) -> None:
        """Joining a group: the speaker's own transport now points at the coordinator."""
        self.load(f"x-rincon:{coordinator_uid}", "", now)

    def force(
        self,
        state: str,
        now: float,
        *,
        duration: float | None = None,
        pos: float = 0.0,
        track: int = 1,
    ) -> None:
        """Put the loaded source into ``state`` directly, as an app would."""
        if self.kind == Kind.QUEUE:
            self._set_track(track if self.queue else 0, now)
        else:
            self.duration, self.loaded = duration, True
        self._pos = pos
        self.state = state
        self._anchor = now if state == PLAYING else None
        self._emit(now)

    def play(self, now: float) -> None:
        """Play: start, resume, or (for a plain http URI) fetch and then start."""
        self.settle(now)
        if self.kind in {Kind.NONE, Kind.MEMBER} or (
            self.kind == Kind.QUEUE and not self.queue
        ):
            raise UPnPError(701, "nothing to play")
        if self.fetching or self.state == PLAYING:
            return
        if self.kind == Kind.HTTP and not (self.state == PAUSED and self.loaded):
            self._start_fetch(now)
            return
        if self.kind == Kind.QUEUE and self.track == 0:
            self._set_track(1, now)
        self.state, self._anchor = PLAYING, self._resume_at(now)
        self._buffer(self.owner.start_delay())
        self._emit(now)

    def _buffer(self, seconds: float) -> None:
        """TRANSITIONING while the speaker buffers what it starts; the clock holds."""
        if seconds > 0 and self._anchor is not None:
            self._anchor += seconds
            self._transition_until = self._anchor

    def pause(self, now: float) -> None:
        """Pause keeps the position; 701 for live inputs and when not playing.

        A radio stream cannot hold its place: pausing it stops it, as real
        speakers report for TuneIn and other ``x-sonosapi-stream:`` stations.
        """
        self.settle(now)
        if self.kind in LIVE_INPUT_KINDS:
            raise UPnPError(701, "live input cannot pause")
        if self.kind == Kind.RADIO and self.state == PLAYING and not self.fetching:
            self.state, self._pos, self._anchor = STOPPED, 0.0, None
            self._transition_until = None
        elif self.fetching:
            self._cancel_fetch()
            self.state = PAUSED
        elif self.state == STOPPED:
            raise UPnPError(701, "not playing")
        elif self.state == PAUSED:
            raise UPnPError(701, "already paused")
        elif self.state == PLAYING:
            self._pos, self._anchor, self.state = self.position(now), None, PAUSED
        self._emit(now)

    def stop(self, now: float) -> None:
        """Stop returns to the start of the current track; inputs refuse with 701."""
        self.settle(now)
        if self.kind in LIVE_INPUT_KINDS:
            raise UPnPError(701, "live input cannot stop")
        self._cancel_fetch()
        self._transition_until = None
        if self.kind in {Kind.NONE, Kind.MEMBER}:
            self._emit(now)
            return
        self.state, self._pos, self._anchor = STOPPED, 0.0, None
        if self.kind == Kind.HTTP:
            self.loaded = False
        self._emit(now)

    def seek_track(self, track: int, now: float) -> None:
        """Seek TRACK_NR (1-based): only within the local queue."""
        self.settle(now)
        if self.kind != Kind.QUEUE:
            raise UPnPError(701, "not playing the queue")
        if not 1 <= track <= len(self.queue):
            raise UPnPError(711, "no such track")
        self._set_track(track, now)
        self._restart_clock(0.0, now)

    def seek_time(self, seconds: float, now: float) -> None:
        """Seek REL_TIME: 701 when not seekable, 711 past the end of the track."""
        self.settle(now)
        duration = self.track_duration()
        if duration is None or self.fetching:
            raise UPnPError(701, "source is not seekable")
        if seconds > duration:
            raise UPnPError(711, "past the end of the track")
        self._restart_clock(seconds, now)

    def step(self, forward: bool, now: float) -> None:
        """Next/Previous within the queue; 711 past either end (no repeat)."""
        self.settle(now)
        if self.kind != Kind.QUEUE or not self.queue:
            raise UPnPError(701, "not playing the queue")
        if forward:
            target = self._next_index(manual=True)
        elif self.track > 1:
            target = self.track - 1
        else:
            target = len(self.queue) if self.play_mode in _WRAPPING else None
        if target is None:
            raise UPnPError(711, "end of queue")
        self._set_track(target, now)
        self._restart_clock(0.0, now)

    def _restart_clock(self, pos: float, now: float) -> None:
        """Jump to ``pos`` keeping the state (playing keeps playing)."""
        self._pos = pos
        self._anchor = self._resume_at(now) if self.state == PLAYING else None
        self._emit(now)

    def transition_for(self, seconds: float, now: float) -> None:
        """Report TRANSITIONING for ``seconds``; the clock holds meanwhile."""
        self.settle(now)
        until = now + seconds
        if self.state == PLAYING:
            self._pos, self._anchor = self.position(now), until
        self._transition_until = until
        self._emit(now)

    # ------------------------------------------------------------ http fetch
    def _start_fetch(self, now: float) -> None:
        """Go TRANSITIONING and let the owner fetch the URI in the background."""
        self.status = "OK"
        self._fetch_gen += 1
        self.fetching = True
        self.state, self._pos, self._anchor, self.loaded = STOPPED, 0.0, None, False
        self._emit(now)
        self.owner.start_fetch(self, self.uri, self._fetch_gen)

    def _cancel_fetch(self) -> None:
        """Forget a fetch in flight; its result will be ignored."""
        if self.fetching:
            self.fetching = False
            self._fetch_gen += 1

    def fetch_done(self, generation: int, result: FetchResult, now: float) -> None:
        """Play the fetched file for its real duration, or end STOPPED."""
        self.owner.record("media_fetch", now, **result.as_event())
        if generation != self._fetch_gen or not self.fetching:
            return
        self.fetching = False
        if result.ok:
            self.duration, self.loaded = result.duration, True
            self.state, self._pos, self._anchor = PLAYING, 0.0, self._resume_at(now)
        else:
            self.state, self.status = STOPPED, NO_CONTENT
        self._emit(now)

    # ----------------------------------------------------------------- queue
    def add_tracks(self, tracks: list[Track], position: int, now: float) -> int:
        """Insert at 1-based ``position`` (0 or past the end appends)."""
        self.settle(now)
        index = position - 1 if 1 <= position <= len(self.queue) else len(self.queue)
        self.queue[index:index] = tracks
        self.queue_update_id += 1
        if self.kind == Kind.QUEUE and tracks:
            if self.track == 0:
                self._set_track(1, now)
            elif index < self.track:
                self.track += len(tracks)
        return index + 1

    def remove_tracks(self, start: int, count: int, now: float) -> None:
        """Remove ``count`` tracks from 1-based ``start``; 402 when out of range."""
        self.settle(now)
        if start < 1 or count < 1 or start + count - 1 > len(self.queue):
            raise UPnPError(402, "no such tracks")
        del self.queue[start - 1 : start - 1 + count]
        self.queue_update_id += 1
        if self.kind != Kind.QUEUE or self.track == 0:
            return
        if self.track >= start + count:
            self.track -= count
        elif self.track >= start:
            if not self.queue:
                self._empty_queue_stop(now)
                return
            self._set_track(min(start, len(self.queue)), now)
            self._restart_clock(0.0, now)

    def replace_queue(self, tracks: list[Track], now: float) -> None:
        """Swap the whole queue; a playing queue stops at its first track."""
        self.settle(now)
        self.queue = list(tracks)
        self.queue_update_id += 1
        if self.kind == Kind.QUEUE:
            self.state, self._pos, self._anchor = STOPPED, 0.0, None
            self._set_track(1 if self.queue else 0, now)
            self._emit(now)

    def clear_queue(self, now: float) -> None:
        """RemoveAllTracksFromQueue: a playing queue stops."""
        self.settle(now)
        self.queue = []
        self.queue_update_id += 1
        if self.kind == Kind.QUEUE:
            self._empty_queue_stop(now)

    def _empty_queue_stop(self, now: float) -> None:
        """Nothing left in the queue: STOPPED at track 0."""
        self.state, self._pos, self._anchor = STOPPED, 0.0, None
        self._set_track(0, now)
        self._emit(now)

    # ------------------------------------------------------------- hand-over
    def hand_to(self, owner: Speaker, now: float) -> None:
        """Move this transport to a new coordinator (its queue URI follows it)."""
        self.owner = owner
        if self.kind == Kind.QUEUE:
            self.uri = f"x-rincon-queue:{owner.uid}#0"
        self._last_emitted = None
        self._emit(now)
