"""Real duration of a chime file (MP3 or WAV), read from the bytes alone.

The engine waits for the speaker to report the end of a chime, but never longer
than the file's real duration plus a margin, so it must know that duration
before it starts. The integration's manifest may require only ``soco``, so this
parses the containers itself with the standard library. Every reader here
returns ``None`` for data it does not recognise and never raises: an unknown
duration makes the engine fall back to its default bound, which is harmless,
while an exception would abort a chime.
"""

import os
import re
import struct
from typing import NamedTuple

__all__ = ["read_duration", "read_file_duration"]

# Errors a malformed file can provoke despite the bounds checks; all mean
# "not a file we understand".
_PARSE_ERRORS = (IndexError, ValueError, struct.error, ZeroDivisionError, OverflowError)

# --- WAV ---------------------------------------------------------------------

_WAVE_FORMAT_PCM = 0x0001
_WAVE_FORMAT_IEEE_FLOAT = 0x0003
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_FMT_MIN_SIZE = 16
_FMT_EXTENSIBLE_SIZE = 40
_KNOWN_CHUNKS = (b"fmt ", b"data", b"fact", b"LIST", b"cue ", b"id3 ", b"bext", b"JUNK")


class _WavFormat(NamedTuple):
    """The parts of a ``fmt `` chunk that decide a WAV file's duration."""

    tag: int
    channels: int
    sample_rate: int
    byte_rate: int
    block_align: int
    bits: int


def _is_chunk_id(data: bytes, pos: int) -> bool:
    """Whether four printable ASCII bytes start at pos, as every RIFF chunk id is."""
    chunk_id = data[pos : pos + 4]
    return len(chunk_id) == 4 and all(0x20 <= byte < 0x7F for byte in chunk_id)


def _pad_missing(data: bytes, pos: int) -> bool:
    """Whether an odd-sized chunk ending at pos lacks its pad byte.

    RIFF pads odd chunks to even length, but some writers forget: then the
    next chunk starts at pos instead of pos + 1.
    """
    if data[pos + 1 : pos + 5] in _KNOWN_CHUNKS:
        return False
    if data[pos : pos + 4] in _KNOWN_CHUNKS:
        return True
    return not _is_chunk_id(data, pos + 1) and _is_chunk_id(data, pos)


def _parse_fmt(data: bytes, body: int, size: int) -> _WavFormat | None:
    """Read a ``fmt `` chunk; extensible formats report their sub-format's tag."""
    if size < _FMT_MIN_SIZE or body + _FMT_MIN_SIZE > len(data):
        return None
    tag, channels, rate, byte_rate, align, bits = struct.unpack_from(
        "<HHIIHH", data, body
    )
    if (
        tag == _WAVE_FORMAT_EXTENSIBLE
        and size >= _FMT_EXTENSIBLE_SIZE
        and body + _FMT_EXTENSIBLE_SIZE <= len(data)
    ):
        # The sub-format GUID starts with the plain format tag.
        tag = struct.unpack_from("<H", data, body + 24)[0]
    return _WavFormat(tag, channels, rate, byte_rate, align, bits)


