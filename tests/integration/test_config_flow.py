"""Config flow: what Home Assistant finds, manual addresses, every error and abort."""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import replace
from ipaddress import ip_address
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    SOURCE_SSDP,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigEntryState,
    ConfigFlowResult,
    FlowType,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.config_flow import SonosChimeConfigFlow, parse_hosts
from custom_components.sonos_chime.const import (
    CONF_ALL_ZONES,
    CONF_HOSTS,
    CONF_MEDIA,
    CONF_NAME,
    CONF_TIME,
    CONF_ZONE_NAME,
    CONF_ZONE_UID,
    CONF_ZONES,
    DOMAIN,
    SUBENTRY_CHIME,
    SUBENTRY_ZONE,
)
from custom_components.sonos_chime.discovery import ZONE_PLAYER_ST
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET

from .helpers import (
    SEARCH,
    assert_flow_translated,
)

ALL_HOSTS = [f"{EMULATOR_NET}.2", f"{EMULATOR_NET}.3", f"{EMULATOR_NET}.4"]
TITLE = "Sonos household"
ZONES = "Chicken Coop, Kitchen, Living Room"  # how a household is told apart
NOBODY = f"{EMULATOR_NET}.29"  # allowed by emulator_network, nothing listens there
BARN = f"{EMULATOR_NET}.10"  # the second household's only speaker

pytestmark = pytest.mark.usefixtures("emulator_network")


def patch_search(hosts: list[str] | BaseException):
    """SoCo's multicast search, which cannot reach anything in the sandbox."""
    if isinstance(hosts, BaseException):
        return patch(SEARCH, side_effect=hosts)
    return patch(SEARCH, return_value=hosts)


async def _no_next_flow(
    self: SonosChimeConfigFlow, result: ConfigFlowResult
) -> ConfigFlowResult:
    return result


@pytest.fixture(autouse=True)
async def unload_stand_ins(hass: HomeAssistant) -> AsyncIterator[None]:
    """Entries loaded by patch_setup's stand-in are unloaded by a stand-in too.

    The real unload looks for what only the real set-up keeps, and would log
    an error at teardown for every entry these tests create.
    """
    yield
    with patch("custom_components.sonos_chime.async_unload_entry", return_value=True):
        for entry in hass.config_entries.async_entries(DOMAIN):
            if entry.state is ConfigEntryState.LOADED and not hasattr(
                entry, "runtime_data"
            ):
                await hass.config_entries.async_unload(entry.entry_id)


@contextmanager
def patch_setup() -> Iterator[None]:
    """Creating an entry sets it up and opens the chime form: not here.

    These tests look at the household's flow alone; a test of its own follows
    it on into a real set-up and the chime form.
    """
    with (
        patch("custom_components.sonos_chime.async_setup_entry", return_value=True),
        patch.object(SonosChimeConfigFlow, "async_on_create_entry", _no_next_flow),
    ):
        yield


async def choose_all_zones(
    hass: HomeAssistant, result: ConfigFlowResult
) -> ConfigFlowResult:
    """The household is chosen: every zone chimes (the first choice)."""
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "zones"
    assert result["menu_options"] == ["all_zones", "pick_zones"]
    assert result["description_placeholders"] == {"zones": ZONES}
    await assert_flow_translated(hass, result, "config")
    with patch_setup():
        return await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "all_zones"}
        )


def assert_household_added(result: ConfigFlowResult, household: Household) -> None:
    """The entry a new household gets: every address, every zone chimes."""
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == {CONF_HOSTS: ALL_HOSTS}
    assert result["options"] == {CONF_ALL_ZONES: True}
    assert result["result"].unique_id == household.household_id
    assert result["result"].subentries == {}


def ssdp_info(host: str, uid: str = "RINCON_000E58000001") -> SsdpServiceInfo:
    """What Home Assistant's SSDP scanner hands a flow for a speaker."""
    return SsdpServiceInfo(
        ssdp_usn=f"uuid:{uid}::{ZONE_PLAYER_ST}",
        ssdp_st=ZONE_PLAYER_ST,
        ssdp_location=f"http://{host}:1400/xml/device_description.xml",
        upnp={"UDN": f"uuid:{uid}", "friendlyName": f"{host} - Sonos One"},
    )


