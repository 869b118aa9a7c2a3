"""JPEG quality estimation and Huffman-table facts, on encodings with a known answer and on
the real Instagram pictures."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from PIL import Image
from skimage import data as skdata

from postlens.vision.images import load_image
from postlens.vision.jpeg_tables import STANDARD_LUMINANCE, estimate_quality, ijg_table
from tests.conftest import shared_dataset


def facts(**save: object):  # type: ignore[no-untyped-def]
    buffer = io.BytesIO()
    Image.fromarray(skdata.astronaut()).save(buffer, "JPEG", **save)
    return load_image(buffer.getvalue()).container


@pytest.mark.parametrize("quality", [30, 50, 75, 80, 85, 90, 95])
def test_libjpeg_quality_comes_back_exactly(quality: int) -> None:
    found = facts(quality=quality)
    assert (found.quality, found.standard_tables) == (quality, True)
    assert found.optimised_huffman is False and found.progressive is False


def test_progressive_and_optimised_encodes_have_their_own_huffman_tables() -> None:
    assert facts(quality=85, progressive=True).optimised_huffman is True
    assert facts(quality=85, optimize=True).optimised_huffman is True


def test_a_cameras_own_tables_are_not_standard() -> None:
    camera = [max(1, round(v * 0.37)) for v in STANDARD_LUMINANCE]  # no IJG quality gives it
    chroma = [max(1, round(v * 0.5)) for v in range(1, 65)]
    found = facts(qtables=[camera, chroma])
    assert found.standard_tables is False and found.quality is not None
    assert estimate_quality([ijg_table(STANDARD_LUMINANCE, 60)]) == (60, True)
    assert estimate_quality([]) == (None, False)


@pytest.mark.realdata
def test_instagram_pictures_look_like_instagrams_pipeline() -> None:
    folder = shared_dataset("instagram-accounts") / "posts"
    seen: Counter[str] = Counter()
    for path in sorted(folder.glob("*/*.jpg")):
        found = load_image(path.read_bytes()).container
        seen["fbmd, progressive, no exif"] += found.fbmd and bool(found.progressive) \
            and not found.exif
        seen["4:2:0"] += found.subsampling == "4:2:0"
        seen["libjpeg q80 exactly"] += (found.quality, found.standard_tables) == (80, True)
        seen["total"] += 1
    assert seen["total"] == 200  # files (one picture is posted twice)
    assert seen["fbmd, progressive, no exif"] == 200
    assert seen["4:2:0"] >= 190  # two natgeo pictures keep 4:4:4 ("high quality" uploads)
    assert seen["libjpeg q80 exactly"] >= 100
