"""Aligned crops of labelled face pictures, for training and evaluating the attribute heads.

Each picture goes through the same detector and alignment as an upload, so the heads learn
from crops framed exactly as they will see them. A picture where no face is found (CelebA
pictures are already face-centred) is cropped around its centre instead, and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from postlens.faces.attributes import fingerprint
from postlens.faces.network import INPUT_SIZE
from postlens.vision.face_crops import aligned_crop
from postlens.vision.face_detector import CenterFaceDetector
from postlens.vision.images import ImageLimits, load_image


@dataclass
class FaceCrops:
    crops: np.ndarray  # (n, 160, 160, 3) uint8
    detected: np.ndarray  # (n,) bool: a face was found (else a centre crop)
    fingerprints: list[str]


def centre_crop(image: Image.Image) -> Image.Image:
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    return image.crop((left, top, left + side, top + side)).resize(
        (INPUT_SIZE, INPUT_SIZE), Image.Resampling.BILINEAR)


def face_crops(paths: Sequence[Path], detector: CenterFaceDetector,
               limits: ImageLimits = ImageLimits()) -> FaceCrops:
    crops = np.zeros((len(paths), INPUT_SIZE, INPUT_SIZE, 3), dtype=np.uint8)
    detected = np.zeros(len(paths), dtype=bool)
    prints = []
    for n, path in enumerate(paths):
        data = path.read_bytes()
        prints.append(fingerprint(data))
        image = load_image(data, limits=limits, source=str(path)).image
        # CelebA-sized pictures (faces of ~40 px) are found reliably at any size; the
        # minimum is lowered so that small faces in small pictures still count.
        found = detector.detect(image, min_size=8.0, max_faces=1)
        if found:
            crops[n] = np.asarray(aligned_crop(image, found[0]))
            detected[n] = True
        else:
            crops[n] = np.asarray(centre_crop(image.convert("RGB")))
    return FaceCrops(crops, detected, prints)