def zeroconf_info(
    host: str, hostname: str = "Sonos-000E58000001"
) -> ZeroconfServiceInfo:
    """What Home Assistant's zeroconf browser hands a flow for a speaker."""
    return ZeroconfServiceInfo(
        ip_address=ip_address(host),
        ip_addresses=[ip_address(host)],
        hostname=f"{hostname}.local.",
        name=f"{hostname}@Kitchen._sonos._tcp.local.",
        port=1443,
        properties={"bootseq": "12"},
        type="_sonos._tcp.local.",
    )


async def start_user_flow(
    hass: HomeAssistant, search: list[str] | BaseException
) -> ConfigFlowResult:
    """The form the user sees first, with SoCo's search finding ``search``."""
    with patch_search(search):
        return await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_USER}
        )


async def start_manual(hass: HomeAssistant) -> str:
    """The manual form, which follows when nothing is found."""
    result = await start_user_flow(hass, [])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert result["errors"] == {}
    return result["flow_id"]


def offered(result: ConfigFlowResult) -> list[tuple[str, str]]:
    """The choices of the household form; the first is chosen already."""
    schema = result["data_schema"]
    assert schema is not None
    [key] = schema.schema
    options = schema.schema[key].config["options"]
    assert key.default() == options[0]["value"]
    return [(option["value"], option["label"]) for option in options]


async def test_one_household_found_one_click(
    hass: HomeAssistant, household: Household
) -> None:
    """The household SoCo's search finds is chosen already: Submit, All zones."""
    result = await start_user_flow(hass, [f"{EMULATOR_NET}.3"])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_household"
    assert offered(result) == [(household.household_id, ZONES), ("manual", "manual")]
    await assert_flow_translated(hass, result, "config")

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await choose_all_zones(hass, result)
    assert_household_added(result, household)


async def test_household_ssdp_has_seen_is_offered(
    hass: HomeAssistant, household: Household
) -> None:
    """Speakers Home Assistant's SSDP scanner knows need no search of our own."""
    hass.config.components.add("ssdp")
    with patch(
        "homeassistant.components.ssdp.async_get_discovery_info_by_st",
        return_value=[ssdp_info(f"{EMULATOR_NET}.4")],
    ) as seen:
        result = await start_user_flow(hass, AssertionError("searched anyway"))
    seen.assert_awaited_once_with(hass, ZONE_PLAYER_ST)
    assert result["step_id"] == "pick_household"
    assert offered(result)[0] == (household.household_id, ZONES)


@pytest.mark.parametrize(
    "search",
    [[], [NOBODY], RuntimeError("no interfaces")],
    ids=["nothing", "found_but_silent", "search_error"],
)
async def test_nothing_found_goes_on_to_manual(
    hass: HomeAssistant, household: Household, search: list[str] | BaseException
) -> None:
    """No household to offer: the flow asks for an address instead of ending."""
    result = await start_user_flow(hass, search)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOSTS: f"{EMULATOR_NET}.2"}
    )
    result = await choose_all_zones(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == household.household_id


async def test_only_a_configured_household_found(
    hass: HomeAssistant, household: Household
) -> None:
    """The household found is added already: another one can still be typed."""
    MockConfigEntry(
        domain=DOMAIN, unique_id=household.household_id, data={CONF_HOSTS: ALL_HOSTS}
    ).add_to_hass(hass)
    result = await start_user_flow(hass, ALL_HOSTS)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"


async def test_two_households_pick_one(
    hass: HomeAssistant, household: Household
) -> None:
    """Two households answer: the user picks one."""
    with Household(
        names=["Barn"], first_ip=BARN, household_id="Other", profile="fast"
    ) as other:
        result = await start_user_flow(hass, [*ALL_HOSTS, other.speakers[0].ip])
        assert result["step_id"] == "pick_household"
        assert offered(result) == [
            (household.household_id, ZONES),
            ("Other", "Barn"),
            ("manual", "manual"),
        ]
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"household": "Other"}
        )
        assert result["description_placeholders"] == {"zones": "Barn"}
        with patch_setup():
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {"next_step_id": "all_zones"}
            )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == {CONF_HOSTS: [BARN]}
    assert result["result"].unique_id == "Other"


