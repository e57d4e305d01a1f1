"""Fetch a plain http(s) URI the way a speaker does and learn how long it plays.

Acceptance rule (documented choice): a ``Content-Type`` of ``audio/*`` must
decode as audio; ``application/octet-stream`` (and a missing type) is accepted
only when the bytes decode as audio; anything else (``text/html``, ``text/plain``
...) is rejected before the bytes are looked at. WAV is read with :mod:`wave`,
MP3 and other formats with ``mutagen`` when it is installed.
"""

from dataclasses import dataclass
import io
import threading
import urllib.error
import urllib.request
import wave

FETCH_TIMEOUT = 5.0
MAX_BYTES = 64 * 1024 * 1024
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_SNIFFED_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


@dataclass(frozen=True, slots=True)
class FetchResult:
    """Outcome of one fetch; ``ok`` only when it would have played."""

    url: str
    status: int | None = None
    content_type: str | None = None
    duration: float | None = None
    error: str | None = None
    # "mp3", "wav", or the mutagen type name of other audio.
    audio_format: str | None = None

    @property
    def ok(self) -> bool:
        """A playable file: no error and a known duration."""
        return self.error is None and self.duration is not None

    def as_event(self) -> dict[str, object]:
        """Fields for the ``media_fetch`` event."""
        return {
            "url": self.url,
            "status": self.status,
            "content_type": self.content_type,
            "duration": self.duration,
            "error": self.error,
        }


def audio_duration(data: bytes) -> float | None:
    """Seconds of audio in ``data``; None when it is not audio we can decode."""
    return decode(data)[0]


def decode(data: bytes) -> tuple[float | None, str | None]:
    """Seconds of audio in ``data`` and its format; (None, None) if not audio."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        try:
            with wave.open(io.BytesIO(data), "rb") as wav:
                rate = wav.getframerate()
                return (wav.getnframes() / rate, "wav") if rate else (None, None)
        except wave.Error, EOFError:
            return None, None
    try:
        import mutagen  # noqa: PLC0415 - optional, only the emulator needs it
        from mutagen.mp3 import MP3  # noqa: PLC0415
    except ImportError:  # pragma: no cover - mutagen is a test dependency
        return None, None
    for opener in (MP3, mutagen.File):
        try:
            parsed = opener(io.BytesIO(data))
        except Exception:  # noqa: S112 - any parse failure means "not audio"
            continue
        length = getattr(getattr(parsed, "info", None), "length", None)
        if length:
            kind = "mp3" if isinstance(parsed, MP3) else type(parsed).__name__
            return float(length), kind.lower()
    return None, None


def fetch(url: str, *, cancel: threading.Event, delay: float = 0.0) -> FetchResult:
    """Download ``url`` (after ``delay``) and judge it like a speaker would."""
    if delay > 0 and cancel.wait(delay):
        return FetchResult(url, error="cancelled")
    try:
        with _OPENER.open(url, timeout=FETCH_TIMEOUT) as reply:
            status = reply.status
            content_type = reply.headers.get_content_type() if reply.headers else ""
            raw_type = reply.headers.get("Content-Type", "")
            if not raw_type:
                content_type = ""
            if not (
                content_type.startswith("audio/") or content_type in _SNIFFED_TYPES
            ):
                return FetchResult(
                    url, status, content_type, error=f"not audio: {content_type}"
                )
            data = reply.read(MAX_BYTES)
    except urllib.error.HTTPError as err:
        return FetchResult(
            url, err.code, err.headers.get_content_type(), error=f"HTTP {err.code}"
        )
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        return FetchResult(url, error=f"unreachable: {reason}")
    duration, audio_format = decode(data)
    if duration is None:
        return FetchResult(url, status, content_type, error="undecodable audio")
    return FetchResult(
        url, status, content_type, duration=duration, audio_format=audio_format
    )
