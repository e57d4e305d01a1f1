"""Write chime_short.flac, chime_short.m4a and the silent Ogg files with Python alone.

No audio encoder is installed here (no ffmpeg, flac, opusenc, libFLAC...), so
the containers are written by hand, in modes of each format that need no
compression: FLAC with VERBATIM subframes and ALAC (in M4A) with uncompressed
"escape" frames, both holding the samples of chime_short.wav, so they last
exactly as long (26460 samples at 44.1 kHz). Opus has no uncompressed mode, so
the Ogg file holds the well-known 3-byte Opus packet that decodes to 20 ms of
silence, 0.6 s of it after the pre-skip (chime_silent.ogg), or 30 s
(chime_silent_long.ogg: a chime that outlasts a stop, a few hundred bytes). The
tests check the durations with
mutagen; nothing here decoded the files, as no decoder is installed either.

Usage: ``python tests/media/make_formats.py``. The output is deterministic.
"""

from collections.abc import Iterable
import hashlib
from pathlib import Path
import struct
import wave

HERE = Path(__file__).resolve().parent
BLOCK = 4096  # samples per FLAC block and per ALAC frame

# --- FLAC ----------------------------------------------------------------------


def _crc(data: bytes, poly: int, width: int) -> int:
    """MSB-first CRC with zero init, as FLAC and Ogg use."""
    top, mask, crc = 1 << (width - 1), (1 << width) - 1, 0
    for byte in data:
        crc ^= byte << (width - 8)
        for _ in range(8):
            crc = ((crc << 1) ^ poly if crc & top else crc << 1) & mask
    return crc


def flac(samples: list[int], rate: int) -> bytes:
    """Mono 16-bit FLAC, one VERBATIM subframe per block of BLOCK samples."""
    frames = []
    for number, start in enumerate(range(0, len(samples), BLOCK)):
        block = samples[start : start + BLOCK]
        size_code = 0b1100 if len(block) == BLOCK else 0b0111  # 4096, or 16 bits
        # Sample rate 1001 = 44.1 kHz; mono; 16 bits per sample.
        header = bytearray((0xFF, 0xF8, size_code << 4 | 0b1001, 0b0000_1000))
        assert rate == 44_100
        assert number < 0x80  # one-byte UTF-8 coded frame number
        header.append(number)
        if size_code == 0b0111:
            header += struct.pack(">H", len(block) - 1)
        header.append(_crc(bytes(header), 0x07, 8))
        body = bytes(header) + b"\x02" + struct.pack(f">{len(block)}h", *block)
        frames.append(body + struct.pack(">H", _crc(body, 0x8005, 16)))
    md5 = hashlib.md5(struct.pack(f"<{len(samples)}h", *samples)).digest()  # noqa: S324 - the format's checksum
    sizes = [len(frame) for frame in frames]
    info = struct.pack(">HH", BLOCK, BLOCK)
    info += min(sizes).to_bytes(3, "big") + max(sizes).to_bytes(3, "big")
    # 20 bits rate, 3 bits channels - 1, 5 bits bits - 1, 36 bits total samples.
    info += (rate << 44 | 0 << 41 | 15 << 36 | len(samples)).to_bytes(8, "big")
    info += md5
    streaminfo = bytes((0x80,)) + len(info).to_bytes(3, "big") + info  # last block
    return b"fLaC" + streaminfo + b"".join(frames)


# --- Ogg Opus ------------------------------------------------------------------

OPUS_SILENCE = b"\xf8\xff\xfe"  # CELT, fullband, 20 ms, mono: decodes to silence
OPUS_RATE = 48_000
PRE_SKIP = 312