async def test_household_found_but_typed_instead(
    hass: HomeAssistant, household: Household
) -> None:
    """The user may still type the address of a household not offered."""
    result = await start_user_flow(hass, [f"{EMULATOR_NET}.3"])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"household": "manual"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"


async def test_household_added_meanwhile(
    hass: HomeAssistant, household: Household
) -> None:
    """Picked after another flow added the same household: nothing twice."""
    result = await start_user_flow(hass, [f"{EMULATOR_NET}.3"])
    MockConfigEntry(
        domain=DOMAIN, unique_id=household.household_id, data={CONF_HOSTS: ALL_HOSTS}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"household": household.household_id}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("source", "info"),
    [
        (SOURCE_SSDP, ssdp_info(f"{EMULATOR_NET}.3")),
        (SOURCE_ZEROCONF, zeroconf_info(f"{EMULATOR_NET}.3")),
    ],
)
async def test_discovered_household_confirmed(
    hass: HomeAssistant,
    household: Household,
    source: str,
    info: SsdpServiceInfo | ZeroconfServiceInfo,
) -> None:
    """Home Assistant's discovery offers the household; one click adds it."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": source}, data=info
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"]["zones"] == ZONES
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["title_placeholders"] == {"name": ZONES}
    assert flow["context"]["unique_id"] == household.household_id

    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await choose_all_zones(hass, result)
    assert_household_added(result, household)


async def test_every_speaker_discovered_one_flow(
    hass: HomeAssistant, household: Household
) -> None:
    """Each speaker of a household is discovered; the household is offered once."""
    first = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_SSDP}, data=ssdp_info(f"{EMULATOR_NET}.2")
    )
    assert first["step_id"] == "discovery_confirm"
    for host in ALL_HOSTS[1:]:
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(host)
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_in_progress"

    # Added by hand meanwhile: the discovered offer goes away.
    result = await start_user_flow(hass, [])
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_HOSTS: f"{EMULATOR_NET}.2"}
    )
    result = await choose_all_zones(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN) == []


async def test_discovered_configured_household_learns_addresses(
    hass: HomeAssistant, household: Household
) -> None:
    """A configured household is not offered again; its addresses stay current."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id=household.household_id,
        data={CONF_HOSTS: ["10.0.0.9"]},
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_SSDP}, data=ssdp_info(f"{EMULATOR_NET}.3")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOSTS] == ALL_HOSTS


async def test_discovered_ignored_household_stays_ignored(
    hass: HomeAssistant, household: Household
) -> None:
    """A household the user ignored is not offered again."""
    MockConfigEntry(
        domain=DOMAIN, unique_id=household.household_id, source=SOURCE_IGNORE
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_SSDP}, data=ssdp_info(f"{EMULATOR_NET}.3")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_discovered_known_address_needs_no_probe(hass: HomeAssistant) -> None:
    """A speaker of a configured household aborts before anything is asked."""
    MockConfigEntry(
        domain=DOMAIN, unique_id="Sonos_1", data={CONF_HOSTS: [NOBODY]}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_ZEROCONF}, data=zeroconf_info(NOBODY)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("source", "info", "reason"),
    [
        (SOURCE_SSDP, ssdp_info(NOBODY), "cannot_connect"),
        (
            SOURCE_SSDP,
            replace(ssdp_info(NOBODY), ssdp_location=None),
            "cannot_connect",
        ),
        (SOURCE_ZEROCONF, zeroconf_info(NOBODY), "cannot_connect"),
        (
            SOURCE_ZEROCONF,
            zeroconf_info(NOBODY, hostname="Printer-1"),
            "not_sonos_device",
        ),
        (
            SOURCE_ZEROCONF,
            replace(
                zeroconf_info(NOBODY),
                ip_address=ip_address("fe80::1"),
                ip_addresses=[ip_address("fe80::1")],
            ),
            "not_ipv4_address",
        ),
    ],
    ids=["silent", "no_location", "silent_mdns", "not_sonos", "ipv6"],
)
async def test_discovery_aborts(
    hass: HomeAssistant,
    source: str,
    info: SsdpServiceInfo | ZeroconfServiceInfo,
    reason: str,
) -> None:
    """What discovery cannot offer ends quietly with its reason."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": source}, data=info
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == reason


async def test_manual(hass: HomeAssistant, household: Household) -> None:
    """One typed address is enough: every zone's address is stored."""
    flow_id = await start_manual(hass)

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOSTS: f" {EMULATOR_NET}.4 ,"}
    )
    result = await choose_all_zones(hass, result)
    assert_household_added(result, household)


