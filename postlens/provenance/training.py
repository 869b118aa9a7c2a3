"""Training the source-platform classifier on real downloads plus simulated pipelines.

The model is scikit-learn's ``GradientBoostingClassifier`` wrapped in
``CalibratedClassifierCV`` (sigmoid calibration on held-out folds, one final model), exported
to ONNX with ``skl2onnx`` so that serving needs ONNX Runtime only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from postlens.errors import ImageError
from postlens.fileio import atomic_write_bytes
from postlens.provenance.cues import decisive_cues
from postlens.provenance.data import LabelledPicture, real_pictures
from postlens.provenance.features import FEATURE_NAMES, feature_matrix
from postlens.provenance.model import METADATA_KEY
from postlens.provenance.platforms import CLASSES
from postlens.provenance.simulate import simulate
from postlens.vision.container import Container, container_of

log = logging.getLogger(__name__)

CALIBRATION = "isotonic"
SIMULATION_SOURCES = ("hm-products/images", "movielens-posters/posters")


@dataclass
class TrainingSet:
    """Containers with their labels, groups (for grouped folds) and origin."""

    containers: list[Container] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    real: list[bool] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, container: Container, label: str, group: str, real: bool, source: str
            ) -> None:
        self.containers.append(container)
        self.labels.append(label)
        self.groups.append(group)
        self.real.append(real)
        self.sources.append(source)

    def subset(self, mask: Sequence[bool] | np.ndarray) -> TrainingSet:
        keep = [i for i, m in enumerate(mask) if m]
        return TrainingSet([self.containers[i] for i in keep], [self.labels[i] for i in keep],
                           [self.groups[i] for i in keep], [self.real[i] for i in keep],
                           [self.sources[i] for i in keep])

    def __len__(self) -> int:
        return len(self.labels)


def real_set(pictures: Iterable[LabelledPicture]) -> TrainingSet:
    """Containers of real downloads. A picture from a site that is none of the platforms is
    ``unknown``, except when it is plainly a camera's own file (camera EXIF with the camera's
    tables): the site served the original bytes, which is what ``original`` means."""
    out = TrainingSet()
    for picture in pictures:
        try:
            container = container_of(picture.path.read_bytes(), str(picture.path))
        except (OSError, ImageError) as exc:
            log.warning("skipping %s: %s", picture.path, exc)
            continue
        label = picture.label
        if label == "unknown" and any(cue.classes == {"original"}
                                      for cue in decisive_cues(container)):
            label = "original"
        out.add(container, label, picture.group, True, picture.source)
    return out


def simulation_sources(data_dir: Path | None, limit: int = 200) -> list[Image.Image]:
    """Pictures to re-encode (never the real evaluation pictures); none without the data."""
    found: list[Image.Image] = []
    for folder in SIMULATION_SOURCES:
        paths = sorted((data_dir / folder).glob("*.jpg"))[:limit] if data_dir else []
        for path in paths:
            with Image.open(path) as img:
                found.append(img.convert("RGB"))
    return found


def simulated_set(data_dir: Path | None, per_pipeline: int, seed: int = 0) -> TrainingSet:
    out = TrainingSet()
    for n, item in enumerate(simulate(simulation_sources(data_dir), per_pipeline, seed)):
        out.add(container_of(item.data, item.filename), item.label, f"simulated:{n}", False,
                f"simulated {item.label}: {item.variant}")
    return out


def merge(*parts: TrainingSet) -> TrainingSet:
    out = TrainingSet()
    for part in parts:
        for values in zip(part.containers, part.labels, part.groups, part.real, part.sources,
                          strict=True):
            out.add(*values)
    return out


def fit_classifier(data: TrainingSet, seed: int = 0, n_estimators: int = 120) -> Any:
    """A calibrated gradient-boosted classifier over :data:`FEATURE_NAMES`."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.model_selection import StratifiedGroupKFold

    x = feature_matrix(data.containers)
    y = np.asarray(data.labels)
    # Real downloads count more than simulated ones: they are what the model is for.
    weights = np.where(np.asarray(data.real), 3.0, 1.0)
    base = GradientBoostingClassifier(n_estimators=n_estimators, max_depth=3,
                                      learning_rate=0.1, subsample=0.8, random_state=seed)
    folds = max(2, min(3, int(np.bincount(np.unique(y, return_inverse=True)[1]).min())))
    # Calibration folds keep each group (an Instagram account, a news event) on one side, as
    # the evaluation does: with plain stratified folds the calibrator saw the same accounts
    # it was calibrating for and learnt their confidence, not a new account's.
    splits = list(StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
                  .split(x, y, groups=np.asarray(data.groups)))
    model = CalibratedClassifierCV(base, method=CALIBRATION, cv=splits, ensemble=False)
    model.fit(x, y, sample_weight=weights)
    return model


def export_onnx(model: Any, target: Path, about: dict[str, Any]) -> None:
    """Write ``model`` as ONNX with its classes and feature names in the metadata."""
    from skl2onnx import to_onnx

    proto = to_onnx(model, np.zeros((1, len(FEATURE_NAMES)), dtype=np.float32),
                    options={id(model): {"zipmap": False}}, target_opset=17)
    meta = {"features": FEATURE_NAMES, "classes": [str(c) for c in model.classes_],
            "trained": datetime.now(UTC).strftime("%Y-%m-%d"), **about}
    entry = proto.metadata_props.add()
    entry.key, entry.value = METADATA_KEY, json.dumps(meta)
    atomic_write_bytes(target, proto.SerializeToString())


def train_platform_model(target: Path, data_dir: Path | None, per_pipeline: int = 120,
                         seed: int = 0) -> dict[str, Any]:
    """Train on the real pictures under ``data_dir`` (if any) plus simulated pipelines and
    write the ONNX model to ``target``; returns what it was trained on."""
    real = real_set(real_pictures(data_dir)) if data_dir else TrainingSet()
    data = merge(real, simulated_set(data_dir, per_pipeline, seed))
    model = fit_classifier(data, seed)
    counts = {cls: {"real": sum(1 for lab, r in zip(data.labels, data.real, strict=True)
                                if lab == cls and r),
                    "simulated": sum(1 for lab, r in zip(data.labels, data.real, strict=True)
                                     if lab == cls and not r)}
              for cls in CLASSES}
    export_onnx(model, target, {"examples": counts, "per_pipeline": per_pipeline,
                                "seed": seed})
    return {"path": str(target), "examples": counts}
