"""Chime durations read by mutagen from files, bytes and URLs; URLs probed once."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
import hashlib
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
import io
from pathlib import Path
import re
import shutil
import sys
import threading
import wave

import pytest

from custom_components.sonos_chime.const import AUDIO_SUFFIXES
from custom_components.sonos_chime.engine import (
    ChimeEngine,
    ChimeRequest,
    MediaUnavailableError,
    Outcome,
    read_duration,
    read_file_duration,
    url_length,
)
from custom_components.sonos_chime.engine.url_length import (
    CACHE,
    USER_AGENT,
    ProbeCache,
    probe_duration,
)
from sonos_emulator import Household

from .conftest import played_uris

REPO = Path(__file__).resolve().parents[2]
CHIMES_DIR = REPO / "custom_components" / "sonos_chime" / "chimes"
TEST_MEDIA = REPO / "tests" / "media"
TOLERANCE = 0.05  # seconds, for lengths mutagen estimates (CBR MP3, ADTS)

SHIPPED = {
    "bell": 2.5,
    "westminster": 5.0,
    "westminster_half": 8.75,
    "westminster_three_quarters": 12.5,
    "westminster_hour": 16.25,
    "clock_strike": 2.0,
    "ding_dong": 2.0,
    "soft_chime": 3.0,
}
# tests/media: exact lengths where the file states them, estimated otherwise.
TEST_CHIMES = {
    "chime_long.mp3": (2.0, 1e-9),  # Info frame: frames, encoder delay, padding
    "chime_short.mp3": (0.6, TOLERANCE),  # plain CBR: estimated from the size
    "chime_short.wav": (0.6, 1e-9),
    "chime_short.flac": (0.6, 1e-9),
    "chime_short.m4a": (0.6, 1e-9),
    "chime_silent.ogg": (0.6, 1e-9),
    "chime_silent_long.ogg": (30.0, 1e-9),
}


def media(name: str) -> bytes:
    return (TEST_MEDIA / name).read_bytes()


def adts(frames: int, length: int = 200) -> bytes:
    """Made-up ADTS AAC frames (LC, 44.1 kHz, mono, 1024 samples each).

    No AAC encoder is installed; mutagen reads the length from the headers.
    """
    header = (
        0xFFF << 44 | 1 << 40 | 1 << 38 | 4 << 34 | 1 << 30 | length << 13 | 0x7FF << 2
    )
    return (header.to_bytes(7, "big") + bytes(length - 7)) * frames


def wav(seconds: float, rate: int = 44_100) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(bytes(2 * round(seconds * rate)))
    return out.getvalue()


def pseudo_random(size: int) -> bytes:
    """Deterministic noise: a SHA-256 chain."""
    out = bytearray()
    block = b"sonos_chime"
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


# --- files and bytes -----------------------------------------------------------


def test_every_advertised_format_has_a_test() -> None:
    """What the library lists is what these tests read (.aac from made-up frames)."""
    tested = {Path(name).suffix for name in TEST_CHIMES} | {".aac"}
    assert tested == AUDIO_SUFFIXES


def test_every_shipped_chime_is_there() -> None:
    assert {path.stem for path in CHIMES_DIR.glob("*.mp3")} == set(SHIPPED)


@pytest.mark.parametrize(
    "path", sorted(CHIMES_DIR.glob("*.mp3")), ids=lambda path: path.name
)
def test_shipped_chime(path: Path) -> None:
    duration = read_file_duration(path)
    assert duration == pytest.approx(SHIPPED[path.stem], abs=TOLERANCE)
    assert read_duration(path.read_bytes()) == duration


@pytest.mark.parametrize("name", sorted(TEST_CHIMES))
def test_test_chime(name: str) -> None:
    expected, tolerance = TEST_CHIMES[name]
    duration = read_file_duration(TEST_MEDIA / name)
    assert duration == pytest.approx(expected, abs=tolerance)
    assert read_file_duration(str(TEST_MEDIA / name)) == duration
    assert read_duration(media(name)) == duration
    assert read_duration(bytearray(media(name))) == duration
    assert read_duration(memoryview(media(name))) == duration


def test_lossless_files_last_as_long_as_the_wav_they_hold() -> None:
    with wave.open(str(TEST_MEDIA / "chime_short.wav"), "rb") as source:
        seconds = source.getnframes() / source.getframerate()
    for name in ("chime_short.flac", "chime_short.m4a"):
        assert read_file_duration(TEST_MEDIA / name) == seconds


@pytest.mark.parametrize("name", ["", "chime.aac", "chime.mp3"])
def test_adts_aac(name: str) -> None:
    """No magic number: found by its suffix, else tried after MPEG audio."""
    assert read_duration(adts(40), name) == pytest.approx(
        40 * 1024 / 44_100, abs=TOLERANCE
    )


@pytest.mark.parametrize("name", ["chime_short.flac", "chime_short.m4a"])
def test_misnamed_file_is_read_by_its_bytes(tmp_path: Path, name: str) -> None:
    path = tmp_path / "chime.mp3"
    shutil.copyfile(TEST_MEDIA / name, path)
    assert read_file_duration(path) == 0.6


@pytest.mark.parametrize("junk", [bytes(777), b"junk " * 50], ids=["zeros", "text"])
def test_junk_before_mpeg_frames(junk: bytes) -> None:
    plain = read_duration(media("chime_short.mp3"))
    assert read_duration(junk + media("chime_short.mp3")) == pytest.approx(
        plain, abs=TOLERANCE
    )


def test_id3v2_tag_before_mpeg_frames() -> None:
    frame = b"TIT2" + (11).to_bytes(4, "big") + b"\0\0\x03Door chime"
    tag = b"ID3\x04\x00\x00" + bytes((0, 0, 0, len(frame))) + frame
    assert read_duration(tag + media("chime_long.mp3")) == 2.0


def test_wav_variants() -> None:
    assert read_duration(wav(0.25, rate=8000)) == 0.25
    assert read_duration(wav(1.5, rate=48_000)) == 1.5


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"ID3", id="id3-magic-only"),
        pytest.param(bytes(4096), id="zeros"),
        pytest.param(b"\xff" * 4096, id="ones"),
        pytest.param(pseudo_random(256 * 1024), id="noise"),
        pytest.param(b"<html><body>404 Not Found</body></html>\n" * 40, id="html"),
        pytest.param(media("not_audio.txt"), id="text"),
        pytest.param(b"fLaC\x00\x00\x00\x22" + bytes(34), id="flac-header-only"),
        pytest.param(b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00" + bytes(64), id="m4a"),
        pytest.param(media("chime_silent.ogg")[:60], id="ogg-cut"),
    ],
)
def test_not_audio_is_unknown(data: bytes) -> None:
    assert read_duration(data) is None


def test_unreadable_path_is_unknown(tmp_path: Path) -> None:
    assert read_file_duration(tmp_path / "missing.mp3") is None
    assert read_file_duration(tmp_path) is None
    assert read_file_duration(TEST_MEDIA / "not_audio.txt") is None


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda data, i: data[:i], id="prefix"),
        pytest.param(lambda data, i: data[:i] + b"\xff" + data[i + 1 :], id="byte-set"),
        pytest.param(lambda data, i: data[:i] + data[i + 7 :], id="bytes-dropped"),
    ],
)
@pytest.mark.parametrize("name", sorted(TEST_CHIMES))
def test_damaged_files_never_raise(
    mangle: Callable[[bytes, int], bytes], name: str
) -> None:
    """mutagen raises more than MutagenError on some (struct.error on Ogg)."""
    data = media(name)
    for index in range(0, 400, 3):
        duration = read_duration(mangle(data, index))
        assert duration is None or duration >= 0


# --- URLs ----------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    """One request the file server answered."""

    path: str
    status: int
    headers: dict[str, str]


class FileServer(ThreadingHTTPServer):
    """Serves a folder like a web server would, and notes every request.

    ranges: answer Range requests (and say so); validators: send ETag and
    Last-Modified; conditional: answer 304 when they match; pinned: the ETag
    and Last-Modified whatever the file holds, as a server that lies would;
    cut: send that many bytes of the body, then hang up.
    """

    daemon_threads = True

    def __init__(self, directory: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.directory = directory
        self.ranges = True
        self.validators = True
        self.conditional = True
        self.pinned: tuple[str, str] | None = None
        self.cut: int | None = None
        self.served: list[Served] = []

    def handle_error(self, request: object, client_address: object) -> None:
        """A probe hangs up once it has read enough: not an error."""
        if not isinstance(sys.exception(), ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def url(self, name: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/{name}"

    def probes(self) -> list[Served]:
        """Requests the engine made (the speakers fetch too)."""
        return [s for s in self.served if s.headers.get("User-Agent") == USER_AGENT]


class _Handler(SimpleHTTPRequestHandler):
    server: FileServer

    def translate_path(self, path: str) -> str:
        return str(self.server.directory / path.lstrip("/").split("?")[0])

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Discard."""

    def send_head(self) -> io.BytesIO | None:
        server = self.server
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return self._answer(404, b"not found", {})
        data = path.read_bytes()
        stat = path.stat()
        etag, modified = server.pinned or (
            f'"{stat.st_mtime_ns:x}-{len(data):x}"',
            self.date_time_string(int(stat.st_mtime)),
        )
        validators = {"ETag": etag, "Last-Modified": modified}
        headers = validators if server.validators else {}
        if server.ranges:
            headers = {**headers, "Accept-Ranges": "bytes"}
        if "If-None-Match" in self.headers:  # it overrides If-Modified-Since
            matches = self.headers["If-None-Match"] == etag
        else:
            matches = self.headers.get("If-Modified-Since") == modified
        if server.validators and server.conditional and matches:
            return self._answer(304, b"", headers)
        wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if_range = self.headers.get("If-Range")
        if server.ranges and wanted and if_range in (None, etag, modified):
            start = int(wanted[1])
            end = int(wanted[2]) + 1 if wanted[2] else len(data)
            headers = {
                **headers,
                "Content-Range": f"bytes {start}-{end - 1}/{len(data)}",
            }
            return self._answer(206, data[start:end], headers, path)
        return self._answer(200, data, headers, path)

    def _answer(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str],
        path: Path | None = None,
    ) -> io.BytesIO | None:
        self.server.served.append(Served(self.path, status, dict(self.headers)))
        self.send_response(status)
        if status != 304:
            content_type = self.guess_type(path) if path else "text/plain"
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        return io.BytesIO(body[: self.server.cut])


