"""Reading a chime's length from the URL the speakers will fetch."""

import urllib.error
import urllib.request

from .audio import read_duration
from .errors import MediaUnavailableError

FETCH_TIMEOUT = 10.0
MAX_BYTES = 20 * 1024 * 1024


def probe_duration(url: str) -> float | None:
    """Fetch the chime once: refuse what the speakers could not play either.

    Returns None for audio in a format whose length we cannot read; the wait for
    the end is then bounded by a generous default instead.
    """
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT) as response:
            content_type = response.headers.get_content_type()
            data = response.read(MAX_BYTES)
    except urllib.error.HTTPError as err:
        raise MediaUnavailableError(f"{url} answered HTTP {err.code}") from err
    except (urllib.error.URLError, OSError, ValueError) as err:
        raise MediaUnavailableError(f"{url} cannot be fetched: {err}") from err
    duration = read_duration(data)
    if duration is None and not content_type.startswith("audio/"):
        raise MediaUnavailableError(f"{url} is not audio ({content_type})")
    return duration