def _wav_duration(data: bytes) -> float | None:
    """Walk the RIFF chunks; the data chunk may be cut short, as streamed WAVs are."""
    end = len(data)
    fmt: _WavFormat | None = None
    data_bytes: int | None = None
    fact_frames: int | None = None
    pos = 12
    while pos + 8 <= end:
        chunk_id = data[pos : pos + 4]
        size = int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = pos + 8
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(data, body, size)
            if fmt is None:
                return None
        elif chunk_id == b"fact" and size >= 4 and body + 4 <= end:
            fact_frames = int.from_bytes(data[body : body + 4], "little")
        elif chunk_id == b"data":
            # A streamed WAV announces more (often 0xFFFFFFFF) than it holds.
            data_bytes = min(size, end - body)
            if body + size >= end:
                break
        next_pos = body + size
        if size & 1 and not _pad_missing(data, next_pos):
            next_pos += 1
        if next_pos + 8 <= end and not _is_chunk_id(data, next_pos):
            break  # trailing garbage: keep what was found so far
        pos = next_pos

    if fmt is None or data_bytes is None or fmt.sample_rate == 0:
        return None
    if fmt.tag in (_WAVE_FORMAT_PCM, _WAVE_FORMAT_IEEE_FLOAT):
        align = fmt.block_align or fmt.channels * ((fmt.bits + 7) // 8)
        if align > 0:
            return (data_bytes // align) / fmt.sample_rate
    if fact_frames is not None:
        # Compressed formats (ADPCM, ...) state their frame count here.
        return fact_frames / fmt.sample_rate
    if fmt.byte_rate > 0:
        return data_bytes / fmt.byte_rate
    return None


# --- MP3 ---------------------------------------------------------------------

_ID3V2_HEADER_SIZE = 10
_ID3V2_FOOTER_FLAG = 0x10

# Layer III bitrates in kbit/s by index; 0 (free format) and 15 are invalid.
_BITRATES_MPEG1 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_BITRATES_MPEG2 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
# Sample rates by the header's 2-bit version field: 0 = MPEG 2.5, 2 = MPEG 2,
# 3 = MPEG 1 (1 is reserved).
_SAMPLE_RATES = {
    0: (11025, 12000, 8000),
    2: (22050, 24000, 16000),
    3: (44100, 48000, 32000),
}
_VERSION_MPEG1 = 3
_LAYER_III = 1
_MODE_MONO = 3

_XING_FRAMES = 0x1
_XING_BYTES = 0x2
_XING_TOC = 0x4
_XING_SCALE = 0x8
_VBRI_OFFSET = 36  # from the frame start, whatever the mode

# How far past the ID3v2 tag to look for the first frame, and how many
# consecutive frames must then line up before junk is trusted as MP3.
_SYNC_SEARCH_LIMIT = 64 * 1024
_FRAMES_TO_CONFIRM_AFTER_JUNK = 3

# Containers that may hold MPEG-looking bytes but are something else.
_FOREIGN_MAGIC = (b"OggS", b"fLaC", b"FORM", b"RIFF", b"MThd", b"\x30\x26\xb2\x75")

_ENCODER_TAG = re.compile(rb"LAME(\d)\.(\d+)")


class _Frame(NamedTuple):
    """One MPEG audio Layer III frame header, decoded."""

    version: int  # the raw 2-bit field, see _SAMPLE_RATES
    sample_rate: int
    samples: int  # per frame
    length: int  # bytes, header included
    mono: bool
    protected: bool

    def same_stream(self, other: _Frame) -> bool:
        """Whether other can continue this stream; bitrate may change (VBR)."""
        return (
            self.version == other.version
            and self.sample_rate == other.sample_rate
            and self.mono == other.mono
        )

    @property
    def side_info_end(self) -> int:
        """Offset where a Xing/Info tag starts in the frame."""
        if self.version == _VERSION_MPEG1:
            side_info = 17 if self.mono else 32
        else:
            side_info = 9 if self.mono else 17
        return 4 + (2 if self.protected else 0) + side_info


def _parse_frame(data: bytes, pos: int) -> _Frame | None:
    """Decode the Layer III frame header at pos, or None when there is none."""
    if pos < 0 or pos + 4 > len(data) or data[pos] != 0xFF:
        return None
    b1, b2, b3 = data[pos + 1], data[pos + 2], data[pos + 3]
    if b1 & 0xE0 != 0xE0:
        return None
    version = (b1 >> 3) & 0x3
    layer = (b1 >> 1) & 0x3
    bitrate_index = b2 >> 4
    rate_index = (b2 >> 2) & 0x3
    if version == 1 or layer != _LAYER_III or bitrate_index in (0, 15):
        return None
    if rate_index == 3:
        return None
    mpeg1 = version == _VERSION_MPEG1
    bitrate = (_BITRATES_MPEG1 if mpeg1 else _BITRATES_MPEG2)[bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    samples = 1152 if mpeg1 else 576
    padding = (b2 >> 1) & 0x1
    length = samples // 8 * bitrate // sample_rate + padding
    return _Frame(
        version=version,
        sample_rate=sample_rate,
        samples=samples,
        length=length,
        mono=b3 >> 6 == _MODE_MONO,
        protected=not b1 & 0x1,
    )


def _skip_id3v2(data: bytes) -> int | None:
    """Offset just past any ID3v2 tags (some taggers stack several); None if cut."""
    pos = 0
    while data[pos : pos + 3] == b"ID3":
        header = data[pos : pos + _ID3V2_HEADER_SIZE]
        if len(header) < _ID3V2_HEADER_SIZE or any(b & 0x80 for b in header[6:10]):
            return None
        size = (header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]
        pos += _ID3V2_HEADER_SIZE + size
        if header[5] & _ID3V2_FOOTER_FLAG:
            pos += _ID3V2_HEADER_SIZE
        if pos > len(data):
            return None
    return pos


def _is_stream_end(data: bytes, pos: int) -> bool:
    """Whether the audio ends at pos: end of data or a trailing tag."""
    return (
        pos == len(data)
        or data[pos : pos + 3] == b"TAG"
        or data[pos : pos + 8] == b"APETAGEX"
    )


def _confirmed(data: bytes, pos: int, frame: _Frame, needed: int) -> bool:
    """Whether needed frames of one stream follow each other from pos."""
    for _ in range(needed - 1):
        if _vbr_tag_at(data, pos, frame) is not None:
            return True
        pos += frame.length
        if _is_stream_end(data, pos):
            return True
        following = _parse_frame(data, pos)
        if following is None or not frame.same_stream(following):
            return False
        frame = following
    return True


def _find_first_frame(data: bytes, start: int) -> tuple[int, _Frame] | None:
    """The first real frame at or after start; frames after junk need more proof."""
    frame = _parse_frame(data, start)
    if frame is not None and _confirmed(data, start, frame, 2):
        return start, frame
    limit = min(len(data), start + _SYNC_SEARCH_LIMIT)
    pos = data.find(b"\xff", start + 1, limit)
    while pos != -1:
        frame = _parse_frame(data, pos)
        if frame is not None and _confirmed(
            data, pos, frame, _FRAMES_TO_CONFIRM_AFTER_JUNK
        ):
            return pos, frame
        pos = data.find(b"\xff", pos + 1, limit)
    return None


class _VbrTag(NamedTuple):
    """What a Xing/Info or VBRI tag in the first frame says about the stream."""

    frames: int | None  # audio frames, the tag's own frame not included
    trim: int  # encoder delay + padding, in samples


def _encoder_trim(data: bytes, pos: int) -> int:
    """Encoder delay + padding from a LAME extension at pos, 0 when there is none."""
    extension = data[pos : pos + 24]
    if len(extension) < 24 or extension[9] >> 4 != 0:
        return 0  # absent, truncated, or an unknown tag revision
    version = _ENCODER_TAG.match(extension)
    if version is not None:
        if (int(version[1]), int(version[2])) < (3, 90):
            return 0  # the extension came with LAME 3.90
    elif not extension.startswith((b"L3.99", b"Lavf", b"Lavc")):
        return 0
    delay = (extension[21] << 4) | (extension[22] >> 4)
    padding = ((extension[22] & 0x0F) << 8) | extension[23]
    return delay + padding


def _vbr_tag_at(data: bytes, pos: int, frame: _Frame) -> _VbrTag | None:
    """Read a Xing/Info or VBRI tag from the frame at pos, if it holds one."""
    end = min(len(data), pos + frame.length)
    xing = pos + frame.side_info_end
    if data[xing : xing + 4] in (b"Xing", b"Info") and xing + 8 <= end:
        flags = int.from_bytes(data[xing + 4 : xing + 8], "big")
        cursor = xing + 8
        frames = None
        if flags & _XING_FRAMES:
            if cursor + 4 > end:
                return _VbrTag(None, 0)
            frames = int.from_bytes(data[cursor : cursor + 4], "big")
            cursor += 4
        cursor += 4 * bool(flags & _XING_BYTES)
        cursor += 100 * bool(flags & _XING_TOC)
        cursor += 4 * bool(flags & _XING_SCALE)
        trim = _encoder_trim(data, cursor) if cursor + 24 <= end else 0
        return _VbrTag(frames, trim)
    vbri = pos + _VBRI_OFFSET
    if data[vbri : vbri + 4] == b"VBRI" and vbri + 18 <= end:
        return _VbrTag(int.from_bytes(data[vbri + 14 : vbri + 18], "big"), 0)
    return None


def _walk_frames(data: bytes, pos: int, first: _Frame) -> int:
    """Count whole frames from pos until a trailing tag, garbage or the end."""
    count = 0
    frame: _Frame | None = first
    while frame is not None and first.same_stream(frame):
        if pos + frame.length > len(data):
            break  # a cut-off last frame does not play
        count += 1
        pos += frame.length
        frame = _parse_frame(data, pos)
    return count


def _mp3_duration(data: bytes) -> float | None:
    """Duration from a Xing/Info or VBRI frame count, else by walking the frames."""
    start = _skip_id3v2(data)
    if start is None or data[start : start + 4] in _FOREIGN_MAGIC:
        return None
    if data[start + 4 : start + 8] == b"ftyp":  # MP4/M4A
        return None
    found = _find_first_frame(data, start)
    if found is None:
        return None
    pos, first = found
    tag = _vbr_tag_at(data, pos, first)
    if tag is None:
        return _walk_frames(data, pos, first) * first.samples / first.sample_rate
    # The tag sits in a frame of its own that carries no audio.
    audio_start = pos + first.length
    remaining = len(data) - audio_start
    # Fewest bytes a frame of this stream can take (lowest bitrate, no padding).
    smallest_frame = first.samples // 8 * (8000 if first.samples == 576 else 32000)
    smallest_frame //= first.sample_rate
    if tag.frames and tag.frames <= remaining // smallest_frame + 1:
        samples = tag.frames * first.samples
        if 0 < tag.trim < samples:
            samples -= tag.trim
        return samples / first.sample_rate
    # No count, or more frames than the bytes can hold (a truncated file).
    following = _parse_frame(data, audio_start)
    if following is None or not first.same_stream(following):
        return 0.0 if _is_stream_end(data, audio_start) else None
    return (
        _walk_frames(data, audio_start, following) * first.samples / first.sample_rate
    )


# --- Public API --------------------------------------------------------------


def read_duration(data: bytes) -> float | None:
    """Duration in seconds of an MP3 or WAV file, None when the format is not recognised.

    Args:
        data: The whole file. Bytes-like objects (bytearray, memoryview) work too.

    Returns:
        The playing time in seconds, or None for anything that is not a
        readable MP3 (MPEG 1/2/2.5 Layer III) or WAV file: other formats,
        text, empty or truncated data.
    """
    try:
        data = bytes(data)
        if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
            return _wav_duration(data)
        return _mp3_duration(data)
    except _PARSE_ERRORS:
        return None


def read_file_duration(path: str | os.PathLike[str]) -> float | None:
    """Duration in seconds of the MP3 or WAV file at path.

    A file that cannot be read counts as unrecognised (None), like any other
    file whose duration is unknown: the caller then uses its default bound.
    """
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return None
    return read_duration(data)
