"""Face detection (CenterFace), alignment and the faces task on real pictures."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.registry import build_analyzer
from postlens.config import Settings
from postlens.errors import InvalidInput
from postlens.runtime.cache import ModelCache
from postlens.vision.face_crops import aligned_crop, crop_geometry
from postlens.vision.face_detector import CenterFaceDetector, DetectedFace, nms
from tests.conftest import jpeg_bytes


@pytest.fixture(scope="module")
def detector(models: ModelCache) -> CenterFaceDetector:
    model = models.get("centerface")
    assert isinstance(model, CenterFaceDetector)
    return model


@pytest.fixture
def faces_analyzer(models: ModelCache, settings: Settings) -> Analyzer:
    return build_analyzer(settings, models, ["faces", "labels"])


def test_astronaut_has_one_face_with_landmarks(detector: CenterFaceDetector) -> None:
    image = Image.fromarray(skdata.astronaut())
    faces = detector.detect(image)
    assert len(faces) == 1
    face = faces[0]
    x1, y1, x2, y2 = face.box
    assert 150 < x1 < x2 < 300 and 20 < y1 < y2 < 200  # Eileen Collins' head, upper middle
    (lx, ly), (rx, _) = face.landmarks[:2]
    assert x1 < lx < rx < x2 and y1 < ly < y2  # eyes inside the box, left before right
    assert face.score > 0.5


def test_no_face_in_a_picture_without_people(detector: CenterFaceDetector) -> None:
    for picture in (skdata.coffee(), skdata.chelsea(), skdata.rocket()):
        assert detector.detect(Image.fromarray(picture)) == []


def test_tiny_faces_are_dropped_by_the_minimum_size(detector: CenterFaceDetector) -> None:
    small = Image.fromarray(skdata.astronaut()).resize((96, 96))
    assert detector.detect(small, min_size=8) != []
    assert detector.detect(small, min_size=40) == []


def test_detector_refuses_what_it_cannot_read(detector: CenterFaceDetector) -> None:
    with pytest.raises(InvalidInput):
        detector.detect("not a picture")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        detector.detect(Image.new("RGB", (64, 64)), max_side=8)


def test_nms_keeps_the_best_of_overlapping_boxes() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], dtype=float)
    kept = nms(boxes, np.array([0.6, 0.9, 0.5]), 0.3)
    assert kept.tolist() == [1, 2]


def test_aligned_crop_levels_the_eyes() -> None:
    # A face tilted by 30 degrees: the crop's angle undoes it.
    face = DetectedFace((40, 40, 100, 110), 0.9, ((55, 60), (80.98, 75), (70, 80),
                                                  (55, 95), (75, 105)))
    _, _, side, angle = crop_geometry(face)
    assert angle == pytest.approx(np.arctan2(15, 25.98), abs=1e-3)
    assert side > 60  # wider than the box: hair and hat fit
    crop = aligned_crop(Image.new("RGB", (160, 160), (200, 10, 10)), face)
    assert crop.size == (160, 160)


def test_faces_task_on_the_astronaut(faces_analyzer: Analyzer) -> None:
    result = faces_analyzer.analyze_one("astronaut.jpg", jpeg_bytes(skdata.astronaut()))
    faces = result.public["faces"]
    assert len(faces) == 1
    attributes = faces[0]["attributes"]
    assert attributes["hat"] < 0.5  # she wears no hat
    assert set(attributes) >= {"eyewear", "hat", "beard"}
    assert 0 < faces[0]["box"][0] < faces[0]["box"][2] <= 512


def test_faces_task_on_pictures_without_people(faces_analyzer: Analyzer) -> None:
    result = faces_analyzer.analyze_one("coffee.jpg", jpeg_bytes(skdata.coffee()))
    assert result.public["faces"] == []


def test_many_faces_in_one_picture(detector: CenterFaceDetector) -> None:
    face = Image.fromarray(skdata.astronaut())
    grid = Image.new("RGB", (1024, 1024))
    for n in range(4):
        grid.paste(face, ((n % 2) * 512, (n // 2) * 512))
    found = detector.detect(grid)
    assert len(found) == 4
    centres = sorted((round((f.box[0] + f.box[2]) / 1024), round((f.box[1] + f.box[3]) / 1024))
                     for f in found)
    assert centres == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert len(detector.detect(grid, max_faces=2)) == 2