@pytest.mark.parametrize(
    ("hosts", "errors"),
    [
        ("", {CONF_HOSTS: "invalid_host"}),
        (" , ", {CONF_HOSTS: "invalid_host"}),
        ("not a host!", {CONF_HOSTS: "invalid_host"}),
        (f"{EMULATOR_NET}.2, http://{EMULATOR_NET}.3", {CONF_HOSTS: "invalid_host"}),
        ("999.1.2.3", {CONF_HOSTS: "invalid_host"}),
        (NOBODY, {"base": "cannot_connect"}),
    ],
    # Ids without addresses: every pytest-xdist worker has its own block.
    ids=["empty", "commas", "not_a_host", "a_url", "no_such_address", "silent"],
)
async def test_manual_errors_then_recover(
    hass: HomeAssistant, household: Household, hosts: str, errors: dict[str, str]
) -> None:
    """Bad or silent addresses show an error; correct ones then succeed."""
    flow_id = await start_manual(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOSTS: hosts}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert result["errors"] == errors
    await assert_flow_translated(hass, result, "config")

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.2"}
    )
    result = await choose_all_zones(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_upnp_switched_off(
    hass: HomeAssistant, household: Household
) -> None:
    """Speakers that refuse UPnP are told apart from silent ones, with the fix."""
    for speaker in household.speakers:
        speaker.set_upnp(False)
    flow_id = await start_manual(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.2"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "upnp_disabled"}
    await assert_flow_translated(hass, result, "config")

    for speaker in household.speakers:
        speaker.set_upnp(True)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.2"}
    )
    result = await choose_all_zones(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_unknown_error(
    hass: HomeAssistant, household: Household, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected exception is logged and shown as unknown."""
    flow_id = await start_manual(hass)
    with patch(
        "custom_components.sonos_chime.config_flow.probe_household",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.2"}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected error probing" in caplog.text

    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.2"}
    )
    result = await choose_all_zones(hass, result)
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_manual_different_households(
    hass: HomeAssistant, household: Household
) -> None:
    """Addresses of two households cannot make one entry."""
    with Household(names=["Barn"], first_ip=BARN, household_id="Other", profile="fast"):
        flow_id = await start_manual(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.2, {BARN}"}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "different_households"}


async def test_manual_already_configured(
    hass: HomeAssistant, household: Household
) -> None:
    """The same household twice aborts, and the known entry learns its addresses."""
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=household.household_id, data={CONF_HOSTS: ["10.0.0.9"]}
    )
    entry.add_to_hass(hass)
    flow_id = await start_manual(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.3"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data[CONF_HOSTS] == ALL_HOSTS


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("192.168.1.20", ["192.168.1.20"]),
        ("192.168.1.20, 192.168.1.21,192.168.1.20", ["192.168.1.20", "192.168.1.21"]),
        ("kitchen.local; living-room", ["kitchen.local", "living-room"]),
        ("fe80::1", ["fe80::1"]),
        ("", None),
        ("-bad-.local", None),
        ("192.168.1.20:1400", None),
        ("a" * 64, None),
        ("1.2.3", None),
        ("kitchen_1", None),
        # Home Assistant's is_host_valid takes a numeric last label as a name.
        ("speaker.1", ["speaker.1"]),
    ],
)
def test_parse_hosts(text: str, hosts: list[str] | None) -> None:
    """What the manual step accepts as addresses."""
    assert parse_hosts(text) == hosts


# ------------------------------------------------------------ where chimes play
async def start_zones(hass: HomeAssistant) -> ConfigFlowResult:
    """The household found and picked: the flow asks where chimes play."""
    result = await start_user_flow(hass, [f"{EMULATOR_NET}.3"])
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "zones"
    return result


async def test_pick_zones(hass: HomeAssistant, household: Household) -> None:
    """Only the zones ticked chime: they are the household's zone subentries."""
    uids = {speaker.name: speaker.uid for speaker in household.speakers}
    result = await start_zones(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "pick_zones"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_zones"
    await assert_flow_translated(hass, result, "config")
    [marker] = result["data_schema"].schema
    assert [
        (option["value"], option["label"])
        for option in result["data_schema"].schema[marker].config["options"]
    ] == [(uids[name], name) for name in ("Chicken Coop", "Kitchen", "Living Room")]

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ZONES: []}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {CONF_ZONES: "no_zones_chosen"}
    await assert_flow_translated(hass, result, "config")

    with patch_setup():
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ZONES: [uids["Kitchen"], uids["Chicken Coop"]]}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["options"] == {CONF_ALL_ZONES: False}
    entry = result["result"]
    assert sorted(
        (s.subentry_type, s.title, s.unique_id, dict(s.data))
        for s in entry.subentries.values()
    ) == [
        (
            SUBENTRY_ZONE,
            name,
            uids[name],
            {CONF_ZONE_UID: uids[name], CONF_ZONE_NAME: name},
        )
        for name in ("Chicken Coop", "Kitchen")
    ]


async def test_household_added_while_asking_for_zones(
    hass: HomeAssistant, household: Household
) -> None:
    """Added by another flow meanwhile: nothing twice."""
    result = await start_zones(hass)
    MockConfigEntry(
        domain=DOMAIN, unique_id=household.household_id, data={CONF_HOSTS: ALL_HOSTS}
    ).add_to_hass(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "all_zones"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("other_title", "title"),
    [("Sonos household", "Sonos household St34"), ("Cottage", "Sonos household")],
    ids=["name_taken", "other_renamed"],
)
async def test_second_household_told_apart(
    hass: HomeAssistant, household: Household, other_title: str, title: str
) -> None:
    """Beside a "Sonos household", the end of the household id names the next."""
    MockConfigEntry(
        domain=DOMAIN,
        title=other_title,
        unique_id="Sonos_Xy12AbCdEfGhIjKlMnOpQrSt00",
        data={CONF_HOSTS: ["10.0.0.9"]},
    ).add_to_hass(hass)
    with Household(
        names=["Barn"],
        first_ip=BARN,
        household_id="Sonos_Xy12AbCdEfGhIjKlMnOpQrSt34",
        profile="fast",
    ):
        flow_id = await start_manual(hass)
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOSTS: BARN}
        )
        with patch_setup():
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {"next_step_id": "all_zones"}
            )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == title


