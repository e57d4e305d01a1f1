"""GENA events, received by SoCo's own threaded event listener."""

from collections.abc import Callable, Iterator
import queue
from typing import Any

import pytest
import requests
from soco import SoCo
from soco.events import Subscription, event_listener
from soco.events_base import Event

from sonos_emulator import Household, Speaker, Track

from .conftest import soco, wait_until

QUEUE = [Track(f"x-file-cifs://nas/music/{n}.mp3", f"Song {n}", 180.0) for n in (1, 2)]


@pytest.fixture
def subscribe() -> Iterator[Callable[..., Subscription]]:
    """Subscribe through SoCo; unsubscribe and stop its listener afterwards."""
    made: list[Subscription] = []

    def make(service: Any, **kwargs: Any) -> Subscription:
        subscription = service.subscribe(**kwargs)
        made.append(subscription)
        return subscription

    yield make
    for subscription in made:
        if subscription.is_subscribed:
            subscription.unsubscribe()
    event_listener.stop()


def topology_subscription(
    subscribe: Callable[..., Subscription], household: Household, speaker: Speaker
) -> Subscription:
    """Subscribe to ZoneGroupTopology the way a SoCo user safely can.

    While such a subscription lives, SoCo 0.31.2 stops polling the topology and
    expects events to feed it, which only its asyncio listener does: read the
    topology first, as any SoCo user would have, so the cache is filled.
    """
    for member in household.speakers:
        assert soco(member).uid == member.uid
    return subscribe(soco(speaker).zoneGroupTopology)


def next_event(subscription: Subscription, timeout: float = 3.0) -> Event:
    """The next event SoCo's listener delivered for this subscription."""
    return subscription.events.get(timeout=timeout)


def event_where(
    subscription: Subscription, predicate: Callable[[Event], bool]
) -> Event:
    """The first event (in order) that matches, skipping earlier ones."""
    while True:
        event = next_event(subscription)
        if predicate(event):
            return event


def no_event(subscription: Subscription, within: float = 0.3) -> bool:
    """True when nothing arrives for ``within`` seconds."""
    try:
        subscription.events.get(timeout=within)
    except queue.Empty:
        return True
    return False


