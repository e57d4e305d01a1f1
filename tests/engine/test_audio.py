"""Chime durations read by engine.audio, checked against mutagen and exact counts."""

from collections.abc import Callable
import hashlib
from io import BytesIO
from pathlib import Path
import struct

from mutagen.mp3 import MP3
from mutagen.wave import WAVE
import pytest

from custom_components.sonos_chime.engine.audio import read_duration, read_file_duration

REPO = Path(__file__).resolve().parents[2]
CHIMES_DIR = REPO / "custom_components" / "sonos_chime" / "chimes"
TEST_MEDIA = REPO / "tests" / "media"
TOLERANCE = 0.05  # seconds, against mutagen

SHIPPED = {"bell": 2.5, "westminster": 5.0, "ding_dong": 2.0, "soft_chime": 3.0}
TEST_CHIMES = {"chime_short.mp3": 0.6, "chime_short.wav": 0.6, "chime_long.mp3": 2.0}

MPEG1_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
MPEG2_BITRATES = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
SAMPLE_RATES = {
    3: (44100, 48000, 32000),
    2: (22050, 24000, 16000),
    0: (11025, 12000, 8000),
}


def mutagen_length(data: bytes) -> float:
    """The independent oracle: mutagen's idea of the length."""
    info = WAVE(BytesIO(data)).info if data[:4] == b"RIFF" else MP3(BytesIO(data)).info
    return info.length


def media(name: str) -> bytes:
    return (TEST_MEDIA / name).read_bytes()


# --- building blocks for made-up files ---------------------------------------


def riff(*chunks: bytes, riff_size: int | None = None) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    size = len(body) if riff_size is None else riff_size
    return b"RIFF" + struct.pack("<I", size) + body


def chunk(
    chunk_id: bytes, payload: bytes, *, pad: bool = True, size: int | None = None
) -> bytes:
    declared = len(payload) if size is None else size
    padding = b"\0" if pad and len(payload) % 2 else b""
    return chunk_id + struct.pack("<I", declared) + payload + padding


