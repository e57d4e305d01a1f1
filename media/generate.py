"""Synthesize the chimes that ship with sonos_chime, and the short ones the tests play.

Every sound is additive synthesis: each note is a sum of decaying sine partials
at slightly inharmonic ratios (as in real bells and tone bars), shaped by a
short raised-cosine attack and a cosine fade at the end of the file, so the
samples start and end at zero and nothing clicks. There is no randomness, so a
run reproduces the committed files.

The MP3s are encoded with ``lameenc`` (libmp3lame in a wheel, ``pip install
lameenc``), at a constant bitrate, mono, 44.1 kHz. A LAME-style Info frame is
put in front of the audio so players know the exact length (frame count,
encoder delay and padding); ``chime_short.mp3`` deliberately has none, so the
tests also cover a plain CBR stream.

Usage: ``python media/generate.py`` (from anywhere; paths are relative to the
repository). Runs under Python 3.11 or later.
"""

import argparse
import array
from collections.abc import Sequence
from dataclasses import dataclass
import math
import os
from pathlib import Path
import sys
import wave

REPO = Path(__file__).resolve().parent.parent
CHIMES_DIR = REPO / "custom_components" / "sonos_chime" / "chimes"
TESTS_DIR = REPO / "tests" / "media"

SAMPLE_RATE = 44_100
PEAK_DBFS = -3.0
BITRATE_KBPS = 96
LAME_QUALITY = 2  # 0 best .. 9 fastest
# libmp3lame delays the audio by 576 samples at the start (MPEG-1 Layer III).
ENCODER_DELAY = 576
SAMPLES_PER_FRAME = 1152
# Below this a partial is too quiet to hear; stop computing it.
SILENCE = 1e-5


@dataclass(frozen=True)
class Partial:
    """One sine component of a struck note, relative to the note's frequency."""

    ratio: float
    amplitude: float
    decay: float  # seconds for the amplitude to fall to 1/e
    beat_hz: float = 0.0  # a quieter twin this much higher: the slow warble of bells


@dataclass(frozen=True)
class Strike:
    """A note struck at a moment."""

    at: float  # seconds from the start
    freq: float  # Hz
    timbre: Sequence[Partial]
    gain: float = 1.0
    attack: float = 0.004  # seconds of raised-cosine rise: no click at the onset


@dataclass(frozen=True)
class Chime:
    """A whole sound file: its notes, length and the fade that ends it."""

    name: str
    description: str
    duration: float
    fade: float
    strikes: Sequence[Strike]


# Church bell: hum (an octave below), prime, the minor-third "tierce" that
# gives bells their colour, quint, nominal (an octave above) and a few upper
# partials; the last ones die within tens of milliseconds and make the clang.
BELL = (
    Partial(0.50, 0.40, 1.9, beat_hz=0.7),
    Partial(1.00, 0.55, 1.3, beat_hz=1.1),
    Partial(1.19, 0.38, 0.95),
    Partial(1.51, 0.20, 0.75),
    Partial(2.00, 0.60, 0.85, beat_hz=1.6),
    Partial(2.51, 0.18, 0.45),
    Partial(2.67, 0.16, 0.40),
    Partial(3.01, 0.11, 0.30),
    Partial(4.07, 0.09, 0.16),
    Partial(5.42, 0.07, 0.05),
    Partial(6.80, 0.05, 0.035),
)

# Clock chime (tubular bell): a strong fundamental, a slightly stretched
# octave and upper partials that fade quickly.
CLOCK = (
    Partial(0.50, 0.10, 1.6),
    Partial(1.00, 0.60, 1.5, beat_hz=0.6),
    Partial(2.006, 0.30, 0.95),
    Partial(3.01, 0.17, 0.6),
    Partial(4.17, 0.10, 0.32),
    Partial(5.43, 0.06, 0.18),
    Partial(7.10, 0.04, 0.04),
)

# Doorbell tone bar: a free bar's partials (1 : 2.756 : 5.404) plus the
# resonator tube's octave.
TONE_BAR = (
    Partial(1.00, 0.80, 0.95, beat_hz=0.5),
    Partial(2.00, 0.08, 0.5),
    Partial(2.756, 0.18, 0.25),
    Partial(5.404, 0.06, 0.07),
)

