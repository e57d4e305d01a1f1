"""What a chime will put back, as plain data, saved before a speaker is touched.

If the process dies mid-chime (power cut, crash, kill -9), nothing in memory
survives: the record does. The next start hands it to ChimeEngine.recover,
which puts back the groups that still show the chime's mark and leaves alone
those someone has changed since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
import time
from typing import TYPE_CHECKING, Any

from .models import ChimeMedia, ChimeRequest, Zone
from .snapshot import Rendering, Transport
from .sources import SourceKind

if TYPE_CHECKING:
    from .group import GroupChime

RECORD_VERSION = 1
# 1.2 added sequences (followed_by) and room volumes.
RECORD_MINOR_VERSION = 2


def make_record(
    household_id: str, request: ChimeRequest, groups: Iterable[GroupChime]
) -> dict[str, Any]:
    """JSON-ready: every group about to be touched, as it was."""
    return {
        "version": RECORD_VERSION,
        "household_id": household_id,
        "saved_at": time.time(),
        "media_url": request.media_url,
        # Every later piece of a sequence: any of them marks a group as the
        # chime's.
        "followed_by": [piece.url for piece in request.followed_by],
        "volume": request.volume,
        "zone_volumes": dict(request.zone_volumes),
        "volume_offset": request.volume_offset,
        "volume_range": list(request.volume_range),
        "exclude_uids": sorted(request.exclude_uids),
        "groups": [
            {
                "transport": asdict(group.transport),
                "speakers": [
                    {
                        "zone": asdict(speaker.zone),
                        "rendering": None
                        if speaker.rendering is None
                        else asdict(speaker.rendering),
                    }
                    for speaker in group.speakers
                ],
            }
            for group in groups
            if group.active and group.transport is not None
        ],
    }


def upgrade_record(record: Mapping[str, Any], minor_version: int) -> dict[str, Any]:
    """A record saved as 1.minor_version, in today's shape (1.RECORD_MINOR_VERSION).

    1.1 knew neither sequences nor room volumes: one piece, one volume.
    """
    upgraded = dict(record)
    if minor_version < 2:
        upgraded = {
            "followed_by": [],
            "zone_volumes": {},
            "volume_offset": None,
            "volume_range": [0, 100],
            **upgraded,
        }
    return upgraded


def record_request(record: Mapping[str, Any]) -> ChimeRequest:
    """The chime the record was saved for, as far as a restore needs it."""
    low, high = record["volume_range"]
    return ChimeRequest(
        media_url=record["media_url"],
        volume=record["volume"],
        zone_volumes=record["zone_volumes"],
        volume_offset=record["volume_offset"],
        volume_range=(low, high),
        exclude_uids=frozenset(record["exclude_uids"]),
        followed_by=tuple(ChimeMedia(url) for url in record["followed_by"]),
    )


def record_age(record: Mapping[str, Any], now: float | None = None) -> float:
    """Seconds since the record was saved."""
    return (time.time() if now is None else now) - float(record["saved_at"])


def record_groups(
    record: Mapping[str, Any],
) -> list[tuple[Transport, list[tuple[Zone, Rendering | None]]]]:
    """Each group's transport and speakers, coordinator first."""
    groups = []
    for group in record["groups"]:
        transport = dict(group["transport"])
        transport["kind"] = SourceKind(transport["kind"])
        speakers = [
            (
                Zone(**speaker["zone"]),
                None
                if speaker["rendering"] is None
                else Rendering(**speaker["rendering"]),
            )
            for speaker in group["speakers"]
        ]
        groups.append((Transport(**transport), speakers))
    return groups
