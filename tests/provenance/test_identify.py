"""The shipped source-platform model on fresh re-encodings, originals, cue-less files,
contradictions and hostile bytes."""

from __future__ import annotations

import dataclasses
import io
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from postlens.errors import ImageError
from postlens.provenance.cues import silent
from postlens.provenance.features import FEATURE_NAMES, feature_matrix, filename_pattern
from postlens.provenance.identify import Platform, combine, identify
from postlens.provenance.jpeg_segments import fbmd_segment, rewrite_header, srgb_icc
from postlens.provenance.model import SHIPPED, PlatformClassifier, read_metadata
from postlens.provenance.platforms import CLASSES, PIPELINES
from postlens.provenance.simulate import original_file, procedural_image, through_pipeline
from postlens.vision.container import container_of


@pytest.fixture(scope="module")
def classifier(tmp_path_factory: pytest.TempPathFactory) -> PlatformClassifier:
    return PlatformClassifier(tmp_path_factory.mktemp("models"))  # no retrained model: shipped


def answer(classifier: PlatformClassifier, data: bytes, name: str | None) -> Platform:
    return identify([container_of(data, name)], classifier)[0]


def test_the_package_ships_a_model_over_todays_features() -> None:
    meta = read_metadata(SHIPPED)
    assert meta["features"] == FEATURE_NAMES
    assert set(meta["classes"]) == set(CLASSES)  # type: ignore[arg-type]


@pytest.mark.parametrize("pipeline", PIPELINES, ids=lambda p: f"{p.platform}-{p.variant}")
def test_each_platform_pipeline_round_trips_to_its_own_class(
        classifier: PlatformClassifier, pipeline) -> None:  # type: ignore[no-untyped-def]
    # Pictures and seeds the shipped model never saw; as JPEG (PNG pass-through has no cues).
    rng = random.Random(f"round-trip {pipeline.variant}")
    # Downloads carry the platform's file name when it gives one (part of its pipeline).
    pipeline = dataclasses.replace(pipeline, png_share=0.0, webp_share=0.0,
                                   filename_share=1.0 if pipeline.filename else 0.0)
    hits = []
    for _ in range(6):
        source = procedural_image(rng, rng.randint(500, 900), rng.randint(500, 900))
        upload = (source.width * 3, source.height * 3)
        made = through_pipeline(pipeline, source, upload, rng)
        hits.append(answer(classifier, made.data, made.filename).name == pipeline.platform)
    assert sum(hits) >= 5, f"{pipeline.platform} ({pipeline.variant}): {hits}"


def test_a_camera_jpeg_with_exif_is_an_original(classifier: PlatformClassifier) -> None:
    rng = random.Random(7)
    for _ in range(5):
        made = original_file(procedural_image(rng, 800, 600), rng)
        if made.variant != "camera":
            continue
        result = answer(classifier, made.data, made.filename)
        assert result.name == "original", result
        assert any("camera EXIF" in line for line in result.evidence)


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_a_picture_without_cues_is_unknown_with_low_confidence(
        classifier: PlatformClassifier, fmt: str) -> None:
    buffer = io.BytesIO()
    procedural_image(random.Random(3), 700, 500).save(buffer, fmt)
    result = answer(classifier, buffer.getvalue(), None)
    assert result.name == "unknown"
    assert result.confidence < 0.75
    assert max(result.scores.values()) < 0.75


def test_only_a_file_that_says_nothing_is_silent() -> None:
    buffer = io.BytesIO()
    procedural_image(random.Random(5), 600, 400).save(buffer, "PNG")
    png = buffer.getvalue()
    assert silent(container_of(png, None))
    assert silent(container_of(png, "picture.png"))
    assert not silent(container_of(png, "IMG-20240101-WA0001.png"))  # a WhatsApp name speaks
    icc = io.BytesIO()
    procedural_image(random.Random(5), 600, 400).save(icc, "PNG", icc_profile=srgb_icc())
    assert not silent(container_of(icc.getvalue(), None))
    jpeg = io.BytesIO()
    procedural_image(random.Random(5), 600, 400).save(jpeg, "JPEG", quality=85)
    assert not silent(container_of(jpeg.getvalue(), None))  # its tables speak
    probabilities = np.zeros(len(CLASSES))
    probabilities[CLASSES.index("twitter")] = 1.0
    shrunk = combine(container_of(png, None), probabilities)
    assert shrunk.scores["twitter"] == pytest.approx(0.5 + 0.5 / len(CLASSES))
    assert shrunk.name == "twitter"  # still the most probable, at half the belief


