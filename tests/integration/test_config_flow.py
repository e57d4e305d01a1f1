"""Config flow: discovery, manual addresses, every error and abort."""

from unittest.mock import patch

from homeassistant.config_entries import SOURCE_USER
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.sonos_chime.config_flow import parse_hosts
from custom_components.sonos_chime.const import CONF_HOSTS, DOMAIN
from sonos_emulator import Household
from tests.conftest import EMULATOR_NET

ALL_HOSTS = [f"{EMULATOR_NET}.2", f"{EMULATOR_NET}.3", f"{EMULATOR_NET}.4"]
TITLE = "Chicken Coop, Kitchen, Living Room"
NOBODY = f"{EMULATOR_NET}.29"  # allowed by emulator_network, nothing listens there
BARN = f"{EMULATOR_NET}.10"  # the second household's only speaker

pytestmark = pytest.mark.usefixtures("emulator_network")


def patch_discovery(hosts: list[str]):
    """Our SSDP wrapper: multicast cannot work in the test sandbox."""
    return patch(
        "custom_components.sonos_chime.config_flow.discover_hosts", return_value=hosts
    )


def patch_setup():
    """Creating an entry sets it up; these tests look at the flow alone."""
    return patch("custom_components.sonos_chime.async_setup_entry", return_value=True)


async def start_flow(hass: HomeAssistant, step: str) -> str:
    """Open the menu, pick a step; the flow id of the form that follows."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["discover", "manual"]
    return result["flow_id"]


async def test_discover_found_confirm(
    hass: HomeAssistant, household: Household
) -> None:
    """One household found: confirm shows its zones, the entry gets all hosts."""
    flow_id = await start_flow(hass, "discover")
    with patch_discovery([f"{EMULATOR_NET}.3"]):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"next_step_id": "discover"}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "discovery_confirm"
    assert result["description_placeholders"]["zones"] == TITLE

    with patch_setup():
        result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == TITLE
    assert result["data"] == {CONF_HOSTS: ALL_HOSTS}
    assert result["result"].unique_id == household.household_id


async def test_discover_none(hass: HomeAssistant) -> None:
    """Nothing answers the search."""
    flow_id = await start_flow(hass, "discover")
    with patch_discovery([]):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"next_step_id": "discover"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "no_devices_found"


async def test_discover_found_but_unreachable(hass: HomeAssistant) -> None:
    """A speaker answered the search but not the probe."""
    flow_id = await start_flow(hass, "discover")
    with patch_discovery([NOBODY]):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"next_step_id": "discover"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cannot_connect"


async def test_discover_error(hass: HomeAssistant) -> None:
    """The search itself fails unexpectedly."""
    flow_id = await start_flow(hass, "discover")
    with patch(
        "custom_components.sonos_chime.config_flow.discover_hosts",
        side_effect=RuntimeError("no interfaces"),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"next_step_id": "discover"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unknown"


async def test_discover_already_configured(
    hass: HomeAssistant, household: Household
) -> None:
    """The only household found is configured already."""
    MockConfigEntry(
        domain=DOMAIN, unique_id=household.household_id, data={CONF_HOSTS: ALL_HOSTS}
    ).add_to_hass(hass)
    flow_id = await start_flow(hass, "discover")
    with patch_discovery(ALL_HOSTS):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {"next_step_id": "discover"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_discover_two_households_pick(
    hass: HomeAssistant, household: Household
) -> None:
    """Two households answer: the user picks one, then confirms it."""
    with Household(
        names=["Barn"], first_ip=BARN, household_id="Other", profile="fast"
    ) as other:
        flow_id = await start_flow(hass, "discover")
        with patch_discovery([*ALL_HOSTS, other.speakers[0].ip]):
            result = await hass.config_entries.flow.async_configure(
                flow_id, {"next_step_id": "discover"}
            )
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "pick_household"

        result = await hass.config_entries.flow.async_configure(
            flow_id, {"household": "Other"}
        )
        assert result["step_id"] == "discovery_confirm"
        assert result["description_placeholders"]["zones"] == "Barn"
        with patch_setup():
            result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Barn"
    assert result["data"] == {CONF_HOSTS: [BARN]}
    assert result["result"].unique_id == "Other"


async def test_manual(hass: HomeAssistant, household: Household) -> None:
    """One typed address is enough: every zone's address is stored."""
    flow_id = await start_flow(hass, "manual")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "manual"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "manual"
    assert result["errors"] == {}

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
    flow_id = await start_flow(hass, "manual")
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "manual"})
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
    flow_id = await start_flow(hass, "manual")
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "manual"})
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
        flow_id = await start_flow(hass, "manual")
        await hass.config_entries.flow.async_configure(
            flow_id, {"next_step_id": "manual"}
        )
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
    flow_id = await start_flow(hass, "manual")
    await hass.config_entries.flow.async_configure(flow_id, {"next_step_id": "manual"})
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
