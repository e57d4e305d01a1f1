"""ContentDirectory: the queue (Q:0) with paging; other containers are empty."""

from ..soap import UPnPError
from ..sources import didl, queue_container, track_item
from . import Call, action

SERVICE = "ContentDirectory"
_EMPTY_CONTAINERS = ("A:", "S:", "SQ:", "FV:", "R:", "0", "Q:")
"""Library, shares, playlists, favourites, radio: exist but hold nothing here."""


@action(SERVICE)
def Browse(call: Call) -> dict[str, object]:  # noqa: N802
    """Browse Q:0 (children or metadata); unknown objects answer 701."""
    object_id, flag = call.arg("ObjectID"), call.arg("BrowseFlag")
    if flag not in {"BrowseDirectChildren", "BrowseMetadata"}:
        raise UPnPError(402, "bad BrowseFlag")
    start = call.int_arg("StartingIndex", 0)
    requested = call.int_arg("RequestedCount", 0)
    transport = call.speaker.transport
    update_id = transport.queue_update_id
    if object_id == "Q:0" and flag == "BrowseMetadata":
        return _result(queue_container(len(transport.queue)), 1, 1, update_id)
    if object_id == "Q:0":
        queue = transport.queue
        end = len(queue) if requested == 0 else min(len(queue), start + requested)
        items = [
            track_item(queue[index], f"Q:0/{index + 1}", "Q:0")
            for index in range(start, end)
        ]
        return _result(didl(*items), len(items), len(queue), update_id)
    if object_id.startswith(_EMPTY_CONTAINERS):
        return _result(didl(), 0, 0, update_id)
    raise UPnPError(701, "no such object")


def _result(
    result: str, returned: int, total: int, update_id: int
) -> dict[str, object]:
    """Browse's four outputs."""
    return {
        "Result": result,
        "NumberReturned": returned,
        "TotalMatches": total,
        "UpdateID": update_id,
    }


@action(SERVICE)
def GetSystemUpdateID(call: Call) -> dict[str, object]:  # noqa: N802
    """The library never changes here."""
    return {"Id": 1}


@action(SERVICE)
def GetSearchCapabilities(call: Call) -> dict[str, object]:  # noqa: N802
    """No search."""
    return {"SearchCaps": ""}


@action(SERVICE)
def GetSortCapabilities(call: Call) -> dict[str, object]:  # noqa: N802
    """No sorting."""
    return {"SortCaps": ""}
