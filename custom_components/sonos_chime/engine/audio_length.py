"""A chime's real duration, read by mutagen.

The engine bounds its wait for the end of a chime by the chime's duration, so it
must know it before it plays. mutagen comes with every Home Assistant (its
``tts`` uses it) and reads every format the chime library offers. Anything it
cannot read gives None, never an exception: the engine then falls back to its
default bound, which is harmless, while an exception would abort the chime.
"""

from io import BytesIO, RawIOBase
import math
import os
from typing import IO

import mutagen
from mutagen.aac import AAC
from mutagen.flac import FLAC
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

__all__ = ["read_duration", "read_file_duration", "read_stream_duration"]

# A format, as its base class types it (MP3's own score() is unannotated).
type _Format = type[mutagen.FileType]

# What the library offers (const.AUDIO_SUFFIXES), Ogg with each of its codecs.
# Not mutagen's full list: APEv2File's detection reads the end of the file,
# which for a URL can cost a download.
_FORMATS: tuple[_Format, ...] = (MP3, WAVE, FLAC, OggVorbis, OggOpus, OggFLAC, MP4, AAC)
# MPEG audio and ADTS need no magic number: whatever detection made of the
# file, they are tried last.
_UNMARKED: tuple[_Format, ...] = (MP3, AAC)
_HEADER_SIZE = 128  # what mutagen's detection looks at


def read_stream_duration(fileobj: IO[bytes] | RawIOBase) -> float | None:
    """Duration in seconds of the audio in a seekable binary file; None if unknown.

    fileobj is an open file, or a raw stream such as url_length's RemoteFile.

    Formats are tried as mutagen.File ranks them (magic number, and the suffix
    of the file's ``name`` if it has one), but on through the ranking when one
    fails: a misnamed file is still read by what its bytes say it is.
    """
    name = getattr(fileobj, "name", "")
    name = name if isinstance(name, str) else ""
    try:
        fileobj.seek(0)
        header = fileobj.read(_HEADER_SIZE)
    except OSError:
        return None
    scores = {kind: kind.score(name, fileobj, header) for kind in _FORMATS}
    # Best first; equal scores in _FORMATS order.
    scored = sorted((k for k in _FORMATS if scores[k] > 0), key=lambda k: -scores[k])
    for kind in (*scored, *(kind for kind in _UNMARKED if kind not in scored)):
        try:
            fileobj.seek(0)
            length = _length(kind(fileobj))
        except Exception:  # noqa: S112 - damaged files raise more than MutagenError
            continue
        if length is not None:
            return length
    return None


def read_duration(data: bytes, name: str = "") -> float | None:
    """Duration in seconds of a whole file's bytes; None when unknown.

    name (a file name or URL path) ranks the formats by its suffix too.
    """
    stream = BytesIO(bytes(data))
    stream.name = name
    return read_stream_duration(stream)


def read_file_duration(path: str | os.PathLike[str]) -> float | None:
    """Duration in seconds of the file at path; None when unknown or unreadable."""
    try:
        with open(path, "rb") as file:
            return read_stream_duration(file)
    except OSError:
        return None


def _length(parsed: mutagen.FileType) -> float | None:
    length = getattr(parsed.info, "length", None)
    if isinstance(length, int | float) and math.isfinite(length) and length >= 0:
        return float(length)
    return None
