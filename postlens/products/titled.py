"""Seed 004's output pictures: a copy titled with its top product, the faces boxed.

The copy goes to the same place under ``out`` as the picture had under the folder it was
found in (a folder of folders comes back with the same structure); a picture given by
itself goes to ``out`` directly. Copies are JPEGs, written atomically.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from postlens.fileio import atomic_write_bytes
from postlens.vision.images import load_image

MAX_SIDE = 1280


def relative_target(source: Path, roots: Sequence[Path], out: Path) -> Path:
    for root in roots:
        try:
            relative = source.resolve().relative_to(root.resolve())
        except ValueError:
            continue
        return (out / root.name / relative).with_suffix(".jpg")
    return (out / source.name).with_suffix(".jpg")


def titled_picture(data: bytes, faces: Sequence[dict[str, Any]],
                   products: Sequence[dict[str, Any]]) -> Image.Image:
    # The project's checked decoder (limits, EXIF orientation, reduced decoding of big JPEGs)
    loaded = load_image(data, draft_size=MAX_SIDE)
    image = loaded.image
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.BILINEAR)
    scale = image.width / loaded.width  # face boxes are in the original's pixels
    draw = ImageDraw.Draw(image)
    line = max(2, round(max(image.size) / 300))
    for face in faces:
        x1, y1, x2, y2 = (v * scale for v in face["box"])
        draw.rectangle((x1, y1, x2, y2), outline=(255, 196, 0), width=line)
    title = products[0]["name"] if products else "no product"
    font = ImageFont.load_default(size=max(14, image.width // 30))
    box = draw.textbbox((0, 0), title, font=font)
    height = int(box[3] - box[1]) + 2 * line * 4
    titled = Image.new("RGB", (image.width, image.height + height), (20, 20, 20))
    titled.paste(image, (0, height))
    ImageDraw.Draw(titled).text((line * 4, line * 4 - box[1]), title, fill=(255, 255, 255),
                                font=font)
    return titled


def titled_copy(source: Path, roots: Sequence[Path], out: Path, data: bytes,
                faces: Sequence[dict[str, Any]], products: Sequence[dict[str, Any]]) -> Path:
    target = relative_target(source, roots, out)
    target.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    titled_picture(data, faces, products).save(buffer, "JPEG", quality=90)
    atomic_write_bytes(target, buffer.getvalue())
    return target
