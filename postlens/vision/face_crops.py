"""Aligned face crops: the head upright, centred and scaled the same way in every picture.

The crop follows the detector's landmarks: rotated so that the eyes are level, centred a
little above the middle of the eyes and mouth, and wide enough to hold the hair and a hat
(CelebA's aligned framing). One affine resample does rotation, crop and resize; areas
outside the picture are black.
"""

from __future__ import annotations

import math

from PIL import Image

from postlens.vision.face_detector import DetectedFace

CROP_SIZE = 160
# Side of the crop in eye-to-mouth distances, and how far above the eyes-mouth midpoint its
# centre sits (same unit). Chosen so that a CelebA-aligned face fills the crop as it fills
# CelebA's own 178x218 frame.
SIDE_PER_EYE_MOUTH = 4.2
CENTRE_LIFT = 0.35


def crop_geometry(face: DetectedFace) -> tuple[float, float, float, float]:
    """(centre x, centre y, side, angle in radians) of the aligned crop of ``face``."""
    (lx, ly), (rx, ry), _, (ml_x, ml_y), (mr_x, mr_y) = face.landmarks
    eye_x, eye_y = (lx + rx) / 2, (ly + ry) / 2
    mouth_x, mouth_y = (ml_x + mr_x) / 2, (ml_y + mr_y) / 2
    angle = math.atan2(ry - ly, rx - lx)
    eye_mouth = math.hypot(mouth_x - eye_x, mouth_y - eye_y)
    # A profile or a tiny face gives unreliable landmarks: fall back on the box.
    box_side = max(face.width, face.height)
    if not 0.15 * box_side <= eye_mouth <= 0.8 * box_side:
        eye_mouth, angle = 0.4 * box_side, 0.0
        mid_x, mid_y = (face.box[0] + face.box[2]) / 2, (face.box[1] + face.box[3]) / 2
    else:
        mid_x, mid_y = (eye_x + mouth_x) / 2, (eye_y + mouth_y) / 2
    # "Up" in the upright face is (sin a, -cos a) in the picture.
    lift = CENTRE_LIFT * eye_mouth
    centre_x = mid_x + lift * math.sin(angle)
    centre_y = mid_y - lift * math.cos(angle)
    return centre_x, centre_y, SIDE_PER_EYE_MOUTH * eye_mouth, angle


def aligned_crop(image: Image.Image, face: DetectedFace, size: int = CROP_SIZE) -> Image.Image:
    """The face, upright, as a ``size`` x ``size`` RGB picture."""
    cx, cy, side, angle = crop_geometry(face)
    source = image.convert("RGB")
    factor = int(side // (2 * size))
    if factor >= 2:  # shrink first so that the bilinear resample does not alias
        source = source.reduce(factor)
        cx, cy, side = cx / factor, cy / factor, side / factor
    k = side / size
    cos, sin = math.cos(angle), math.sin(angle)
    a, b, d, e = k * cos, -k * sin, k * sin, k * cos
    half = size / 2
    c = cx - (a * half + b * half)
    f = cy - (d * half + e * half)
    return source.transform((size, size), Image.Transform.AFFINE, (a, b, c, d, e, f),
                            resample=Image.Resampling.BILINEAR)