@pytest.fixture
def files(emulator_network: None, tmp_path: Path) -> Iterator[FileServer]:
    """A folder holding tests/media, served on 127.0.0.1."""
    folder = tmp_path / "served"
    shutil.copytree(TEST_MEDIA, folder)
    server = FileServer(folder)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(autouse=True)
def _no_cached_probes() -> Iterator[None]:
    CACHE.clear()
    yield
    CACHE.clear()


@pytest.mark.parametrize("name", sorted(TEST_CHIMES))
def test_probe_reads_every_format(files: FileServer, name: str) -> None:
    expected, tolerance = TEST_CHIMES[name]
    assert probe_duration(files.url(name)) == pytest.approx(expected, abs=tolerance)


def test_probe_of_adts_named_aac(files: FileServer) -> None:
    (files.directory / "chime.aac").write_bytes(adts(40))
    assert probe_duration(files.url("chime.aac")) == pytest.approx(
        40 * 1024 / 44_100, abs=TOLERANCE
    )


def test_second_probe_asks_but_downloads_nothing(files: FileServer) -> None:
    url = files.url("chime_short.flac")
    assert probe_duration(url) == 0.6
    assert probe_duration(url) == 0.6
    first, second = files.probes()
    assert first.status == 200
    assert "If-None-Match" not in first.headers
    assert second.status == 304
    assert second.headers["If-None-Match"].startswith('"')
    assert "If-Modified-Since" in second.headers