def test_initial_events_carry_the_full_state(
    household: Household, subscribe: Callable[..., Subscription]
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    kitchen.play_queue(track=2, position=30.0)
    kitchen.set_volume(27)
    device = soco(kitchen)

    transport = next_event(subscribe(device.avTransport))
    assert transport.seq == "0"
    assert transport.variables["transport_state"] == "PLAYING"
    assert transport.variables["current_track"] == "2"
    assert transport.variables["current_track_uri"] == QUEUE[1].uri
    assert transport.variables["av_transport_uri"] == f"x-rincon-queue:{kitchen.uid}#0"
    assert transport.variables["current_track_meta_data"].title == "Song 2"

    rendering = next_event(subscribe(device.renderingControl))
    assert rendering.variables["volume"] == {"Master": "27", "LF": "100", "RF": "100"}
    assert rendering.variables["mute"]["Master"] == "0"

    topology = next_event(topology_subscription(subscribe, household, kitchen))
    assert kitchen.uid in topology.variables["zone_group_state"]


def test_changes_arrive_in_order_with_rising_seq(
    household: Household, subscribe: Callable[..., Subscription]
) -> None:
    kitchen, room = household["Kitchen"], household["Living Room"]
    kitchen.set_queue(QUEUE)
    device = soco(kitchen)
    transport = subscribe(device.avTransport)
    rendering = subscribe(device.renderingControl)
    topology = topology_subscription(subscribe, household, room)
    for subscription in (transport, rendering, topology):
        assert next_event(subscription).seq == "0"

    device.play_from_queue(0)
    playing = event_where(
        transport, lambda e: e.variables["transport_state"] == "PLAYING"
    )
    assert playing.variables["current_track_uri"] == QUEUE[0].uri

    device.volume = 41
    volume = next_event(rendering)
    assert volume.seq == "1"
    # RenderingControl repeats only what changed, as real speakers do.
    assert volume.variables == {"volume": {"Master": "41"}}

    SoCo(room.ip).join(device)
    joined = next_event(topology)
    assert joined.seq == "1"
    assert 'Coordinator="' + kitchen.uid in joined.variables["zone_group_state"]
    assert joined.variables["zone_group_state"].count("<ZoneGroup ") == 2

    seqs = [int(playing.seq)]
    device.pause()
    seqs.append(int(next_event(transport).seq))
    device.play()
    seqs.append(int(next_event(transport).seq))
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 3


def test_a_track_end_is_evented_without_anyone_asking(
    household: Household, subscribe: Callable[..., Subscription]
) -> None:
    kitchen = household["Kitchen"]
    kitchen.set_queue([Track("x-file-cifs://nas/short.mp3", "Short", 0.3)])
    kitchen.play_queue()
    transport = subscribe(soco(kitchen).avTransport)
    assert next_event(transport).variables["transport_state"] == "PLAYING"
    kitchen.clear_events()
    stopped = next_event(transport)
    assert stopped.variables["transport_state"] == "STOPPED"
    assert not [e for e in kitchen.events() if e["kind"] == "soap"]


def test_members_report_their_coordinator(
    household: Household, subscribe: Callable[..., Subscription]
) -> None:
    household.join("Living Room", "Kitchen")
    room = household["Living Room"]
    event = next_event(subscribe(soco(room).avTransport))
    kitchen_uri = f"x-rincon:{household['Kitchen'].uid}"
    assert event.variables["av_transport_uri"] == kitchen_uri
    assert event.variables["current_track_uri"] == kitchen_uri


def test_renew_unsubscribe_and_unknown_sids(
    household: Household, subscribe: Callable[..., Subscription]
) -> None:
    kitchen = household["Kitchen"]
    subscription = subscribe(soco(kitchen).renderingControl, requested_timeout=600)
    next_event(subscription)
    assert subscription.timeout == 600
    sid = subscription.sid
    subscription.renew(requested_timeout=900)
    assert subscription.sid == sid
    assert subscription.timeout == 900

    subscription.unsubscribe()
    kitchen.set_volume(55)
    assert no_event(subscription)

    url = f"{kitchen.base_url}/MediaRenderer/RenderingControl/Event"
    renew = requests.request("SUBSCRIBE", url, headers={"SID": sid}, timeout=5)
    assert renew.status_code == 412
    gone = requests.request("UNSUBSCRIBE", url, headers={"SID": sid}, timeout=5)
    assert gone.status_code == 412
    no_callback = requests.request(
        "SUBSCRIBE", url, headers={"NT": "upnp:event"}, timeout=5
    )
    assert no_callback.status_code == 412
    both = requests.request(
        "SUBSCRIBE",
        url,
        headers={"SID": sid, "NT": "upnp:event", "CALLBACK": "<http://127.0.0.1/>"},
        timeout=5,
    )
    assert both.status_code == 400


def test_a_subscription_not_renewed_expires(
    household: Household, subscribe: Callable[..., Subscription]
) -> None:
    kitchen = household["Kitchen"]
    subscription = subscribe(soco(kitchen).avTransport, requested_timeout=1)
    next_event(subscription)
    assert subscription.timeout == 1
    wait_until(lambda: not household.eventing.subscriptions(kitchen), timeout=3)
    url = f"{kitchen.base_url}/MediaRenderer/AVTransport/Event"
    renew = requests.request(
        "SUBSCRIBE", url, headers={"SID": subscription.sid}, timeout=5
    )
    assert renew.status_code == 412
    subscription.is_subscribed = False  # the speaker already forgot it


def test_a_join_settles_after_the_call_returns(
    household_factory: Callable[..., Household],
    subscribe: Callable[..., Subscription],
) -> None:
    household = household_factory(profile="realistic")
    kitchen, room = household["Kitchen"], household["Living Room"]
    topology = topology_subscription(subscribe, household, kitchen)
    next_event(topology)

    SoCo(room.ip).join(soco(kitchen))
    # The call has returned: the speaker is in the group, the topology not yet.
    assert room.state()["coordinator_uid"] == kitchen.uid
    state = soco(kitchen).zoneGroupTopology.GetZoneGroupState()["ZoneGroupState"]
    assert state.count("<ZoneGroup ") == 3

    settled = next_event(topology)
    assert settled.variables["zone_group_state"].count("<ZoneGroup ") == 2
    state = soco(kitchen).zoneGroupTopology.GetZoneGroupState()["ZoneGroupState"]
    assert state.count("<ZoneGroup ") == 2
    joined = [e for e in household.events() if e["kind"] == "group"]
    assert [e["action"] for e in joined] == ["joined"]


def test_play_buffers_before_it_is_heard_under_real_timing(
    household_factory: Callable[..., Household],
    subscribe: Callable[..., Subscription],
) -> None:
    household = household_factory(profile="realistic")
    kitchen = household["Kitchen"]
    kitchen.set_queue(QUEUE)
    device = soco(kitchen)
    transport = subscribe(device.avTransport)
    next_event(transport)
    device.play_from_queue(0)
    states = []
    while not states or states[-1] != "PLAYING":
        states.append(next_event(transport).variables["transport_state"])
    assert "TRANSITIONING" in states
    assert kitchen.state()["timing"]["name"] == "realistic"
