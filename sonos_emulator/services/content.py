"""ContentDirectory: the queue (Q:0) with paging; other containers are empty.

Favourites (``FV:2``), Sonos playlists (``SQ:``), the library and radio exist
but hold nothing, so their update ids never change. Home Assistant core
compares the ``FV:2`` id in ContainerUpdateIDs events with the UpdateID a
Browse of ``FV:2`` answers, so both come from the same constant.
"""

from typing import TYPE_CHECKING

from ..soap import UPnPError
from ..sources import didl, queue_container, track_item
from . import Call, action, evented

if TYPE_CHECKING:
    from ..speaker import Speaker

SERVICE = "ContentDirectory"
_EMPTY_CONTAINERS = ("A:", "S:", "SQ:", "FV:", "R:", "0", "Q:")
"""Library, shares, playlists, favourites, radio: exist but hold nothing here."""
SYSTEM_UPDATE_ID = 1
FAVORITES_UPDATE_ID = 1
SAVED_QUEUES_UPDATE_ID = 1


@action(SERVICE)
def Browse(call: Call) -> dict[str, object]:  # noqa: N802
    """Browse Q:0 (children or metadata); unknown objects answer 701."""
    object_id, flag = call.arg("ObjectID"), call.arg("BrowseFlag")
    if flag not in {"BrowseDirectChildren", "BrowseMetadata"}:
        raise UPnPError(402, "bad BrowseFlag")
    start = call.int_arg("StartingIndex", 0)
    requested = call.int_arg("RequestedCount", 0)
    transport = call.speaker.transport
    update_id = _update_id(object_id, transport.queue_update_id)
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
    raise UPnPError(701, "no such object")  # ContentDirectory:1's code for it


def _update_id(object_id: str, queue_update_id: int) -> int:
    """The UpdateID a Browse answers: that of the container browsed."""
    if object_id.startswith("Q:"):
        return queue_update_id
    if object_id.startswith("FV:"):
        return FAVORITES_UPDATE_ID
    if object_id.startswith("SQ:"):
        return SAVED_QUEUES_UPDATE_ID
    return SYSTEM_UPDATE_ID


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
    return {"Id": SYSTEM_UPDATE_ID}


@action(SERVICE)
def GetSearchCapabilities(call: Call) -> dict[str, object]:  # noqa: N802
    """No search."""
    return {"SearchCaps": ""}


@action(SERVICE)
def GetSortCapabilities(call: Call) -> dict[str, object]:  # noqa: N802
    """No sorting."""
    return {"SortCaps": ""}


@evented(SERVICE)
def _content_directory_events(speaker: Speaker) -> dict[str, str]:
    """The update ids a real speaker sends; household-wide ones name its first uid.

    Home Assistant core reads FavoritesUpdateID (``{uid},{n}``) and the ``FV:2``
    entry of ContainerUpdateIDs. (Real speakers also event ``Q:0,{n}`` there on
    queue edits; queue edits leave no timeline entry to wake the event pump, so
    it is left out rather than sent late.)
    """
    owner = speaker.household.speakers[0].uid
    return {
        "SystemUpdateID": str(SYSTEM_UPDATE_ID),
        "ContainerUpdateIDs": f"FV:2,{FAVORITES_UPDATE_ID}",
        "ShareIndexInProgress": "0",
        "ShareIndexLastError": "",
        "UserRadioUpdateID": f"{owner},1",
        "SavedQueuesUpdateID": f"{owner},{SAVED_QUEUES_UPDATE_ID}",
        "ShareListUpdateID": f"{owner},1",
        "RecentlyPlayedUpdateID": f"{owner},1",
        "Browseable": "1",
        "RadioFavoritesUpdateID": "1",
        "RadioLocationUpdateID": "1",
        "FavoritesUpdateID": f"{owner},{FAVORITES_UPDATE_ID}",
    }