def test_a_png_laid_out_like_twitters_servers_speaks(classifier: PlatformClassifier) -> None:
    # Twitter keeps small PNGs; its servers drop every ancillary chunk and write libpng's
    # 8,192-byte IDAT chunks at zlib's fastest level. Pillow's own layout says nothing.
    rng = random.Random("twitter png")
    twitter = dataclasses.replace(next(p for p in PIPELINES if p.variant.endswith("(2011-2014)")),
                                  png_share=1.0, filename_share=0.0)
    hits = 0
    for _ in range(4):
        source = procedural_image(rng, rng.randint(400, 600), rng.randint(300, 600))
        made = through_pipeline(twitter, source, source.size, rng)
        container = container_of(made.data, None)
        assert container.format == "PNG" and not silent(container)
        result = answer(classifier, made.data, None)
        hits += result.name == "twitter"
        if result.name == "twitter":
            assert any("Twitter / X's servers" in line for line in result.evidence)
    assert hits >= 3
    pillow = io.BytesIO()
    procedural_image(rng, 500, 400).save(pillow, "PNG", compress_level=1)
    assert silent(container_of(pillow.getvalue(), None))


def test_contradicting_cues_raise_unknown(classifier: PlatformClassifier) -> None:
    rng = random.Random(11)
    instagram = dataclasses.replace(next(p for p in PIPELINES if p.platform == "instagram"),
                                    widths=(1080,), filename_share=0.0, webp_share=0.0)
    made = through_pipeline(instagram, procedural_image(rng, 900, 900), (2700, 2700), rng)
    plain = answer(classifier, made.data, "picture.jpg")
    clashing = answer(classifier, made.data, "IMG-20240101-WA0001.jpg")  # FBMD + WhatsApp name
    assert plain.name == "instagram"
    assert clashing.scores["unknown"] > plain.scores["unknown"] + 0.3
    assert clashing.name == "unknown"
    assert clashing.evidence[0].startswith("decisive cues contradict")


def test_scores_are_a_distribution_and_confidence_is_the_named_class() -> None:
    container = container_of(_jpeg(quality=85), "x.jpg")
    result = combine(container, np.full(len(CLASSES), 1 / len(CLASSES)))
    assert sum(result.scores.values()) == pytest.approx(1.0)
    assert result.name == "unknown"  # nothing reaches the naming threshold
    assert result.confidence == pytest.approx(result.scores["unknown"])
    assert result.to_json()["evidence"] == list(result.evidence)


@pytest.mark.parametrize("data", [b"", b"\xff\xd8\xff", b"GIF89a" + b"\0" * 5,
                                  b"not a picture at all"])
def test_truncated_or_hostile_files_give_a_clear_error(data: bytes) -> None:
    with pytest.raises(ImageError):
        container_of(data, "bad.jpg")


def test_a_truncated_jpeg_body_still_reads_its_headers(classifier: PlatformClassifier) -> None:
    data = _jpeg(quality=75)
    result = answer(classifier, data[: len(data) // 3], "cut.jpg")
    assert result.name in CLASSES


def test_filename_patterns() -> None:
    assert filename_pattern("IMG-20240101-WA0001.jpg") == "whatsapp"
    assert filename_pattern("photo_2023-05-01_10-11-12.jpg") == "telegram"
    assert filename_pattern("123456789_123456789012345_1234567890123456789_n.jpg") == "meta_cdn"
    assert filename_pattern("53012345678_a1b2c3d4e5_b.jpg") == "flickr"
    assert filename_pattern("FqX1aB2cD3eF4gH.jpg") == "twitter"
    assert filename_pattern("IMG_1234.JPG") == "camera"
    # Names that only look alike are not matched.
    for name in ("2022-02-13_18-10-25_UTC.jpg", "boston_fake_01.jpg", "holiday.jpg", None):
        assert filename_pattern(name) is None


def test_fbmd_block_is_read_back_from_a_written_file() -> None:
    data = rewrite_header(_jpeg(quality=80), append=[fbmd_segment(random.Random(0))])
    container = container_of(data, None)
    assert container.fbmd and container.iptc
    assert feature_matrix([container])[0, FEATURE_NAMES.index("fbmd")] == 1.0


def test_the_model_refuses_features_of_the_wrong_shape(classifier: PlatformClassifier) -> None:
    from postlens.errors import InvalidInput

    with pytest.raises(InvalidInput):
        classifier.predict(np.zeros((1, 3), dtype=np.float32))


def test_a_retrained_model_in_the_cache_takes_precedence(tmp_path: Path) -> None:
    (tmp_path / "platform.onnx").write_bytes(SHIPPED.read_bytes())
    assert PlatformClassifier(tmp_path).path == tmp_path / "platform.onnx"


def _jpeg(**options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400, 3), dtype=np.uint8)
                    ).save(buffer, "JPEG", **options)
    return buffer.getvalue()