def fmt(
    tag: int, channels: int, rate: int, bits: int, *, sub_format: int | None = None
) -> bytes:
    align = channels * ((bits + 7) // 8)
    payload = struct.pack("<HHIIHH", tag, channels, rate, rate * align, align, bits)
    if sub_format is not None:
        guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        payload += (
            struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", sub_format) + guid_tail
        )
    return chunk(b"fmt ", payload)


def mpeg_header(
    *,
    version: int = 3,
    bitrate_index: int = 9,
    rate_index: int = 0,
    padding: int = 0,
    mode: int = 3,
    protected: bool = False,
    layer: int = 1,
) -> bytes:
    """Four header bytes; version and layer are the raw 2-bit fields (3 = MPEG 1, 1 = Layer III)."""
    b1 = 0xE0 | version << 3 | layer << 1 | (0 if protected else 1)
    b2 = bitrate_index << 4 | rate_index << 2 | padding << 1
    return bytes((0xFF, b1, b2, mode << 6))


def frame_length(header: bytes) -> int:
    """Independent Layer III frame length, for the made-up streams."""
    version = (header[1] >> 3) & 3
    table = MPEG1_BITRATES if version == 3 else MPEG2_BITRATES
    bitrate = table[header[2] >> 4] * 1000
    rate = SAMPLE_RATES[version][(header[2] >> 2) & 3]
    per_frame = 144 if version == 3 else 72
    return per_frame * bitrate // rate + ((header[2] >> 1) & 1)


def frames_of(data: bytes) -> list[bytes]:
    """Split a tag-free MP3 stream made by media/generate.py into its frames."""
    frames = []
    pos = 0
    while pos < len(data):
        length = frame_length(data[pos : pos + 4])
        frames.append(data[pos : pos + length])
        pos += length
    assert pos == len(data)
    return frames


def stream(count: int, **header: int) -> bytes:
    """A made-up stream of count silent frames, alternating the padding bit (as CBR at 44.1 kHz does)."""
    out = bytearray()
    for index in range(count):
        head = mpeg_header(**{**header, "padding": index % 2})
        out += head + bytes(frame_length(head) - 4)
    return bytes(out)


def id3v2(payload_size: int, *, footer: bool = False) -> bytes:
    frame = (
        b"TIT2"
        + (12).to_bytes(4, "big")
        + b"\0\0"
        + b"\x03Door chime"[:12].ljust(12, b"\0")
    )
    body = frame.ljust(payload_size, b"\0")
    size = bytes(
        (
            payload_size >> 21 & 0x7F,
            payload_size >> 14 & 0x7F,
            payload_size >> 7 & 0x7F,
            payload_size & 0x7F,
        )
    )
    flags = 0x10 if footer else 0
    tag = b"ID3\x04\x00" + bytes((flags,)) + size + body
    if footer:
        tag += b"3DI\x04\x00" + bytes((flags,)) + size
    return tag


def pseudo_random(size: int) -> bytes:
    """Deterministic noise: a SHA-256 chain."""
    out = bytearray()
    block = b"sonos_chime"
    while len(out) < size:
        block = hashlib.sha256(block).digest()
        out += block
    return bytes(out[:size])


# --- the real files ----------------------------------------------------------


def test_every_shipped_chime_is_there() -> None:
    assert {path.stem for path in CHIMES_DIR.glob("*.mp3")} >= set(SHIPPED)


@pytest.mark.parametrize(
    "path", sorted(CHIMES_DIR.glob("*.mp3")), ids=lambda path: path.name
)
def test_shipped_chime_matches_mutagen(path: Path) -> None:
    data = path.read_bytes()
    duration = read_file_duration(path)
    assert duration is not None
    assert duration == pytest.approx(mutagen_length(data), abs=TOLERANCE)
    if path.stem in SHIPPED:
        assert duration == pytest.approx(SHIPPED[path.stem], abs=TOLERANCE)
    assert len(data) < 100_000


@pytest.mark.parametrize("name", sorted(TEST_CHIMES))
def test_test_chime_matches_mutagen(name: str) -> None:
    data = media(name)
    duration = read_duration(data)
    assert duration is not None
    assert duration == pytest.approx(mutagen_length(data), abs=TOLERANCE)
    assert duration == pytest.approx(TEST_CHIMES[name], abs=TOLERANCE)
    assert read_file_duration(TEST_MEDIA / name) == duration
    assert read_file_duration(str(TEST_MEDIA / name)) == duration


def test_info_frame_gives_the_exact_length() -> None:
    """frames x 1152 - encoder delay - padding = the 88200 samples synthesized."""
    assert read_duration(media("chime_long.mp3")) == pytest.approx(2.0, abs=1e-9)


def test_plain_cbr_counts_every_frame() -> None:
    data = media("chime_short.mp3")
    assert read_duration(data) == pytest.approx(len(frames_of(data)) * 1152 / 44100)


def test_text_file_is_not_audio() -> None:
    assert read_file_duration(TEST_MEDIA / "not_audio.txt") is None


def test_bytes_like_input() -> None:
    data = media("chime_long.mp3")
    assert read_duration(bytearray(data)) == read_duration(data)
    assert read_duration(memoryview(data)) == read_duration(data)


def test_unreadable_path_is_unknown(tmp_path: Path) -> None:
    assert read_file_duration(tmp_path / "missing.mp3") is None
    assert read_file_duration(tmp_path) is None


# --- WAV ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "channels", "rate", "bits", "frames", "sub_format"),
    [
        pytest.param(1, 1, 8000, 8, 4000, None, id="pcm-8bit-mono"),
        pytest.param(1, 2, 44100, 16, 22050, None, id="pcm-16bit-stereo"),
        pytest.param(1, 1, 48000, 24, 12000, None, id="pcm-24bit-mono"),
        pytest.param(3, 2, 48000, 32, 72000, None, id="float32-stereo"),
        pytest.param(3, 1, 22050, 64, 11025, None, id="float64-mono"),
        pytest.param(0xFFFE, 6, 48000, 16, 24000, 1, id="extensible-pcm-6ch"),
        pytest.param(0xFFFE, 2, 96000, 32, 48000, 3, id="extensible-float-stereo"),
    ],
)
def test_wav_variants(
    *,
    tag: int,
    channels: int,
    rate: int,
    bits: int,
    frames: int,
    sub_format: int | None,
) -> None:
    block = channels * bits // 8
    data = riff(
        fmt(tag, channels, rate, bits, sub_format=sub_format),
        chunk(b"data", bytes(frames * block)),
    )
    assert read_duration(data) == pytest.approx(frames / rate)
    assert read_duration(data) == pytest.approx(mutagen_length(data), abs=TOLERANCE)


