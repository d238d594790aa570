"""The pictures: every image the pages show is a real PNG of a sensible
size, and the drawn ones are exactly what `make images` draws today."""

import re
import struct

import pytest

from tools import images
from tools.chapters import ROOT

PAGES = [ROOT / "README.md", *ROOT.glob("*/README.md"), *ROOT.glob("docs/*.md")]


def png_size(path):
    """(width, height) of a PNG file; AssertionError if it is not one."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG file"
    assert data[12:16] == b"IHDR", f"{path.name} has no PNG header chunk"
    assert data.endswith(b"IEND\xaeB`\x82"), f"{path.name} is cut short"
    return struct.unpack(">II", data[16:24])


def shown_images():
    """The images the pages show, as paths from the repo root."""
    shown = set()
    for page in PAGES:
        for image in re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", page.read_text()):
            shown.add((page.parent / image).resolve().relative_to(ROOT).as_posix())
    return sorted(shown)


def test_the_pages_show_the_pictures():
    assert {"images/luigi8.png", "images/graph.png", "images/confused.png"} <= set(shown_images())


@pytest.mark.parametrize("image", shown_images())
def test_every_picture_of_the_readme_is_a_png_of_sensible_size(image):
    path = ROOT / image
    assert path.exists(), f"a page shows {image}, which does not exist: run `make images`"
    width, height = png_size(path)
    assert 300 <= width <= 2400 and 100 <= height <= 1600, f"{image} is {width}x{height} pixels"
    assert 1_000 < path.stat().st_size < 1_000_000, f"{image} is {path.stat().st_size} bytes"


@pytest.mark.parametrize("name", ["luigi8", "confused"])
def test_drawn_pictures_are_what_make_images_draws(name, tmp_path):
    drawn = images.DRAWINGS[name](tmp_path / f"{name}.png")
    assert drawn.read_bytes() == (images.IMAGES / f"{name}.png").read_bytes(), (
        f"images/{name}.png is not what its code draws today: run `make images`"
    )