def _ogg_page(
    packets: Iterable[bytes], granule: int, sequence: int, flags: int
) -> bytes:
    lacing = bytearray()
    for packet in packets:
        lacing += b"\xff" * (len(packet) // 255) + bytes((len(packet) % 255,))
    head = b"OggS\x00" + bytes((flags,)) + struct.pack("<qII", granule, 1, sequence)
    page = head + b"\0\0\0\0" + bytes((len(lacing),)) + lacing + b"".join(packets)
    crc = _crc(page, 0x04C11DB7, 32)
    return page[:22] + struct.pack("<I", crc) + page[26:]


def ogg_opus(seconds: float) -> bytes:
    """Silent mono Ogg Opus lasting seconds once the pre-skip is dropped."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, PRE_SKIP, 44_100, 0, 0)
    vendor = b"sonos_chime tests"
    tags = b"OpusTags" + struct.pack("<I", len(vendor)) + vendor + struct.pack("<I", 0)
    end = round(seconds * OPUS_RATE) + PRE_SKIP
    count = -(-end // 960)  # 960 samples per 20 ms packet
    pages = [_ogg_page([head], 0, 0, 0x02), _ogg_page([tags], 0, 1, 0)]
    per_page = 25
    for sequence, first in enumerate(range(0, count, per_page), start=2):
        packets = min(per_page, count - first)
        last = first + packets == count
        # The last page's granule trims the final packet to the exact length.
        granule = end if last else (first + packets) * 960
        flags = 0x04 if last else 0
        pages.append(_ogg_page([OPUS_SILENCE] * packets, granule, sequence, flags))
    return b"".join(pages)


# --- M4A (ALAC) ----------------------------------------------------------------


class _Bits:
    """Big-endian bit writer for ALAC frames."""

    def __init__(self) -> None:
        self.value = 0
        self.count = 0

    def put(self, value: int, bits: int) -> None:
        self.value = self.value << bits | (value & ((1 << bits) - 1))
        self.count += bits

    def bytes(self) -> bytes:
        pad = -self.count % 8
        return (self.value << pad).to_bytes((self.count + pad) // 8, "big")


def _alac_frame(block: list[int]) -> bytes:
    """One mono element, uncompressed (escape flag), then the end tag."""
    bits = _Bits()
    bits.put(0, 3)  # ID_SCE
    bits.put(0, 4)  # element instance
    bits.put(0, 12)  # unused
    partial = len(block) != BLOCK
    bits.put(partial << 3 | 0 << 1 | 1, 4)  # partial frame, no shift, escape
    if partial:
        bits.put(len(block), 32)
    for sample in block:
        bits.put(sample, 16)
    bits.put(7, 3)  # ID_END
    return bits.bytes()


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, *parts: bytes, flags: int = 0) -> bytes:
    return _box(kind, struct.pack(">I", flags), *parts)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def m4a_alac(samples: list[int], rate: int) -> bytes:
    """Mono 16-bit ALAC in an M4A, the index (moov) before the audio."""
    frames = [
        _alac_frame(samples[start : start + BLOCK])
        for start in range(0, len(samples), BLOCK)
    ]
    total = len(samples)
    cookie = struct.pack(
        ">IBBBBBBHIII",
        BLOCK,
        0,
        16,
        40,
        10,
        14,
        1,
        255,
        max(map(len, frames)),
        sum(map(len, frames)) * 8 * rate // total,
        rate,
    )
    entry = _box(
        b"alac",
        bytes(6) + struct.pack(">H", 1),
        struct.pack(">HHIHHHHI", 0, 0, 0, 1, 16, 0, 0, rate << 16),
        _full_box(b"alac", cookie),
    )
    last = total - BLOCK * (len(frames) - 1)
    stts_entries = [(len(frames) - 1, BLOCK), (1, last)] if last != BLOCK else []
    stts_entries = stts_entries or [(len(frames), BLOCK)]
    stts = _full_box(
        b"stts",
        struct.pack(">I", len(stts_entries)),
        *(struct.pack(">II", *item) for item in stts_entries),
    )

    def moov(offset: int) -> bytes:
        stbl = _box(
            b"stbl",
            _full_box(b"stsd", struct.pack(">I", 1), entry),
            stts,
            _full_box(b"stsc", struct.pack(">IIII", 1, 1, len(frames), 1)),
            _full_box(
                b"stsz",
                struct.pack(">II", 0, len(frames)),
                *(struct.pack(">I", len(frame)) for frame in frames),
            ),
            _full_box(b"stco", struct.pack(">II", 1, offset)),
        )
        minf = _box(
            b"minf",
            _full_box(b"smhd", struct.pack(">hH", 0, 0)),
            _box(
                b"dinf",
                _full_box(b"dref", struct.pack(">I", 1), _full_box(b"url ", flags=1)),
            ),
            stbl,
        )
        mdia = _box(
            b"mdia",
            _full_box(b"mdhd", struct.pack(">IIIIHH", 0, 0, rate, total, 0x55C4, 0)),
            _full_box(b"hdlr", struct.pack(">I4s12x", 0, b"soun"), b"SoundHandler\0"),
            minf,
        )
        tkhd = _full_box(
            b"tkhd",
            struct.pack(">IIIII8xhhhH", 0, 0, 1, 0, total, 0, 0, 0x0100, 0),
            _MATRIX,
            struct.pack(">II", 0, 0),
            flags=7,
        )
        mvhd = _full_box(
            b"mvhd",
            struct.pack(">IIIIIH10x", 0, 0, rate, total, 0x10000, 0x0100),
            _MATRIX,
            bytes(24),
            struct.pack(">I", 2),
        )
        return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))

    ftyp = _box(b"ftyp", b"M4A ", struct.pack(">I", 0), b"M4A mp42isom")
    head = ftyp + moov(0)
    head = ftyp + moov(len(head) + 8)  # the audio starts after mdat's header
    return head + _box(b"mdat", *frames)


# --- main ----------------------------------------------------------------------


def wav_samples(path: Path) -> tuple[list[int], int]:
    """The 16-bit mono samples of a WAV file, and its rate."""
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    return list(struct.unpack(f"<{len(frames) // 2}h", frames)), rate


def main() -> None:
    """Write the four files beside this script."""
    samples, rate = wav_samples(HERE / "chime_short.wav")
    (HERE / "chime_short.flac").write_bytes(flac(samples, rate))
    (HERE / "chime_short.m4a").write_bytes(m4a_alac(samples, rate))
    (HERE / "chime_silent.ogg").write_bytes(ogg_opus(0.6))
    (HERE / "chime_silent_long.ogg").write_bytes(ogg_opus(30.0))


if __name__ == "__main__":
    main()
