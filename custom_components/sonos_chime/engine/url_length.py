"""Reading a chime's length from the URL the speakers will fetch, once per URL.

Each play still asks the server, with a conditional GET: the engine refuses
media the speakers could not fetch (a URL gone since) before any speaker
changes, and only the server can tell. When nothing changed that costs headers
only: a 304, or a 200 with the ETag, Last-Modified and Content-Length the
duration was read with (servers that ignore conditions), reuses the duration
and leaves the body unread. A server sending neither ETag nor Last-Modified
leaves only the size to compare, so that is trusted for a few minutes only:
audio generated behind one URL may change, but hardly between two plays.

Probing reads only what mutagen asks for: FLAC, WAV, MP4 (index first) and MP3
with a Xing/VBRI frame state their length up front, plain MP3 and ADTS are
estimated from Content-Length. What mutagen reads at the end (Ogg's last page,
an ID3v1 tag, an MP4 index last) comes with a Range request when the server
takes them; otherwise the download goes on to there, but once per URL.
"""

from collections import OrderedDict
from collections.abc import Buffer
from dataclasses import dataclass, field
from email.message import Message
import http.client
import io
import logging
from pathlib import PurePosixPath
import threading
import time
import urllib.error
from urllib.parse import unquote, urlsplit
import urllib.request

from .audio_length import read_stream_duration
from .errors import MediaUnavailableError

_LOGGER = logging.getLogger(__name__)

FETCH_TIMEOUT = 10.0
MAX_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 64
VALIDATORLESS_TTL = 300.0
USER_AGENT = "sonos_chime"
CHUNK = 64 * 1024
# A read further past what was downloaded than this is fetched with a Range
# request (when the server takes them) instead of downloading up to it.
RANGE_GAP = 256 * 1024

# What a download can fail with; http.client's errors are no OSError.
_FETCH_ERRORS = (urllib.error.URLError, OSError, ValueError, http.client.HTTPException)


@dataclass(frozen=True, slots=True)
class Validators:
    """What tells whether a URL still serves the body a duration was read from."""

    etag: str | None = None
    last_modified: str | None = None
    length: int | None = None

    @classmethod
    def of(cls, headers: Message) -> Validators:
        """The validators a response carries."""
        length = headers.get("Content-Length")
        return cls(
            etag=headers.get("ETag"),
            last_modified=headers.get("Last-Modified"),
            length=int(length) if length and length.isdigit() else None,
        )

    @property
    def versioned(self) -> bool:
        """Whether the server names the body's version, not only its size."""
        return self.etag is not None or self.last_modified is not None

    def conditions(self) -> dict[str, str]:
        """Headers asking the server to answer 304 when nothing changed."""
        headers = {}
        if self.etag is not None:
            headers["If-None-Match"] = self.etag
        if self.last_modified is not None:
            headers["If-Modified-Since"] = self.last_modified
        return headers


@dataclass(frozen=True, slots=True)
class Probe:
    """The duration a URL's body gave, and what it was read with."""

    duration: float | None
    validators: Validators
    bytes_read: int
    read_at: float = field(default_factory=time.monotonic)

    def still_valid(self, answer: Validators) -> bool:
        """Whether a 200 answer serves the body this probe read."""
        if self.validators.versioned:
            return answer == self.validators
        return (
            answer.length is not None
            and answer == self.validators
            and time.monotonic() - self.read_at < VALIDATORLESS_TTL
        )


