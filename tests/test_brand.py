"""Brand images: what Home Assistant serves for sonos_chime, so no image is broken.

Home Assistant (2026.3 and later) serves a custom integration's icon and logo
from its own ``brand/`` folder, and HACS's brands check looks for
``brand/icon.png`` there too.
"""

from pathlib import Path

from homeassistant.components.brands.const import ALLOWED_IMAGES
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from PIL import Image
import pytest
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    WebSocketGenerator,
)

# Imported before the hass fixture puts the harness's own custom_components
# package first on sys.path, so Home Assistant's loader finds ours.
from custom_components.sonos_chime.const import DOMAIN

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / DOMAIN / "brand"

# The brands repository's sizes: icon 256 x 256, its hDPI twin 512 x 512.
# Logos and dark variants are left out on purpose: Home Assistant falls back
# to these two for every one of them.
REQUIRED = {"icon.png": 256, "icon@2x.png": 512}


@pytest.mark.parametrize(("name", "size"), REQUIRED.items())
def test_brand_image(name: str, size: int) -> None:
    """Each image is a square PNG, transparent around a trimmed bell."""
    with Image.open(BRAND / name) as image:
        assert image.format == "PNG"
        assert image.size == (size, size)
        assert image.mode == "RGBA"
        alpha = image.getchannel("A")
        last = size - 1
        for corner in ((0, 0), (last, 0), (0, last), (last, last)):
            assert alpha.getpixel(corner) == 0
        # Trimmed, as the brands rules ask: the artwork reaches (nearly) the
        # edges on at least one axis instead of floating in empty space.
        box = alpha.getbbox()
        assert box is not None
        left, top, right, bottom = box
        assert max(right - left, bottom - top) >= 0.9 * size


def test_brand_folder_holds_only_what_home_assistant_serves() -> None:
    """A misspelt name would be ignored silently and the UI would fall back."""
    assert {p.name for p in BRAND.iterdir()} <= ALLOWED_IMAGES
    assert set(REQUIRED) <= {p.name for p in BRAND.iterdir()}


async def test_home_assistant_serves_the_bell_for_every_image_it_asks_for(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    hass_ws_client: WebSocketGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    """Request the images as the frontend's <img> tags do, with the brands token.

    Every name (logos and dark variants included) must come from our folder;
    otherwise Home Assistant would go to its CDN, which knows no sonos_chime.
    """
    assert await async_setup_component(hass, "brands", {})
    websocket = await hass_ws_client(hass)
    await websocket.send_json_auto_id({"type": "brands/access_token"})
    reply = await websocket.receive_json()
    assert reply["success"]
    token = reply["result"]["token"]

    ours = {(BRAND / name).read_bytes() for name in REQUIRED}
    client = await hass_client_no_auth()
    for image in sorted(ALLOWED_IMAGES):
        response = await client.get(
            f"/api/brands/integration/{DOMAIN}/{image}", params={"token": token}
        )
        assert response.status == 200, image
        assert response.content_type == "image/png"
        body = await response.read()
        assert body in ours, image
        if image in REQUIRED:
            assert body == (BRAND / image).read_bytes()
