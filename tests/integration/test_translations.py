"""Every translation key and action field the code uses has English text."""

import json
from pathlib import Path
import re

from pyicumessageformat import Parser
import yaml

from custom_components.sonos_chime.chime_flow import MEDIA_ERRORS, TTS_ERRORS

COMPONENT = Path(__file__).parents[2] / "custom_components" / "sonos_chime"
STRINGS = json.loads((COMPONENT / "translations" / "en.json").read_text())
SOURCES = {path.name: path.read_text() for path in COMPONENT.glob("*.py")}


def test_exception_keys() -> None:
    """Each translation_key raised exists, with exactly the placeholders given."""
    used = {
        key
        for source in SOURCES.values()
        for key in re.findall(
            r'translation_domain=DOMAIN,\s*translation_key="([a-z_]+)"', source
        )
    }
    assert used
    assert used <= set(STRINGS["exceptions"]), used - set(STRINGS["exceptions"])


# Which part of the translations each flow class speaks from.
FLOW_SECTIONS = {
    "SonosChimeConfigFlow": ("config",),
    "SonosChimeOptionsFlow": ("options",),
    "ZoneSubentryFlow": ("config_subentries", "zone"),
    "ChimeSubentryFlow": ("config_subentries", "chime"),
}


def flow_sources() -> dict[str, str]:
    """Every flow module's top-level classes, by name, with what follows them.

    A flow's form checks follow its class in its module.
    """
    found: dict[str, str] = {}
    for name, source in SOURCES.items():
        if not name.endswith("_flow.py"):
            continue
        parts = re.split(r"^class ", source, flags=re.MULTILINE)
        found |= {
            part.split("(", 1)[0].split(":", 1)[0]: part
            for part in parts[1:]
            if "Flow" in part.split("(", 1)[0]
        }
    return found


def test_config_flow_keys() -> None:
    """Each error, abort reason and step of every flow exists in its section."""
    flows = flow_sources()
    assert set(FLOW_SECTIONS) <= set(flows), set(FLOW_SECTIONS) - set(flows)
    for name, path in FLOW_SECTIONS.items():
        source = flows[name]
        section = STRINGS
        for key in path:
            section = section[key]
        errors = set(re.findall(r'errors\[[^]]+\] = "([a-z_]+)"', source))
        aborts = set(re.findall(r'reason="([a-z_]+)"', source))
        steps = set(re.findall(r'step_id="([a-z_]+)"', source))
        assert errors <= set(section.get("error", {})), (name, errors)
        assert aborts <= set(section.get("abort", {})), (name, aborts)
        assert steps <= set(section["step"]), (name, steps)
    assert "already_configured" in STRINGS["config"]["abort"]
    # Errors passed on from what resolves media and checks engines.
    chime_errors = set(STRINGS["config_subentries"]["chime"]["error"])
    assert chime_errors >= MEDIA_ERRORS | TTS_ERRORS
    assert set(STRINGS["exceptions"]) >= MEDIA_ERRORS | TTS_ERRORS


def test_service_fields() -> None:
    """services.yaml and the translations describe the same fields."""
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text())
    for service, spec in services.items():
        assert set(spec["fields"]) == set(STRINGS["services"][service]["fields"])
    icons = json.loads((COMPONENT / "icons.json").read_text())
    assert set(icons["services"]) == set(services)


def _mode_descriptions(node: object) -> list[str]:
    """Every text in the translations that explains the modes."""
    if isinstance(node, dict):
        return [text for value in node.values() for text in _mode_descriptions(value)]
    if isinstance(node, str) and node.startswith("How the chime reaches each zone"):
        return [node]
    return []


def test_modes_speak_one_vocabulary() -> None:
    """The options, their help texts and the README name the modes alike.

    Each option reads "<Name>: what it does", each help text names all three
    and the default where the mode is chosen, and the README's word for each
    is the same.
    """
    names = {"interrupt": "Interrupt", "overlay": "Overlay", "auto": "Auto"}
    options = STRINGS["selector"]["mode"]["options"]
    assert {key: label.split(":")[0] for key, label in options.items()} == names
    descriptions = _mode_descriptions(STRINGS)
    assert len(descriptions) == 3  # the two chime forms and the action
    for text in descriptions:
        for name in names.values():
            assert f"{name} " in text, (name, text)
        assert "New chimes use Auto." in text or "Default: Interrupt" in text
    readme = (COMPONENT.parents[1] / "README.md").read_text()
    for key, name in names.items():
        assert f"**{name}** (`{key}`)" in readme
    assert "| Mode |" in readme


def _texts(node: object) -> list[str]:
    """Every text of the translations."""
    if isinstance(node, dict):
        return [text for value in node.values() for text in _texts(value)]
    return [node] if isinstance(node, str) else []


def test_names_in_messages_are_quoted() -> None:
    """A chime or zone name reads as a name: “Local file”, not Local file."""
    for text in _texts(STRINGS):
        for name in ("{chime}", "{zone}"):
            if name in text:
                assert f"“{name}”" in text, text


def test_every_text_reads_as_the_frontend_reads_it() -> None:
    """The frontend formats each text as an ICU message: a stray brace breaks it.

    "target: {}" passes hassfest, yet the frontend shows "Translation error:
    EMPTY_ARGUMENT" in its place. Placeholders are plain names, no ICU syntax.
    """
    parser = Parser()
    for text in _texts(STRINGS):
        parts = parser.parse(text)
        for part in parts:
            if isinstance(part, dict):
                assert set(part) == {"name"}, text
                assert part["name"].isidentifier(), text