class ProbeCache:
    """The last probes, by URL; the least recently used goes first."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        """Empty; at most max_entries URLs are kept."""
        self.max_entries = max_entries
        self._probes: OrderedDict[str, Probe] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, url: str) -> Probe | None:
        """The probe of url, if kept."""
        with self._lock:
            probe = self._probes.get(url)
            if probe is not None:
                self._probes.move_to_end(url)
            return probe

    def put(self, url: str, probe: Probe) -> None:
        """Keep probe for url, dropping the oldest beyond max_entries."""
        with self._lock:
            self._probes[url] = probe
            self._probes.move_to_end(url)
            while len(self._probes) > self.max_entries:
                self._probes.popitem(last=False)

    def drop(self, url: str) -> None:
        """Forget url."""
        with self._lock:
            self._probes.pop(url, None)

    def clear(self) -> None:
        """Forget every URL."""
        with self._lock:
            self._probes.clear()

    def __len__(self) -> int:
        """How many URLs are kept."""
        return len(self._probes)


CACHE = ProbeCache()


def probe_duration(url: str) -> float | None:
    """Check that url serves audio and return its duration, None if unknown.

    Raises MediaUnavailableError for what the speakers could not play either:
    an error answer, no answer, or a body that is not audio.
    """
    cached = CACHE.get(url)
    conditions = cached.validators.conditions() if cached is not None else {}
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, **conditions}
    )
    try:
        response = urllib.request.urlopen(request, timeout=FETCH_TIMEOUT)
    except urllib.error.HTTPError as err:
        err.close()
        if err.code == http.client.NOT_MODIFIED and cached is not None:
            return cached.duration
        CACHE.drop(url)
        raise MediaUnavailableError(f"{url} answered HTTP {err.code}") from err
    except _FETCH_ERRORS as err:
        raise MediaUnavailableError(f"{url} cannot be fetched: {err}") from err

    with response:
        validators = Validators.of(response.headers)
        if cached is not None and cached.still_valid(validators):
            return cached.duration
        content_type = response.headers.get_content_type()
        body = RemoteFile(url, response, validators)
        duration = read_stream_duration(body)
    if body.failure is not None:
        CACHE.drop(url)
        raise MediaUnavailableError(f"{url} cannot be fetched: {body.failure}")
    _LOGGER.debug(
        "%s: %s s, read %d of %s bytes",
        url,
        duration,
        body.bytes_read,
        validators.length,
    )
    if duration is None and not content_type.startswith("audio/"):
        CACHE.drop(url)
        raise MediaUnavailableError(f"{url} is not audio ({content_type})")
    CACHE.put(url, Probe(duration, validators, body.bytes_read))
    return duration


class _TooLargeError(OSError):
    """More than MAX_BYTES would be needed: the duration stays unknown."""


class RemoteFile(io.RawIOBase):
    """A response's body as a seekable file, downloaded only as far as it is read.

    The start is downloaded in order, as far as reads reach. A read far past
    it (an end-of-file tag or last page) is fetched with a Range request when
    the server takes them, else the download goes on up to it. A failed
    download is kept in ``failure``: mutagen would report it as a bad file.
    """

    def __init__(
        self,
        url: str,
        response: http.client.HTTPResponse,
        validators: Validators,
        limit: int = MAX_BYTES,
    ) -> None:
        """Nothing of the body is read yet."""
        super().__init__()
        self.url = url
        # mutagen tells formats without magic numbers by their suffix.
        self.name = PurePosixPath(unquote(urlsplit(url).path)).name
        self.failure: Exception | None = None
        self._response = response
        self._validators = validators
        self._limit = limit
        self._size = validators.length
        # Without a version to send in If-Range, a range could come from
        # another body than the start did.
        accept_ranges = response.headers.get("Accept-Ranges", "")
        self._ranges = accept_ranges.strip().lower() == "bytes" and validators.versioned
        self._head = bytearray()  # bytes 0 .. len(head) of the body
        self._head_done = False
        self._tail = b""  # the body's last bytes, when fetched apart
        self._pos = 0

    @property
    def bytes_read(self) -> int:
        """How much of the body came over the network."""
        return len(self._head) + len(self._tail)

    def readable(self) -> bool:
        """Always."""
        return True

    def seekable(self) -> bool:
        """Always; seeking from the end needs Content-Length or the whole body."""
        return True

    def tell(self) -> int:
        """The read position."""
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move the read position; nothing is downloaded but for SEEK_END."""
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._pos + offset
        elif whence == io.SEEK_END:
            position = self._total() + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if position < 0:
            raise ValueError("negative seek position")
        self._pos = position
        return position

    def readinto(self, buffer: Buffer, /) -> int:
        """Read from the position on, downloading what is needed."""
        view = memoryview(buffer).cast("B")
        end = self._pos + len(view)
        if self._size is not None:
            end = min(end, self._size)
        data = self._slice(self._pos, end) if end > self._pos else b""
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)

    def _total(self) -> int:
        if self._size is None:
            self._download_head(None)
            self._size = len(self._head)
        return self._size

    def _slice(self, start: int, end: int) -> bytes:
        """Bytes start .. end of the body, downloading what is missing."""
        # Where the fetched tail starts; with none, the end of the body.
        tail_start = (self._size or 0) - len(self._tail)
        if self._tail and start >= tail_start:
            return self._tail[start - tail_start : end - tail_start]
        if (
            self._ranges
            and self._size is not None
            and not self._head_done
            and start - len(self._head) > RANGE_GAP
            and self._fetch_tail(start, tail_start)
        ):
            return self._slice(start, end)
        head_end = min(end, tail_start) if self._tail else end
        self._download_head(head_end)
        data = bytes(self._head[start:head_end])
        if self._tail and end > head_end:
            data += self._tail[: end - head_end]
        return data

    def _download_head(self, end: int | None) -> None:
        """Download in order up to end (None: to the end of the body)."""
        while not self._head_done and (end is None or len(self._head) < end):
            room = self._limit - self.bytes_read
            if room <= 0:
                raise _TooLargeError(f"more than {self._limit} bytes needed")
            try:
                chunk = self._response.read(min(CHUNK, room))
            except _FETCH_ERRORS as err:
                self.failure = err
                raise OSError(f"download failed: {err}") from err
            self._head += chunk
            self._head_done = not chunk
            if not chunk and self._size is not None and len(self._head) < self._size:
                # http.client returns a body cut short as if it were whole.
                self.failure = OSError(
                    f"the body ended after {len(self._head)} of {self._size} bytes"
                )
                raise self.failure

    def _fetch_tail(self, start: int, stop: int) -> bool:
        """Fetch bytes start .. stop with a Range request; False if refused."""
        if stop - start > self._limit - self.bytes_read:
            return False
        headers = {"User-Agent": USER_AGENT, "Range": f"bytes={start}-{stop - 1}"}
        version = self._validators.etag or self._validators.last_modified
        if version is not None:
            headers["If-Range"] = version
        request = urllib.request.Request(self.url, headers=headers)
        expected = f"bytes {start}-{stop - 1}/{self._size}"
        data = b""
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as reply:
                if (
                    reply.status == http.client.PARTIAL_CONTENT
                    and reply.headers.get("Content-Range") == expected
                ):
                    data = reply.read(stop - start)
        except _FETCH_ERRORS as err:
            _LOGGER.debug("%s: range request failed: %s", self.url, err)
        if len(data) != stop - start:
            self._ranges = False  # refused or cut: download in order instead
            return False
        self._tail = data + self._tail
        return True
