"""Hostile and odd pictures: each is decoded correctly or refused with a typed error."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from postlens.errors import ImageError, ImageTooLarge, UnsupportedImageType
from postlens.vision.images import ImageLimits, load_image, resize_center_crop
from tests.conftest import jpeg_bytes


def encode(img: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def test_plain_jpeg_gives_rgb_and_hash() -> None:
    data = jpeg_bytes(skdata.chelsea())
    loaded = load_image(data)
    assert loaded.image.mode == "RGB"
    assert (loaded.width, loaded.height) == (451, 300)
    assert loaded.format == "JPEG" and loaded.mime_type == "image/jpeg"
    assert len(loaded.sha256) == 64 and loaded.n_bytes == len(data)


def test_zero_bytes_is_refused() -> None:
    with pytest.raises(ImageError, match="empty"):
        load_image(b"", source="empty.jpg")


def test_text_renamed_jpg_is_not_a_picture() -> None:
    with pytest.raises(UnsupportedImageType) as info:
        load_image(b"hello, I am a text file\n" * 20, source="notes.jpg")
    assert info.value.source == "notes.jpg"
    assert info.value.status_code == 415


def test_truncated_jpeg_is_corrupt() -> None:
    data = jpeg_bytes(skdata.astronaut())
    with pytest.raises(ImageError, match="corrupt or truncated"):
        load_image(data[: len(data) // 2])


def test_png_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = encode(Image.new("1", (20_000, 20_000)), "PNG")
    assert len(bomb) < 100_000  # tiny on disk, 400 megapixels once decoded
    with pytest.raises(ImageTooLarge, match="decompression bomb"):
        load_image(bomb)


def test_jpeg_header_claiming_20000x20000_is_refused() -> None:
    data = bytearray(jpeg_bytes(np.zeros((16, 16, 3), dtype=np.uint8)))
    sof = data.find(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, 20_000, 20_000)  # height, width
    with pytest.raises(ImageTooLarge):
        load_image(bytes(data))


def test_byte_limit() -> None:
    with pytest.raises(ImageTooLarge, match="bytes"):
        load_image(jpeg_bytes(skdata.chelsea()), limits=ImageLimits(max_bytes=1000))


def test_cmyk_jpeg_becomes_rgb_with_the_right_colours() -> None:
    red = Image.new("RGB", (64, 64), (220, 20, 20)).convert("CMYK")
    loaded = load_image(encode(red, "JPEG", quality=95))
    r, g, b = loaded.image.getpixel((32, 32))  # type: ignore[misc]
    assert loaded.image.mode == "RGB" and r > 180 and g < 80 and b < 80


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (32, 32), colour) for colour in [(255, 0, 0), (0, 0, 255)]]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100)
    loaded = load_image(data)
    assert loaded.n_frames == 2
    r, _, b = loaded.image.getpixel((5, 5))  # type: ignore[misc]
    assert r > 200 and b < 50


def test_exif_rotation_is_applied() -> None:
    img = Image.new("RGB", (60, 30), (0, 0, 0))
    img.paste((255, 255, 255), (0, 0, 30, 30))  # white left half
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    loaded = load_image(encode(img, "JPEG", exif=exif.tobytes(), quality=95))
    assert loaded.image.size == (30, 60)
    assert (loaded.width, loaded.height) == (30, 60)
    top, bottom = loaded.image.getpixel((15, 5)), loaded.image.getpixel((15, 55))
    assert top[0] > 200 and bottom[0] < 50  # type: ignore[index]


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "L", "1", "I;16"])
def test_every_mode_becomes_rgb(mode: str) -> None:
    img = Image.new("RGBA", (16, 16), (10, 200, 30, 0)).convert(mode) if mode != "I;16" \
        else Image.fromarray(np.full((16, 16), 60000, dtype=np.uint16))
    loaded = load_image(encode(img, "PNG"))
    assert loaded.image.mode == "RGB"
    if mode in ("RGBA", "LA"):
        assert loaded.image.getpixel((0, 0)) == (255, 255, 255)  # transparent -> white
    if mode == "I;16":
        assert loaded.image.getpixel((0, 0))[0] == 255  # type: ignore[index]


def test_draft_mode_decodes_large_jpegs_smaller() -> None:
    big = jpeg_bytes(np.asarray(Image.fromarray(skdata.astronaut()).resize((1600, 1600))))
    loaded = load_image(big, draft_size=256)
    assert (loaded.width, loaded.height) == (1600, 1600)
    assert 256 <= loaded.image.size[0] <= 400


def test_resize_center_crop_is_square() -> None:
    crop = resize_center_crop(Image.new("RGB", (300, 120)), 224)
    assert crop.size == (224, 224)


def test_lossless_pictures_have_their_own_pixel_limit() -> None:
    import io

    from PIL import Image

    from postlens.errors import ImageTooLarge
    from postlens.vision.images import ImageLimits, load_image

    buffer = io.BytesIO()
    Image.new("L", (7000, 7000)).save(buffer, "PNG")
    with pytest.raises(ImageTooLarge, match="a PNG picture may have at most"):
        load_image(buffer.getvalue(), limits=ImageLimits(max_full_decode_pixels=36_000_000))
    big_jpeg = io.BytesIO()
    Image.new("RGB", (7000, 7000)).save(big_jpeg, "JPEG")  # JPEG decodes at a reduced size
    assert load_image(big_jpeg.getvalue(), draft_size=256).image.size[0] <= 1750
