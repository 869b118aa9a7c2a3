"""Per-attribute Platt scaling of the face-attribute heads (Platt 1999; Guo et al., ICML 2017).

The heads are trained with positives up-weighted and end overconfident: on faces they never
saw, their logits are too large (a fitted slope of 0.36-0.65 on every head, docs/faces.md),
so a face that shows an attribute often scores it below 0.05. Each head's logit z becomes
``slope * z + intercept``, the two numbers fitted by logistic regression on logits of faces
the fitted members did not train on. The map is monotone, so rankings (AUC) do not change;
what a probability means does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Calibration:
    slope: np.ndarray  # (attributes,)
    intercept: np.ndarray  # (attributes,)
    faces: int  # how many held-out faces it was fitted on

    def apply(self, logits: np.ndarray) -> np.ndarray:
        """(n, attributes) logits -> calibrated probabilities."""
        z = np.asarray(logits, dtype=np.float64) * self.slope + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float32)

    def to_json(self) -> dict[str, Any]:
        return {"slope": [round(float(v), 6) for v in self.slope],
                "intercept": [round(float(v), 6) for v in self.intercept], "faces": self.faces}

    @classmethod
    def from_json(cls, data: dict[str, Any], attributes: int) -> Calibration:
        slope = np.asarray(data["slope"], dtype=np.float64)
        intercept = np.asarray(data["intercept"], dtype=np.float64)
        if slope.shape != (attributes,) or intercept.shape != (attributes,):
            raise ValueError(f"calibration for {len(slope)} attributes, weights for {attributes}")
        if not (np.isfinite(slope).all() and np.isfinite(intercept).all() and (slope > 0).all()):
            raise ValueError("calibration slopes must be positive and finite")
        return cls(slope, intercept, int(data.get("faces", 0)))


def identity(attributes: int) -> Calibration:
    return Calibration(np.ones(attributes), np.zeros(attributes), 0)


def fit_platt(logits: np.ndarray, labels: np.ndarray) -> Calibration:
    """One (slope, intercept) per attribute from held-out ``logits`` (n, attributes) and
    ``labels`` (n, attributes bool), with Platt's smoothed targets. A head whose held-out
    faces are all alike, or whose fit would reverse its ranking, keeps its logits as they are
    (slope 1, intercept 0)."""
    from sklearn.linear_model import LogisticRegression

    logits = np.asarray(logits, dtype=np.float64)
    labels = np.asarray(labels, dtype=bool)
    if logits.shape != labels.shape or logits.ndim != 2:
        raise ValueError(f"logits {logits.shape} and labels {labels.shape} do not match")
    slope, intercept = np.ones(logits.shape[1]), np.zeros(logits.shape[1])
    n = len(labels)
    both = np.r_[np.ones(n), np.zeros(n)]
    for j in range(logits.shape[1]):
        positives = int(labels[:, j].sum())
        if 0 < positives < n:
            # Platt's targets: (N+ + 1) / (N+ + 2) for a positive, 1 / (N- + 2) for a negative,
            # so that a few separable faces cannot drive the slope to infinity. Each face is
            # fitted as a positive and a negative weighted by its target; C large: otherwise
            # unregularised, as Platt's method is.
            target = np.where(labels[:, j], (positives + 1) / (positives + 2),
                              1 / (n - positives + 2))
            model = LogisticRegression(C=1e4, max_iter=1000).fit(
                np.r_[logits[:, j], logits[:, j]][:, None], both,
                sample_weight=np.r_[target, 1 - target])
            if model.coef_[0, 0] > 0:
                slope[j], intercept[j] = model.coef_[0, 0], model.intercept_[0]
    return Calibration(slope, intercept, len(logits))

