"""Queue entries keep the DIDL they were enqueued with, under the queue's ids."""

from soco.data_structures import DidlMusicTrack, DidlResource
from soco.data_structures_entry import from_didl_string

from sonos_emulator import Household

from .conftest import soco

ART = "/getaa?s=1&u=x-file-cifs%3a%2f%2fnas%2fmusic%2f{n}.flac"


def _track(n: int) -> DidlMusicTrack:
    """A library track as SoCo's music library hands it out."""
    uri = f"x-file-cifs://nas/music/{n}.flac"
    return DidlMusicTrack(
        title=f"Song {n}",
        parent_id="A:TRACKS",
        item_id=f"S://nas/music/{n}.flac",
        resources=[
            DidlResource(
                uri=uri, protocol_info="x-file-cifs:*:audio/flac:*", duration="0:04:05"
            )
        ],
        creator=f"Artist {n}",
        album=f"Album {n}",
        album_art_uri=ART.format(n=n),
    )


def test_get_queue_items_keep_their_didl(household: Household) -> None:
    device = soco(household["Kitchen"])
    device.add_to_queue(_track(1))
    device.add_to_queue(_track(2), position=1)  # goes first
    queue = device.get_queue()
    assert [item.title for item in queue] == ["Song 2", "Song 1"]
    first = queue[0]
    assert isinstance(first, DidlMusicTrack)
    assert (first.item_id, first.parent_id) == ("Q:0/1", "Q:0")
    assert queue[1].item_id == "Q:0/2"
    assert first.album_art_uri == ART.format(n=2)
    assert (first.creator, first.album) == ("Artist 2", "Album 2")
    resource = first.resources[0]
    assert resource.uri == "x-file-cifs://nas/music/2.flac"
    assert resource.protocol_info == "x-file-cifs:*:audio/flac:*"
    assert resource.duration == "0:04:05"
    full = device.get_queue(full_album_art_uri=True)[0].album_art_uri
    assert full == f"http://{device.ip_address}:1400{ART.format(n=2)}"


def test_track_metadata_carries_the_enqueued_didl(household: Household) -> None:
    device = soco(household["Kitchen"])
    device.add_multiple_to_queue([_track(1), _track(2)])
    device.play_from_queue(1)
    info = device.get_current_track_info()
    assert (info["title"], info["artist"], info["album"]) == (
        "Song 2",
        "Artist 2",
        "Album 2",
    )
    assert info["album_art"] == f"http://{device.ip_address}:1400{ART.format(n=2)}"
    assert info["duration"] == "0:04:05"
    item = from_didl_string(info["metadata"])[0]
    assert (item.item_id, item.parent_id) == ("Q:0/2", "Q:0")


def test_queue_items_can_be_enqueued_again(household: Household) -> None:
    """SoCo's hardware tests restore a queue by re-adding what get_queue gave."""
    device = soco(household["Kitchen"])
    device.add_to_queue(_track(1))
    assert device.add_to_queue(device.get_queue()[0]) == 2
    again = device.get_queue()[1]
    assert again.item_id == "Q:0/2"
    assert again.album_art_uri == ART.format(n=1)
    assert again.title == "Song 1"


def test_other_prefixes_are_rewritten_to_the_standard_ones(
    household: Household,
) -> None:
    device = soco(household["Kitchen"])
    metadata = (
        '<d:DIDL-Lite xmlns:d="urn:schemas-upnp-org:metadata-1-0/DIDL-Lite/" '
        'xmlns:t="http://purl.org/dc/elements/1.1/" '
        'xmlns:u="urn:schemas-upnp-org:metadata-1-0/upnp/" '
        'xmlns:x="urn:example:extra">'
        '<d:item id="7" parentID="6" restricted="false">'
        "<t:title>Bells &amp; Whistles</t:title>"
        "<u:class>object.item.audioItem.musicTrack</u:class>"
        "<u:albumArtURI>http://art.example/7.jpg</u:albumArtURI>"
        "<x:rating>5</x:rating>"
        "</d:item></d:DIDL-Lite>"
    )
    device.avTransport.AddURIToQueue(
        [
            ("InstanceID", 0),
            ("EnqueuedURI", "http://media.example/bells.mp3"),
            ("EnqueuedURIMetaData", metadata),
            ("DesiredFirstTrackNumberEnqueued", 0),
            ("EnqueueAsNext", 0),
        ]
    )
    result = device.contentDirectory.Browse(
        [
            ("ObjectID", "Q:0"),
            ("BrowseFlag", "BrowseDirectChildren"),
            ("Filter", "*"),
            ("StartingIndex", 0),
            ("RequestedCount", 10),
            ("SortCriteria", ""),
        ]
    )["Result"]
    assert "<dc:title>Bells &amp; Whistles</dc:title>" in result
    assert 'xmlns:ns0="urn:example:extra"' in result
    item = device.get_queue()[0]
    assert item.title == "Bells & Whistles"
    assert item.album_art_uri == "http://art.example/7.jpg"
    # The speaker adds what every entry has: its res, with the duration.
    assert item.resources[0].uri == "http://media.example/bells.mp3"
    assert item.resources[0].duration == "0:03:00"


def test_untitled_metadata_is_not_kept(household: Household) -> None:
    """add_uri_to_queue sends an empty title; the speaker describes the track."""
    device = soco(household["Kitchen"])
    device.add_uri_to_queue("x-file-cifs://nas/music/Gong.mp3")
    item = device.get_queue()[0]
    assert isinstance(item, DidlMusicTrack)
    assert item.title == "Gong"
