"""``postlens train-faces DIR``: fine-tune the attribute heads on a CelebA-format folder.

``first`` trains on the first pictures listed only (CelebA's own split is by position:
training, then validation, then test pictures); ``holdout`` keeps a share of the pictures
out of training, chosen by their content fingerprint (the same pictures on every run and
machine). The saved file lists the fingerprints it was trained on, and
``postlens evaluate faces`` leaves those out. ``members`` tops are trained with seeds
``seed``, ``seed + 1``, ... and served together, their logits averaged. ``calibration``
is the share of the training faces (the last ones) that first calibrates the heads: the
members are trained without them, score them, and each head's Platt scaling is fitted on
those scores; then the members are trained again on every training face (twice the time).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from postlens.errors import InvalidInput
from postlens.faces.attributes import CELEBA_HEADS, AttributeWeights, save_weights
from postlens.faces.calibration import Calibration, fit_platt
from postlens.faces.celeba import read_celeba
from postlens.faces.crops import face_crops
from postlens.faces.network import FROZEN_BLOCKS
from postlens.vision.face_detector import CenterFaceDetector


def held_out(fingerprints: list[str], share: float) -> np.ndarray:
    """Pictures kept out of training: the first ``share`` of fingerprint space."""
    return np.array([int(f[:8], 16) / 16**8 < share for f in fingerprints], dtype=bool)


def train_faces(root: Path, target: Path, detector: CenterFaceDetector, holdout: float = 0.0,
                epochs: int = 5, seed: int = 0, first: int | None = None, jittered: int = 2,
                members: int = 2, calibration: float = 0.25) -> dict[str, Any]:
    from postlens.faces.training import Recipe, fit_members, predict_logits

    if not 0.0 <= holdout < 1.0:
        raise InvalidInput("holdout must be in [0, 1)")
    if not 0.0 <= calibration <= 0.5:
        raise InvalidInput("calibration must be in [0, 0.5]")
    faces = read_celeba(root)
    heads = [h for h in CELEBA_HEADS if h in faces.attribute_names]
    if not heads:
        raise InvalidInput(f"{root}: none of the attributes postlens reads "
                           f"({', '.join(CELEBA_HEADS)})")
    start = time.perf_counter()
    crops = face_crops([faces.path(i) for i in range(len(faces.files))], detector)
    train = ~held_out(crops.fingerprints, holdout)
    if first is not None:
        train[first:] = False
    labels = np.stack([faces.column(h) for h in heads], axis=1)
    if train.sum() < 20 or labels[train].sum(axis=0).min() < 2:
        raise InvalidInput("too few training faces: every attribute needs 2 or more positives")
    recipe = Recipe(epochs=epochs, seed=seed, jittered=jittered)
    platt: Calibration | None = None
    if calibration > 0:
        index = np.flatnonzero(train)
        cut = len(index) - max(2, round(len(index) * calibration))
        fitted = fit_members(crops.crops[index[:cut]], labels[index[:cut]], recipe, members)
        platt = fit_platt(predict_logits(fitted, heads, crops.crops[index[cut:]]),
                          labels[index[cut:]])
    tops = fit_members(crops.crops[train], labels[train], recipe, members)
    info = {"faces": int(train.sum()), "held_out": int((~train).sum()),
            "detected": round(float(crops.detected.mean()), 4), "epochs": epochs,
            "jittered": jittered, "frozen_blocks": FROZEN_BLOCKS, "seed": seed, "members": members,
            "calibrated_on": 0 if platt is None else platt.faces, "source": str(root),
            "seconds": round(time.perf_counter() - start)}
    trained_on = frozenset(f for f, used in zip(crops.fingerprints, train, strict=True) if used)
    target.parent.mkdir(parents=True, exist_ok=True)
    save_weights(target, AttributeWeights(heads, tops, trained_on, info, platt))
    return {**info, "attributes": heads, "path": str(target)}
