"""PNG chunk layouts read back from files written by known writers, and hostile PNG bytes."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image

from postlens.provenance.png_writers import OTHER_WRITERS, TWITTER_SERVER, PngWriter, write_png
from postlens.provenance.simulate import procedural_image
from postlens.vision.container import container_of
from postlens.vision.png_chunks import png_layout


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    return procedural_image(random.Random(11), 640, 480)


@pytest.mark.parametrize("writer", [TWITTER_SERVER, *OTHER_WRITERS], ids=lambda w: w.name)
def test_each_writers_layout_comes_back(picture: Image.Image, writer: PngWriter) -> None:
    data = write_png(picture, writer, random.Random(1))
    layout = png_layout(data)
    assert layout is not None
    assert layout.ancillary == writer.chunks
    assert layout.idat_chunk == writer.idat_chunk  # 0: one chunk (an optimiser)
    assert layout.zlib_level is not None and 0 <= layout.zlib_level <= 3
    with Image.open(io.BytesIO(data)) as img:  # still a valid PNG with the same pixels
        assert img.convert("RGB").tobytes() == picture.convert("RGB").tobytes()


def test_zlib_level_and_pillows_layout(picture: Image.Image) -> None:
    for level, flevel in ((1, 0), (6, 2), (9, 3)):
        buffer = io.BytesIO()
        picture.save(buffer, "PNG", compress_level=level)
        container = container_of(buffer.getvalue(), None)
        assert container.png_zlib_level == flevel
        assert container.png_idat_chunk == 65536  # Pillow's buffer
        assert container.png_chunks == ()
    jpeg = io.BytesIO()
    picture.save(jpeg, "JPEG")
    facts = container_of(jpeg.getvalue(), None)
    assert (facts.png_chunks, facts.png_idat_chunk, facts.png_zlib_level) == ((), None, None)


def test_truncated_and_hostile_pngs_are_read_as_far_as_they_go(picture: Image.Image) -> None:
    data = write_png(picture, TWITTER_SERVER, random.Random(2))
    assert png_layout(data[: len(data) // 2]) is not None  # truncated: no exception
    assert png_layout(b"not a png") is None
    huge_length = data[:8] + b"\xff\xff\xff\xffIDAT" + b"\x78\x01" * 10
    layout = png_layout(huge_length)
    assert layout is not None and layout.idat_chunk == 0 and layout.zlib_level == 0
    endless = data[:8] + b"\x00\x00\x00\x00tEXt\x00\x00\x00\x00" * 200_000
    assert len(png_layout(endless).ancillary) == 50  # type: ignore[union-attr]