# Soft mallet on a wooden/glass bar: almost a pure tone, with the marimba's
# overtone tuned two octaves up (ratio 3.93) for the touch of the mallet.
SOFT_BAR = (
    Partial(1.00, 0.85, 1.1, beat_hz=0.4),
    Partial(2.00, 0.06, 0.5),
    Partial(3.93, 0.07, 0.12),
)

# Marimba: fundamental and the overtone tuned two octaves up, both short.
MARIMBA = (
    Partial(1.00, 0.85, 0.22),
    Partial(3.93, 0.25, 0.06),
    Partial(9.2, 0.05, 0.02),
)

# Equal-tempered pitches used below (A4 = 440 Hz).
B4, C5, E5, G5 = 493.88, 523.25, 659.26, 783.99
C6, FS5, GS5, A5 = 1046.50, 739.99, 830.61, 880.00
G4, E4 = 392.00, 329.63

# The Westminster quarters are rung from five changes of four notes; each
# quarter rings one more change than the last (Big Ben's tune, in E major).
CHANGES = (
    (GS5, FS5, E5, B4),
    (E5, GS5, FS5, B4),
    (E5, FS5, GS5, E5),
    (GS5, E5, FS5, B4),
    (B4, FS5, GS5, E5),
)
NOTE_GAP = 0.75  # seconds between the notes of a change
CHANGE_GAP = 3.75  # seconds between changes: the fourth note is held


def quarters(*changes: int) -> tuple[Strike, ...]:
    """The notes of these changes (1-5), one change after another."""
    return tuple(
        Strike(
            start * CHANGE_GAP + note * NOTE_GAP,
            freq,
            CLOCK,
            gain=1.15 if note == 3 else 1.0,
        )
        for start, change in enumerate(changes)
        for note, freq in enumerate(CHANGES[change - 1])
    )


SHIPPED = (
    Chime(
        name="bell",
        description="A single church-bell strike on G4, ringing out.",
        duration=2.5,
        fade=0.6,
        strikes=(Strike(0.0, G4, BELL, attack=0.003),),
    ),
    Chime(
        name="westminster",
        description=(
            "The first Westminster quarter (G#, F#, E, B) on clock chimes, "
            "the last note left to ring."
        ),
        duration=5.0,
        fade=0.8,
        strikes=quarters(1),
    ),
    Chime(
        name="westminster_half",
        description="The Westminster half hour: changes 2 and 3.",
        duration=CHANGE_GAP + 5.0,
        fade=0.8,
        strikes=quarters(2, 3),
    ),
    Chime(
        name="westminster_three_quarters",
        description="The Westminster three quarters: changes 4, 5 and 1.",
        duration=2 * CHANGE_GAP + 5.0,
        fade=0.8,
        strikes=quarters(4, 5, 1),
    ),
    Chime(
        name="westminster_hour",
        description=(
            "The Westminster hour, rung before the hour is struck: changes 2, 3, 4 and 5."
        ),
        duration=3 * CHANGE_GAP + 5.0,
        fade=0.8,
        strikes=quarters(2, 3, 4, 5),
    ),
    Chime(
        name="clock_strike",
        description=(
            "One strike of a clock's hour bell on E4, short enough to count: "
            "a clock chime plays it once for each hour."
        ),
        duration=2.0,
        fade=0.7,
        strikes=(Strike(0.0, E4, BELL, attack=0.003),),
    ),
    Chime(
        name="ding_dong",
        description="A two-tone doorbell: E5 then C5.",
        duration=2.0,
        fade=0.5,
        strikes=(
            Strike(0.00, E5, TONE_BAR),
            Strike(0.55, C5, TONE_BAR),
        ),
    ),
    Chime(
        name="soft_chime",
        description=(
            "A gentle rising C major arpeggio (C5, E5, G5, C6) with soft mallets."
        ),
        duration=3.0,
        fade=0.8,
        strikes=(
            Strike(0.00, C5, SOFT_BAR, gain=0.9, attack=0.03),
            Strike(0.18, E5, SOFT_BAR, gain=0.85, attack=0.03),
            Strike(0.36, G5, SOFT_BAR, gain=0.8, attack=0.03),
            Strike(0.54, C6, SOFT_BAR, gain=0.75, attack=0.03),
        ),
    ),
)

