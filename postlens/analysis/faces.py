"""``faces``: the faces in a picture (box, score, landmarks) and what each one wears.

Detection runs on the decoded picture (CenterFace, :mod:`postlens.vision.face_detector`);
each face is aligned and read by the fine-tuned attribute heads in one batch
(:mod:`postlens.faces.attributes`). Boxes and landmarks are in the original picture's
pixels. No face embedding or identity is computed or kept: only attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from postlens.analysis.task import PictureContext, PictureTask
from postlens.faces.attributes import FaceAttributeModel, as_targets
from postlens.vision.face_crops import aligned_crop
from postlens.vision.face_detector import CenterFaceDetector, DetectedFace


@dataclass(frozen=True)
class Face:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in the original picture
    score: float
    landmarks: tuple[tuple[float, float], ...]
    attributes: dict[str, float]  # product target -> probability

    def to_json(self) -> dict[str, Any]:
        return {"box": [round(v, 1) for v in self.box], "score": round(self.score, 4),
                "landmarks": [[round(x, 1), round(y, 1)] for x, y in self.landmarks],
                "attributes": self.attributes}


class FacesTask(PictureTask[list[Face]]):
    name = "faces"

    def __init__(self, detector: CenterFaceDetector, attributes: FaceAttributeModel,
                 min_face: int = 24, max_faces: int = 20, detect_side: int = 480) -> None:
        self.detector = detector
        self.attributes = attributes
        self.min_face = min_face  # in the original picture's pixels
        self.max_faces = max_faces
        self.detect_side = detect_side

    def run(self, picture: PictureContext) -> list[Face]:
        loaded = picture.loaded
        image = loaded.image
        scale = loaded.width / image.width  # decoding may have reduced the picture
        found: list[DetectedFace] = self.detector.detect(
            image, max_side=self.detect_side, min_size=self.min_face / scale,
            max_faces=self.max_faces)
        if not found:
            return []
        crops = np.stack([np.asarray(aligned_crop(image, face)) for face in found])
        targets = as_targets(self.attributes.predict(crops), self.attributes.attributes)
        return [Face(tuple(v * scale for v in face.box),  # type: ignore[arg-type]
                     face.score, tuple((x * scale, y * scale) for x, y in face.landmarks),
                     values)
                for face, values in zip(found, targets, strict=True)]

    def to_json(self, result: list[Face]) -> list[dict[str, Any]]:
        return [face.to_json() for face in result]