def test_changed_file_is_probed_again(files: FileServer) -> None:
    url = files.url("chime.wav")
    path = files.directory / "chime.wav"
    path.write_bytes(wav(1.0))
    assert probe_duration(url) == 1.0
    path.write_bytes(wav(2.0))
    assert probe_duration(url) == 2.0
    assert [s.status for s in files.probes()] == [200, 200]


def test_server_ignoring_conditions_is_trusted_on_equal_validators(
    files: FileServer,
) -> None:
    """A 200 with the ETag, Last-Modified and size read before: body left unread."""
    files.conditional = False
    files.pinned = ('"v1"', "Sat, 01 Nov 2025 10:00:00 GMT")
    url = files.url("chime.wav")
    path = files.directory / "chime.wav"
    path.write_bytes(wav(1.0))
    assert probe_duration(url) == 1.0
    path.write_bytes(wav(2.0, rate=22_050))  # other audio, same size
    assert probe_duration(url) == 1.0
    assert [s.status for s in files.probes()] == [200, 200]
    path.write_bytes(wav(3.0))  # the size tells
    assert probe_duration(url) == 3.0


def test_server_without_validators_is_trusted_for_a_while(
    files: FileServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    files.validators = False
    url = files.url("chime.wav")
    path = files.directory / "chime.wav"
    path.write_bytes(wav(1.0))
    assert probe_duration(url) == 1.0
    path.write_bytes(wav(2.0, rate=22_050))  # same size: trusted
    assert probe_duration(url) == 1.0
    assert [s.status for s in files.probes()] == [200, 200]
    assert "If-Modified-Since" not in files.probes()[-1].headers
    path.write_bytes(wav(2.0))  # another size: read again
    assert probe_duration(url) == 2.0
    monkeypatch.setattr(url_length, "VALIDATORLESS_TTL", 0.0)
    path.write_bytes(wav(4.0, rate=22_050))  # same size, but too late to trust
    assert probe_duration(url) == 4.0


def test_url_gone_since_is_refused_and_forgotten(files: FileServer) -> None:
    url = files.url("chime_short.m4a")
    assert probe_duration(url) == 0.6
    (files.directory / "chime_short.m4a").unlink()
    with pytest.raises(MediaUnavailableError, match="HTTP 404"):
        probe_duration(url)
    assert CACHE.get(url) is None


def test_download_cut_short_is_refused(files: FileServer) -> None:
    files.cut = 20  # half of FLAC's header
    url = files.url("chime_short.flac")
    with pytest.raises(MediaUnavailableError, match="cannot be fetched"):
        probe_duration(url)
    assert CACHE.get(url) is None


def test_not_audio_is_refused_and_not_kept(files: FileServer) -> None:
    url = files.url("not_audio.txt")
    for _ in range(2):
        with pytest.raises(MediaUnavailableError, match="not audio"):
            probe_duration(url)
    assert [s.status for s in files.probes()] == [200, 200]
    assert CACHE.get(url) is None


def test_unknown_audio_is_kept_as_unknown(files: FileServer) -> None:
    """audio/* that mutagen cannot read: played, with the default bound."""
    (files.directory / "odd.mp3").write_bytes(pseudo_random(4096))
    url = files.url("odd.mp3")
    assert probe_duration(url) is None
    assert probe_duration(url) is None
    assert [s.status for s in files.probes()] == [200, 304]


def test_cache_keeps_the_most_recently_used() -> None:
    cache = ProbeCache(max_entries=2)
    probe = url_length.Probe(1.0, url_length.Validators(etag='"a"'), 10)
    cache.put("a", probe)
    cache.put("b", probe)
    assert cache.get("a") is probe  # a is now the most recent
    cache.put("c", probe)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (probe, None, probe)
    assert len(cache) == 2


def big_mp3() -> bytes:
    """chime_long.mp3 (an Info frame saying 2 s) followed by 4 MB of its frames."""
    data = media("chime_long.mp3")
    assert data[:2] == b"\xff\xfb"
    assert data[2] >> 4 == 7  # MPEG 1 Layer III, 96 kbit/s, 44.1 kHz
    info_frame = 144 * 96_000 // 44_100 + (data[2] >> 1 & 1)
    audio = data[info_frame:]
    return data + audio * (4_000_000 // len(audio))


def test_header_is_enough_for_a_long_wav(files: FileServer) -> None:
    (files.directory / "long.wav").write_bytes(wav(60.0))  # 5.3 MB
    url = files.url("long.wav")
    assert probe_duration(url) == 60.0
    probe = CACHE.get(url)
    assert probe is not None
    assert probe.bytes_read <= url_length.CHUNK
    assert [s.status for s in files.probes()] == [200]


def test_end_of_a_long_mp3_is_fetched_with_a_range(files: FileServer) -> None:
    """mutagen looks for an ID3v1 tag at the end: one Range request for it."""
    data = big_mp3()
    (files.directory / "long.mp3").write_bytes(data)
    url = files.url("long.mp3")
    assert probe_duration(url) == 2.0
    probe = CACHE.get(url)
    assert probe is not None
    assert probe.bytes_read < 2 * url_length.CHUNK
    first, tail = files.probes()
    assert (first.status, tail.status) == (200, 206)
    assert tail.headers["Range"].startswith("bytes=")
    assert tail.headers["If-Range"] == first_etag(files, "long.mp3")


def first_etag(files: FileServer, name: str) -> str:
    path = files.directory / name
    return f'"{path.stat().st_mtime_ns:x}-{path.stat().st_size:x}"'


def test_without_ranges_a_long_file_is_downloaded_once(files: FileServer) -> None:
    files.ranges = False
    data = big_mp3()
    (files.directory / "long.mp3").write_bytes(data)
    url = files.url("long.mp3")
    assert probe_duration(url) == 2.0
    probe = CACHE.get(url)
    assert probe is not None
    assert probe.bytes_read == len(data)
    assert probe_duration(url) == 2.0
    assert [s.status for s in files.probes()] == [200, 304]


# --- chimes --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["chime_short.flac", "chime_short.m4a", "chime_silent.ogg"]
)
def test_chime_waits_for_the_real_length(
    household: Household, engine: ChimeEngine, files: FileServer, name: str
) -> None:
    """Formats beyond MP3 and WAV get their length, not the fallback bound."""
    url = files.url(name)
    for _ in range(2):
        result = engine.chime(ChimeRequest(url, zone_names=("Kitchen",)))
        assert result.duration == pytest.approx(0.6)
        assert [zone.outcome for zone in result.zones] == [Outcome.CHIMED]
    assert played_uris(household["Kitchen"]) == [url]
    assert [s.status for s in files.probes()] == [200, 304]