TEST_SHORT = Chime(
    name="chime_short",
    description="Test: one marimba note on A5, 0.6 s.",
    duration=0.6,
    fade=0.15,
    strikes=(Strike(0.0, A5, MARIMBA, attack=0.002),),
)
TEST_LONG = Chime(
    name="chime_long",
    description="Test: two tone-bar notes (G5, E5), 2.0 s.",
    duration=2.0,
    fade=0.5,
    strikes=(
        Strike(0.0, G5, TONE_BAR),
        Strike(0.5, E5, TONE_BAR),
    ),
)

NOT_AUDIO = (
    "This is not audio. The sonos_chime tests use this file to check that a\n"
    "chime file in an unknown format is rejected rather than played.\n"
)


def _add_partial(
    buffer: list[float],
    start: int,
    freq: float,
    amplitude: float,
    *,
    decay: float,
    attack: float,
) -> None:
    """Mix one exponentially decaying sine into buffer from sample start on."""
    omega = 2 * math.pi * freq / SAMPLE_RATE
    shrink = math.exp(-1 / (decay * SAMPLE_RATE))
    rise = max(1, round(attack * SAMPLE_RATE))
    level = amplitude
    for k in range(len(buffer) - start):
        if level < SILENCE:
            break
        gain = level if k >= rise else level * 0.5 * (1 - math.cos(math.pi * k / rise))
        buffer[start + k] += gain * math.sin(omega * k)
        level *= shrink


def render(chime: Chime) -> array.array:
    """Synthesize chime as 16-bit mono samples, peak-normalized to PEAK_DBFS."""
    length = round(chime.duration * SAMPLE_RATE)
    buffer = [0.0] * length
    for strike in chime.strikes:
        start = round(strike.at * SAMPLE_RATE)
        for partial in strike.timbre:
            freq = strike.freq * partial.ratio
            if freq >= 0.45 * SAMPLE_RATE:
                continue  # would alias
            amplitude = partial.amplitude * strike.gain
            if partial.beat_hz:
                # Split the energy between the partial and its detuned twin.
                _add_partial(
                    buffer,
                    start,
                    freq + partial.beat_hz,
                    amplitude * 0.35,
                    decay=partial.decay,
                    attack=strike.attack,
                )
                amplitude *= 0.65
            _add_partial(
                buffer,
                start,
                freq,
                amplitude,
                decay=partial.decay,
                attack=strike.attack,
            )

    fade = round(chime.fade * SAMPLE_RATE)
    for k in range(fade):
        # Half a cosine from 1 down to exactly 0 on the last sample.
        buffer[length - fade + k] *= 0.5 * (1 + math.cos(math.pi * (k + 1) / fade))

    peak = max(abs(value) for value in buffer)
    scale = 32767 * 10 ** (PEAK_DBFS / 20) / peak
    samples = array.array("h", (round(value * scale) for value in buffer))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV and lameenc both take little-endian PCM
    return samples


