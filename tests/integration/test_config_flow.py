"""Config flow: what Home Assistant finds, manual addresses, every error and abort."""

from dataclasses import replace
from ipaddress import ip_address
from unittest.mock import patch

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    SOURCE_SSDP,
    SOURCE_USER,
    SOURCE_ZEROCONF,
    ConfigFlowResult,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.ssdp import SsdpServiceInfo
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.config_flow import parse_hosts
from custom_components.sonos_chime.const import CONF_HOSTS, DOMAIN
from custom_components.sonos_chime.discovery import ZONE_PLAYER_ST
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET

ALL_HOSTS = [f"{EMULATOR_NET}.2", f"{EMULATOR_NET}.3", f"{EMULATOR_NET}.4"]
TITLE = "Chicken Coop, Kitchen, Living Room"
NOBODY = f"{EMULATOR_NET}.29"  # allowed by emulator_network, nothing listens there
BARN = f"{EMULATOR_NET}.10"  # the second household's only speaker
SEARCH = "custom_components.sonos_chime.discovery.discover_hosts"

pytestmark = pytest.mark.usefixtures("emulator_network")


def patch_search(hosts: list[str] | BaseException):
    """SoCo's multicast search, which cannot reach anything in the sandbox."""
    if isinstance(hosts, BaseException):
        return patch(SEARCH, side_effect=hosts)
    return patch(SEARCH, return_value=hosts)


def patch_setup():
    """Creating an entry sets it up; these tests look at the flow alone."""
    return patch("custom_components.sonos_chime.async_setup_entry", return_value=True)


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
    """The household SoCo's search finds is chosen already: Submit adds it."""
    result = await start_user_flow(hass, [f"{EMULATOR_NET}.3"])
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "pick_household"
    assert offered(result) == [(household.household_id, TITLE), ("manual", "manual")]

    with patch_setup():
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == {CONF_HOSTS: ALL_HOSTS}
    assert result["result"].unique_id == household.household_id


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
    assert offered(result)[0] == (household.household_id, TITLE)


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

    with patch_setup():
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOSTS: f"{EMULATOR_NET}.2"}
        )
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
            (household.household_id, TITLE),
            ("Other", "Barn"),
            ("manual", "manual"),
        ]
        with patch_setup():
            result = await hass.config_entries.flow.async_configure(
                result["flow_id"], {"household": "Other"}
            )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Barn"
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
    assert result["description_placeholders"]["zones"] == TITLE
    [flow] = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert flow["context"]["title_placeholders"] == {"name": TITLE}
    assert flow["context"]["unique_id"] == household.household_id

    with patch_setup():
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == {CONF_HOSTS: ALL_HOSTS}
    assert result["result"].unique_id == household.household_id


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
    with patch_setup():
        result = await start_user_flow(hass, [])
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_HOSTS: f"{EMULATOR_NET}.2"}
        )
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

    with patch_setup():
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOSTS: f" {EMULATOR_NET}.4 ,"}
        )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == {CONF_HOSTS: ALL_HOSTS}
    assert result["result"].unique_id == household.household_id


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

    with patch_setup():
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.2"}
        )
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

    with patch_setup():
        result = await hass.config_entries.flow.async_configure(
            flow_id, {CONF_HOSTS: f"{EMULATOR_NET}.2"}
        )
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
    ],
)
def test_parse_hosts(text: str, hosts: list[str] | None) -> None:
    """What the manual step accepts as addresses."""
    assert parse_hosts(text) == hosts
