"""What a zone is playing, judged from its transport URI."""

from enum import StrEnum


class SourceKind(StrEnum):
    """Kinds of source that restore differently."""

    NONE = "none"
    QUEUE = "queue"
    CLOUD_QUEUE = "cloud_queue"
    APP = "app"
    TV = "tv"
    LINE_IN = "line_in"
    RADIO = "radio"
    MEMBER = "member"
    STREAM = "stream"


_RADIO_PREFIXES = (
    "x-rincon-mp3radio:",
    "x-sonosapi-stream:",
    "x-sonosapi-radio:",
    "x-sonosapi-hls:",
    "aac:",
    "hls-radio:",
)


def classify(uri: str) -> SourceKind:
    """Classify a CurrentURI as GetMediaInfo reports it."""
    if not uri:
        return SourceKind.NONE
    if uri.startswith("x-rincon-queue:"):
        return SourceKind.QUEUE if uri.endswith("#0") else SourceKind.CLOUD_QUEUE
    if uri.startswith("x-sonos-vli:"):
        return SourceKind.APP
    if uri.startswith("x-sonos-htastream:"):
        return SourceKind.TV
    if uri.startswith("x-rincon-stream:"):
        return SourceKind.LINE_IN
    if uri.startswith("x-rincon:"):
        return SourceKind.MEMBER
    if uri.startswith(_RADIO_PREFIXES):
        return SourceKind.RADIO
    return SourceKind.STREAM


# Cloud queues and app-controlled sessions belong to the app that started them;
# UPnP cannot set them back, and pressing play would replay the chime instead.
NOT_RESUMABLE = frozenset({SourceKind.CLOUD_QUEUE, SourceKind.APP})
# Inputs rather than media: they reject pause (UPnP 701).
INPUTS = frozenset({SourceKind.TV, SourceKind.LINE_IN})