def write_wav(path: Path, samples: array.array) -> None:
    """Write 16-bit mono PCM."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())


def encode_mp3(samples: array.array) -> bytes:
    """CBR mono MP3 of the samples, without any tag."""
    try:
        import lameenc  # noqa: PLC0415 - only this step needs it
    except ImportError:
        sys.exit("generate.py needs lameenc for the MP3s: pip install lameenc")
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BITRATE_KBPS)
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_out_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_quality(LAME_QUALITY)
    return bytes(encoder.encode(samples.tobytes())) + bytes(encoder.flush())


def _frame_length(header: bytes) -> int:
    """Length of an MPEG-1 Layer III frame (the only kind encode_mp3 makes)."""
    if header[0] != 0xFF or header[1] & 0xFE != 0xFA:
        raise ValueError(f"not an MPEG-1 Layer III frame: {header.hex()}")
    bitrates = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
    rates = (44100, 48000, 32000)
    bitrate = bitrates[header[2] >> 4] * 1000
    rate = rates[(header[2] >> 2) & 0x3]
    return 144 * bitrate // rate + ((header[2] >> 1) & 0x1)


def _crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16 (polynomial 0x8005, reflected), the one the LAME tag uses."""
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def add_info_frame(mp3: bytes, sample_count: int) -> bytes:
    """Prepend a LAME-style Info frame: frame count, byte count, delay and padding.

    Players and tag readers take the exact length from it instead of
    estimating, and gapless players trim the encoder's delay and padding.
    """
    frames = 0
    pos = 0
    while pos < len(mp3):
        pos += _frame_length(mp3[pos : pos + 4])
        frames += 1
    if pos != len(mp3):
        raise ValueError("the encoder's last frame is incomplete")
    padding = frames * SAMPLES_PER_FRAME - ENCODER_DELAY - sample_count
    if not 0 <= padding < 4096:
        raise ValueError(f"unexpected encoder padding {padding}")

    # Same header as the audio, padding bit cleared; the side info stays zero,
    # so a player that ignores the tag decodes one frame of silence.
    header = bytes((mp3[0], mp3[1], mp3[2] & 0xFD, mp3[3]))
    frame_length = _frame_length(header)
    mono = header[3] >> 6 == 3
    side_info = bytes(17 if mono else 32)
    total_bytes = frame_length + len(mp3)
    toc = bytes(i * 256 // 100 for i in range(100))
    vbr_scale = 100 - 10 * 4 - LAME_QUALITY  # as LAME computes it (VBR_q = 4)
    xing = (
        b"Info"
        + (0x0F).to_bytes(4, "big")  # frames, bytes, TOC and quality present
        + frames.to_bytes(4, "big")
        + total_bytes.to_bytes(4, "big")
        + toc
        + vbr_scale.to_bytes(4, "big")
    )
    lame = (
        b"LAME3.100"  # lameenc bundles libmp3lame 3.100
        + bytes((0x01,))  # tag revision 0, CBR
        + bytes(1)  # lowpass: not recorded
        + bytes(4)  # peak: not recorded
        + bytes(4)  # radio and audiophile replay gain: none
        + bytes(1)  # encoding flags, ATH type
        + bytes((min(BITRATE_KBPS, 255),))
        + ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
        + bytes((0x40,))  # source 44.1 kHz, mono, no noise shaping
        + bytes(1)  # MP3 gain
        + bytes(2)  # surround, preset
        + total_bytes.to_bytes(4, "big")
        + _crc16(mp3).to_bytes(2, "big")
    )
    body = header + side_info + xing + lame
    body += _crc16(body).to_bytes(2, "big")
    return body + bytes(frame_length - len(body)) + mp3


def _shown(path: Path) -> str:
    """Path relative to the current directory when it is below it, for short logs."""
    return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)


def generate(chime: Chime, directory: Path, *, info_frame: bool = True) -> Path:
    """Render, encode and write chime as directory/NAME.mp3."""
    samples = render(chime)
    mp3 = encode_mp3(samples)
    if info_frame:
        mp3 = add_info_frame(mp3, len(samples))
    path = directory / f"{chime.name}.mp3"
    path.write_bytes(mp3)
    print(f"{_shown(path)}: {len(samples) / SAMPLE_RATE:.3f} s, {len(mp3)} bytes")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    """Write the shipped chimes and the test media."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chimes-dir", type=Path, default=CHIMES_DIR)
    parser.add_argument("--tests-dir", type=Path, default=TESTS_DIR)
    parser.add_argument(
        "--no-tests", action="store_true", help="only the shipped chimes"
    )
    args = parser.parse_args(argv)

    args.chimes_dir.mkdir(parents=True, exist_ok=True)
    for chime in SHIPPED:
        generate(chime, args.chimes_dir)
    if args.no_tests:
        return

    args.tests_dir.mkdir(parents=True, exist_ok=True)
    generate(TEST_SHORT, args.tests_dir, info_frame=False)
    generate(TEST_LONG, args.tests_dir)
    wav = args.tests_dir / f"{TEST_SHORT.name}.wav"
    write_wav(wav, render(TEST_SHORT))
    print(f"{_shown(wav)}: {TEST_SHORT.duration:.3f} s")
    (args.tests_dir / "not_audio.txt").write_text(NOT_AUDIO, encoding="utf-8")


if __name__ == "__main__":
    main()
