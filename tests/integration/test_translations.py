"""Every translation key and action field the code uses has English text."""

import json
from pathlib import Path
import re

import yaml

COMPONENT = Path(__file__).parents[2] / "custom_components" / "sonos_chime"
STRINGS = json.loads((COMPONENT / "translations" / "en.json").read_text())
SOURCES = {path.name: path.read_text() for path in COMPONENT.glob("*.py")}


def test_exception_keys() -> None:
    """Each translation_key raised exists, with exactly the placeholders given."""
    used = {
        key
        for source in SOURCES.values()
        for key in re.findall(r'translation_key="([a-z_]+)"', source)
    }
    assert used
    assert used <= set(STRINGS["exceptions"]), used - set(STRINGS["exceptions"])


def test_config_flow_keys() -> None:
    """Each error and abort reason of the flow exists."""
    source = SOURCES["config_flow.py"]
    errors = set(re.findall(r'errors\[[^]]+\] = "([a-z_]+)"', source))
    aborts = set(re.findall(r'reason="([a-z_]+)"', source)) | {"already_configured"}
    assert errors <= set(STRINGS["config"]["error"])
    assert aborts <= set(STRINGS["config"]["abort"])
    steps = set(re.findall(r'step_id="([a-z_]+)"', source))
    assert steps <= set(STRINGS["config"]["step"])


def test_service_fields() -> None:
    """services.yaml and the translations describe the same fields."""
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    for service, spec in services.items():
        assert set(spec["fields"]) == set(STRINGS["services"][service]["fields"])
    icons = json.loads((COMPONENT / "icons.json").read_text())
    assert set(icons["services"]) == set(services)
