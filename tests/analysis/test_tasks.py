"""Per-picture tasks: resolution of what they need, the container facts, task results."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from postlens.analysis.registry import build_analyzer, build_tasks
from postlens.config import Settings
from postlens.errors import ImageError, InvalidInput
from postlens.runtime.cache import ModelCache
from postlens.vision.images import load_image


def jpeg(**save: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(skdata.astronaut()).save(buffer, "JPEG", **save)
    return buffer.getvalue()


def test_a_task_brings_what_it_needs_first(settings: Settings, models: ModelCache) -> None:
    names = [t.name for t in build_tasks(["categories"], settings, models)]
    assert names == ["labels", "categories"]
    with pytest.raises(InvalidInput, match="unknown analysis task 'tattoos'; available:"):
        build_tasks(["tattoos"], settings, models)


def test_only_the_asked_tasks_run_and_the_encoder_only_when_needed(
        settings: Settings, models: ModelCache, cat_jpeg: bytes) -> None:
    container_only = build_analyzer(settings, models, ["container"])
    before = container_only.times.inference
    result = container_only.analyze_one("cat.jpg", cat_jpeg)
    assert set(result.public) == {"container"} and container_only.times.inference == before
    assert result.to_dict()["container"]["format"] == "JPEG"
    with pytest.raises(InvalidInput, match="no 'embedding' result"):
        _ = result.embedding
    full = build_analyzer(settings, models, ["categories", "embedding"])
    analysis = full.analyze_one("cat.jpg", cat_jpeg)
    assert analysis.labels and analysis.categories[0]["id"] == "animals_pets"
    assert analysis.embedding.shape == (1280,) and "embedding" not in analysis.to_dict()
    assert abs(float(np.linalg.norm(analysis.embedding)) - 1.0) < 1e-4


def test_container_facts_of_a_camera_like_jpeg() -> None:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "EOS 80D", 6  # make, model, rotated
    data = jpeg(quality=90, exif=exif, icc_profile=b"\0" * 128, subsampling=0)
    loaded = load_image(data, source="/photos/IMG_0001.JPG")
    facts = loaded.container
    assert (facts.format, facts.width, facts.height) == ("JPEG", 512, 512)
    assert facts.exif and facts.icc and not facts.iptc and not facts.progressive
    assert facts.subsampling == "4:4:4" and facts.filename == "IMG_0001.JPG"
    assert facts.exif_fields == {"make": "Canon", "model": "EOS 80D"}
    assert facts.segments[:3] == ("APP0:JFIF", "APP1:Exif", "APP2:ICC")
    assert len(facts.quantization) == 2 and len(facts.quantization[0]) == 64


def test_container_facts_of_a_platform_like_reencode() -> None:
    # Meta re-encodes: progressive 4:2:0 without EXIF, an IPTC block holding "FBMD".
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x67\x00\x08FBMD0001"
    data = jpeg(quality=80, progressive=True, subsampling=2)
    marker = b"\xff\xed" + (len(iptc) + 2).to_bytes(2, "big") + iptc
    data = data[:2] + marker + data[2:]  # APP13 right after SOI
    facts = load_image(data).container
    assert facts.progressive and facts.subsampling == "4:2:0" and not facts.exif
    assert facts.iptc and facts.fbmd and "APP13:Photoshop" in facts.segments
    # quality 80 scales the standard luminance table: its first entry is 6 (16 * 0.4)
    assert facts.quantization[0][0] == 6


def test_png_has_no_jpeg_facts_and_truncated_files_fail_clearly(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    facts = load_image(buffer.getvalue(), source="x.png").container
    assert facts.format == "PNG" and facts.progressive is None and facts.quantization == ()
    with pytest.raises(ImageError):
        load_image(jpeg(quality=80)[:300], source="cut.jpg")
