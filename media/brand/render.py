"""Render bell.svg to the brand images Home Assistant serves for sonos_chime.

Home Assistant looks for ``custom_components/sonos_chime/brand/icon.png``
(256 x 256) and ``icon@2x.png`` (512 x 512); every other brand image it asks
for (logo, dark variants) falls back to these. The SVG is drawn with librsvg
and cairo through ctypes (Debian's librsvg2-2 and libcairo2), then saved
again with Pillow for a smaller file.

Usage: ``.venv/bin/python media/brand/render.py`` (paths are relative to the
repository).
"""

import ctypes
from ctypes import POINTER, byref, c_char_p, c_double, c_int, c_size_t, c_void_p
from pathlib import Path
import tempfile

from PIL import Image

REPO = Path(__file__).resolve().parent.parent.parent
SOURCE = Path(__file__).resolve().parent / "bell.svg"
BRAND_DIR = REPO / "custom_components" / "sonos_chime" / "brand"
SIZES = {"icon.png": 256, "icon@2x.png": 512}

CAIRO_FORMAT_ARGB32 = 0


class RsvgRectangle(ctypes.Structure):
    """The viewport librsvg fits the document into."""

    _fields_ = [
        ("x", c_double),
        ("y", c_double),
        ("width", c_double),
        ("height", c_double),
    ]


_rsvg = ctypes.CDLL("librsvg-2.so.2")
_cairo = ctypes.CDLL("libcairo.so.2")
_gobject = ctypes.CDLL("libgobject-2.0.so.0")

_rsvg.rsvg_handle_new_from_data.restype = c_void_p
_rsvg.rsvg_handle_new_from_data.argtypes = [c_char_p, c_size_t, POINTER(c_void_p)]
_rsvg.rsvg_handle_render_document.restype = c_int
_rsvg.rsvg_handle_render_document.argtypes = [
    c_void_p,
    c_void_p,
    POINTER(RsvgRectangle),
    POINTER(c_void_p),
]
_cairo.cairo_image_surface_create.restype = c_void_p
_cairo.cairo_image_surface_create.argtypes = [c_int, c_int, c_int]
_cairo.cairo_create.restype = c_void_p
_cairo.cairo_create.argtypes = [c_void_p]
_cairo.cairo_destroy.argtypes = [c_void_p]
_cairo.cairo_surface_write_to_png.restype = c_int
_cairo.cairo_surface_write_to_png.argtypes = [c_void_p, c_char_p]
_cairo.cairo_surface_destroy.argtypes = [c_void_p]
_gobject.g_object_unref.argtypes = [c_void_p]


def render(svg: bytes, size: int, target: Path) -> None:
    """Draw the SVG into a transparent size x size PNG at target."""
    error = c_void_p()
    handle = _rsvg.rsvg_handle_new_from_data(svg, len(svg), byref(error))
    if not handle:
        raise RuntimeError("librsvg could not parse the SVG")
    surface = _cairo.cairo_image_surface_create(CAIRO_FORMAT_ARGB32, size, size)
    context = _cairo.cairo_create(surface)
    try:
        viewport = RsvgRectangle(0, 0, size, size)
        if not _rsvg.rsvg_handle_render_document(
            handle, context, byref(viewport), byref(error)
        ):
            raise RuntimeError("librsvg could not render the SVG")
        with tempfile.TemporaryDirectory() as tmp:
            raw = Path(tmp) / "raw.png"
            if _cairo.cairo_surface_write_to_png(surface, str(raw).encode()) != 0:
                raise RuntimeError("cairo could not write the PNG")
            with Image.open(raw) as image:
                image.convert("RGBA").save(target, optimize=True)
    finally:
        _cairo.cairo_destroy(context)
        _cairo.cairo_surface_destroy(surface)
        _gobject.g_object_unref(handle)


def main() -> None:
    """Write every brand image from the one SVG."""
    svg = SOURCE.read_bytes()
    BRAND_DIR.mkdir(exist_ok=True)
    for name, size in SIZES.items():
        render(svg, size, BRAND_DIR / name)
        print(f"{BRAND_DIR / name} ({size} x {size})")


if __name__ == "__main__":
    main()