def test_wav_ignores_a_partial_last_frame() -> None:
    data = riff(fmt(1, 2, 8000, 16), chunk(b"data", bytes(4 * 800 + 3)))
    assert read_duration(data) == pytest.approx(0.1)


@pytest.mark.parametrize("pad", [True, False], ids=["padded", "unpadded"])
def test_wav_odd_chunks(pad: bool) -> None:
    """Odd-sized chunks are padded to even length, though some writers forget."""
    info = chunk(b"LIST", b"INFOISFT\x05\0\0\0gen\0\0", pad=pad)
    data = riff(
        fmt(1, 1, 8000, 8),
        info,
        chunk(b"data", bytes(801), pad=pad),
        chunk(b"LIST", b"odd", pad=pad),
    )
    assert read_duration(data) == pytest.approx(801 / 8000)


def test_wav_chunks_after_data_and_trailing_garbage() -> None:
    samples = chunk(b"data", bytes(16000))
    data = riff(fmt(1, 1, 16000, 8), samples, chunk(b"id3 ", b"ID3..."))
    assert read_duration(data) == pytest.approx(1.0)
    assert read_duration(data + b"\xff\x00\x01 trailing junk") == pytest.approx(1.0)


@pytest.mark.parametrize(
    "declared", [0xFFFFFFFF, 10 * 44100 * 2], ids=["max", "larger"]
)
def test_streamed_wav_uses_what_is_present(declared: int) -> None:
    samples = bytes(44100 * 2 // 4)  # 0.25 s of 16-bit mono
    data = riff(
        fmt(1, 1, 44100, 16),
        chunk(b"data", samples, size=declared),
        riff_size=0xFFFFFFFF,
    )
    assert read_duration(data) == pytest.approx(0.25)


def test_compressed_wav_uses_fact_or_byte_rate() -> None:
    # IMA ADPCM, mono 8 kHz, 256-byte blocks of 505 samples.
    adpcm = chunk(
        b"fmt ", struct.pack("<HHIIHHHH", 0x11, 1, 8000, 4055, 256, 4, 2, 505)
    )
    with_fact = riff(
        adpcm, chunk(b"fact", struct.pack("<I", 5050)), chunk(b"data", bytes(2560))
    )
    assert read_duration(with_fact) == pytest.approx(5050 / 8000)
    without_fact = riff(adpcm, chunk(b"data", bytes(4055)))
    assert read_duration(without_fact) == pytest.approx(1.0)


def test_real_wav_streamed_and_cut() -> None:
    """chime_short.wav cut mid-data plays what is there."""
    data = media("chime_short.wav")
    cut = data[: len(data) // 2]
    assert 0.25 < read_duration(cut) < 0.35  # type: ignore[operator]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(riff(fmt(1, 1, 8000, 8)), id="no-data-chunk"),
        pytest.param(riff(chunk(b"data", bytes(8000))), id="no-fmt-chunk"),
        pytest.param(
            riff(chunk(b"fmt ", bytes(14)), chunk(b"data", bytes(10))), id="short-fmt"
        ),
        pytest.param(riff(fmt(1, 1, 0, 8), chunk(b"data", bytes(10))), id="zero-rate"),
        pytest.param(b"RIFF\x24\x00\x00\x00WAVEfmt ", id="cut-in-header"),
        pytest.param(b"RIFF\x24\x00\x00\x00AVI LIST" + bytes(64), id="avi"),
    ],
)
def test_bad_wav_is_unknown(data: bytes) -> None:
    assert read_duration(data) is None


# --- MP3 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        pytest.param(id3v2(300), id="id3v2"),
        pytest.param(id3v2(70_000, footer=True), id="id3v2-footer"),
        pytest.param(id3v2(200) + id3v2(1000), id="two-id3v2"),
    ],
)
@pytest.mark.parametrize("name", ["chime_short.mp3", "chime_long.mp3"])
def test_mp3_with_id3v2(tag: bytes, name: str) -> None:
    plain = media(name)
    tagged = tag + plain
    assert read_duration(tagged) == read_duration(plain)
    assert read_duration(tagged) == pytest.approx(mutagen_length(tagged), abs=TOLERANCE)