@pytest.mark.usefixtures("ha_server")
async def test_added_household_leads_on_to_its_first_chime(
    hass: HomeAssistant, household: Household
) -> None:
    """The new household is set up, named so, and the chime form follows."""
    result = await start_zones(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "all_zones"}
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    flow_type, flow_id = result["next_flow"]
    assert flow_type == FlowType.CONFIG_SUBENTRIES_FLOW
    [chime_flow] = [
        flow
        for flow in hass.config_entries.subentries.async_progress()
        if flow["flow_id"] == flow_id
    ]
    assert chime_flow["handler"] == (entry.entry_id, SUBENTRY_CHIME)
    assert chime_flow["step_id"] == "user"

    # The household's device, and so its entity ids, carry its name.
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, household.household_id), entry.entry_id
    )
    assert device is not None
    assert device.name == TITLE
    assert "switch.sonos_household_quiet" in {
        entity.entity_id
        for entity in er.async_entries_for_device(er.async_get(hass), device.id)
    }

    chime: dict[str, Any] = {
        CONF_NAME: "Bell",
        CONF_MEDIA: "bell.mp3",
        CONF_TIME: "07:00:00",
    }
    result = await hass.config_entries.subentries.async_configure(flow_id, chime)
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    [subentry] = entry.get_subentries_of_type(SUBENTRY_CHIME)
    assert subentry.title == "Bell"


async def test_household_not_set_up_no_chime_form(
    hass: HomeAssistant, household: Household
) -> None:
    """A household that is not set up cannot offer zones: the flow just ends."""
    result = await start_zones(hass)
    with patch(
        "custom_components.sonos_chime.async_setup_entry",
        side_effect=ConfigEntryNotReady,
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "all_zones"}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].state is ConfigEntryState.SETUP_RETRY
    assert "next_flow" not in result
    assert hass.config_entries.subentries.async_progress() == []