def test_walk_stops_at_id3v1() -> None:
    plain = media("chime_short.mp3")
    tagged = plain + b"TAG" + b"Door chime".ljust(125, b"\0")
    assert read_duration(tagged) == read_duration(plain)
    assert read_duration(tagged) == pytest.approx(mutagen_length(tagged), abs=TOLERANCE)


def test_cbr_without_info_frame() -> None:
    frames = frames_of(media("chime_long.mp3"))
    audio = b"".join(frames[1:])  # drop the Info frame
    duration = read_duration(audio)
    assert duration == pytest.approx((len(frames) - 1) * 1152 / 44100)
    assert duration == pytest.approx(mutagen_length(audio), abs=TOLERANCE)
    assert 2.0 < duration < 2.0 + 2 * 1152 / 44100  # type: ignore[operator]


def test_xing_tag_like_info() -> None:
    data = media("chime_long.mp3").replace(b"Info", b"Xing", 1)
    assert read_duration(data) == pytest.approx(2.0)
    assert mutagen_length(data) == pytest.approx(2.0)


def test_xing_without_frame_count_walks_the_frames() -> None:
    frames = frames_of(media("chime_long.mp3"))
    first = bytearray(frames[0])
    first[21 + 4 : 21 + 8] = (0).to_bytes(4, "big")  # no fields present
    data = bytes(first) + b"".join(frames[1:])
    assert read_duration(data) == pytest.approx((len(frames) - 1) * 1152 / 44100)


def test_impossible_xing_frame_count_walks_the_frames() -> None:
    frames = frames_of(media("chime_long.mp3"))
    first = bytearray(frames[0])
    first[21 + 8 : 21 + 12] = (10**6).to_bytes(4, "big")
    data = bytes(first) + b"".join(frames[1:])
    assert read_duration(data) == pytest.approx((len(frames) - 1) * 1152 / 44100)


def test_vbri_tag() -> None:
    frames = frames_of(media("chime_long.mp3"))
    audio = frames[1:]
    vbri = b"VBRI" + struct.pack(
        ">HHHII", 1, 0x1234, 75, sum(map(len, audio)), len(audio)
    )
    vbri += struct.pack(">HHHH", 1, 1, 2, len(audio)) + bytes(2)
    head = frames[0][:4]
    first = (head + bytes(32) + vbri).ljust(len(frames[0]), b"\0")
    data = first + b"".join(audio)
    assert read_duration(data) == pytest.approx(len(audio) * 1152 / 44100)
    assert read_duration(data) == pytest.approx(mutagen_length(data), abs=TOLERANCE)


@pytest.mark.parametrize(
    ("header", "rate", "per_frame"),
    [
        pytest.param(
            {"version": 3, "bitrate_index": 9, "rate_index": 0, "mode": 0},
            44100,
            1152,
            id="mpeg1-44k-stereo",
        ),
        pytest.param(
            {"version": 3, "bitrate_index": 5, "rate_index": 1, "mode": 3},
            48000,
            1152,
            id="mpeg1-48k-mono",
        ),
        pytest.param(
            {"version": 3, "bitrate_index": 14, "rate_index": 2, "mode": 1},
            32000,
            1152,
            id="mpeg1-32k-joint",
        ),
        pytest.param(
            {
                "version": 3,
                "bitrate_index": 9,
                "rate_index": 0,
                "mode": 3,
                "protected": True,
            },
            44100,
            1152,
            id="mpeg1-crc",
        ),
        pytest.param(
            {"version": 2, "bitrate_index": 8, "rate_index": 0, "mode": 0},
            22050,
            576,
            id="mpeg2-22k",
        ),
        pytest.param(
            {"version": 2, "bitrate_index": 1, "rate_index": 2, "mode": 3},
            16000,
            576,
            id="mpeg2-16k-8kbps",
        ),
        pytest.param(
            {"version": 0, "bitrate_index": 4, "rate_index": 0, "mode": 3},
            11025,
            576,
            id="mpeg2.5-11k",
        ),
        pytest.param(
            {"version": 0, "bitrate_index": 2, "rate_index": 2, "mode": 0},
            8000,
            576,
            id="mpeg2.5-8k",
        ),
    ],
)
def test_mpeg_versions(header: dict[str, int], rate: int, per_frame: int) -> None:
    data = stream(40, **header)
    assert read_duration(data) == pytest.approx(40 * per_frame / rate)
    assert read_duration(data) == pytest.approx(mutagen_length(data), abs=TOLERANCE)


def test_info_tag_after_crc() -> None:
    """A CRC-protected first frame moves the Info tag two bytes on."""
    audio = stream(30, protected=True)
    head = mpeg_header(protected=True)
    info = (
        head
        + bytes(2 + 17)
        + b"Info"
        + (1).to_bytes(4, "big")
        + (20).to_bytes(4, "big")
    )
    data = info.ljust(frame_length(head), b"\0") + audio
    assert read_duration(data) == pytest.approx(20 * 1152 / 44100)


def test_info_tag_alone_is_silence() -> None:
    head = mpeg_header()
    info = head + bytes(17) + b"Info" + (1).to_bytes(4, "big") + (0).to_bytes(4, "big")
    assert read_duration(info.ljust(frame_length(head), b"\0")) == 0.0


def test_junk_before_the_first_frame() -> None:
    plain = media("chime_short.mp3")
    assert read_duration(bytes(777) + plain) == read_duration(plain)
    assert read_duration(b"junk " * 50 + plain) == read_duration(plain)


def test_cut_mp3_counts_the_whole_frames() -> None:
    data = media("chime_short.mp3")
    frames = frames_of(data)
    cut = data[: sum(map(len, frames[:10])) + 100]
    assert read_duration(cut) == pytest.approx(10 * 1152 / 44100)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param({"layer": 2}, id="layer-ii"),
        pytest.param({"layer": 3}, id="layer-i"),
        pytest.param({"bitrate_index": 0}, id="free-format"),
        pytest.param({"bitrate_index": 15}, id="bad-bitrate"),
        pytest.param({"rate_index": 3}, id="bad-rate"),
        pytest.param({"version": 1}, id="reserved-version"),
    ],
)
def test_unsupported_mpeg_streams(header: dict[str, int]) -> None:
    head = mpeg_header(**header)
    assert read_duration(head + bytes(400) + head + bytes(400)) is None


OGG = b"OggS\x00\x02" + bytes(20) + b"\x01\x1e\x01vorbis" + bytes(30)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"ID3", id="id3-magic-only"),
        pytest.param(id3v2(100), id="id3-without-audio"),
        pytest.param(id3v2(100)[:50], id="id3-cut"),
        pytest.param(b"\xff\xfb\x70", id="cut-header"),
        pytest.param(bytes(4096), id="zeros"),
        pytest.param(b"\xff" * 4096, id="ones"),
        pytest.param(pseudo_random(256 * 1024), id="noise"),
        pytest.param(b"<html><body>404 Not Found</body></html>\n" * 40, id="html"),
        pytest.param(OGG, id="ogg"),
        pytest.param(b"fLaC\x00\x00\x00\x22" + bytes(34), id="flac"),
        pytest.param(b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00" + bytes(64), id="m4a"),
    ],
)
def test_not_audio_is_unknown(data: bytes) -> None:
    assert read_duration(data) is None


def test_foreign_container_holding_mpeg_frames() -> None:
    assert read_duration(OGG + media("chime_short.mp3")) is None


def test_mp3_cut_inside_the_first_frame() -> None:
    data = media("chime_short.mp3")
    assert read_duration(data[:100]) is None
    assert read_duration(data[:4]) is None


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda data, i: data[:i], id="prefix"),
        pytest.param(lambda data, i: data[:i] + b"\xff" + data[i + 1 :], id="byte-set"),
        pytest.param(lambda data, i: data[:i] + data[i + 7 :], id="bytes-dropped"),
    ],
)
@pytest.mark.parametrize(
    "name", ["chime_long.mp3", "chime_short.mp3", "chime_short.wav"]
)
def test_damaged_files_never_raise(
    mangle: Callable[[bytes, int], bytes], name: str
) -> None:
    data = media(name)
    for index in range(0, 400, 3):
        duration = read_duration(mangle(data, index))
        assert duration is None or duration >= 0
