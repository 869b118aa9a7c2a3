"""The shipped source-platform classifier, served with ONNX Runtime.

A scikit-learn gradient-boosted classifier with calibrated probabilities
(:mod:`postlens.provenance.training`), exported to ONNX with its classes and feature names
in the file's metadata. The package ships one (``platform.onnx`` beside this module);
``postlens train-provenance`` writes a retrained one into the model cache, which is then
preferred.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from postlens.errors import InvalidInput, ModelError
from postlens.provenance.features import FEATURE_NAMES
from postlens.provenance.platforms import CLASSES
from postlens.runtime.base import InferenceModel
from postlens.runtime.onnx import cpu_session

SHIPPED = Path(__file__).with_name("platform.onnx")
RETRAINED_NAME = "platform.onnx"
METADATA_KEY = "postlens"


def model_path(model_dir: Path) -> Path:
    """The retrained model in ``model_dir`` when there is one, else the shipped one."""
    retrained = model_dir / RETRAINED_NAME
    return retrained if retrained.is_file() else SHIPPED


def read_metadata(path: Path) -> dict[str, object]:
    import onnx

    try:
        proto = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises its own untyped errors
        raise ModelError(f"cannot read platform model {path}: {exc}") from exc
    for prop in proto.metadata_props:
        if prop.key == METADATA_KEY:
            return dict(json.loads(prop.value))
    raise ModelError(f"{path} is not a postlens platform model (no metadata)")


class PlatformClassifier(InferenceModel[np.ndarray, np.ndarray]):
    """Feature rows in, calibrated class probabilities (``CLASSES`` order) out."""

    name = "platform"

    def __init__(self, cache_dir: Path, threads: int = 0) -> None:
        super().__init__(cache_dir, threads)
        self.path = model_path(cache_dir)
        self.classes: tuple[str, ...] = CLASSES
        self.version = "unloaded"

    def _check(self, inputs: np.ndarray) -> None:
        if inputs.ndim != 2 or inputs.shape[1] != len(FEATURE_NAMES):
            raise InvalidInput(f"platform features must be (n, {len(FEATURE_NAMES)}), "
                               f"not {inputs.shape}")

    def _load(self) -> None:
        if not self.path.is_file():
            raise ModelError(f"platform model {self.path} is missing; run "
                             "`postlens train-provenance`")
        meta = read_metadata(self.path)
        if meta.get("features") != FEATURE_NAMES:
            raise ModelError(f"platform model {self.path} was trained on other features; "
                             "run `postlens train-provenance`")
        listed = meta.get("classes")
        classes = tuple(str(c) for c in listed) if isinstance(listed, list) else ()
        if set(classes) - set(CLASSES) or not classes:
            raise ModelError(f"platform model {self.path} has unknown classes {classes}")
        self.classes = classes
        self.version = str(meta.get("trained", "?"))
        self._session = cpu_session(self.path, self.threads or 1)

    def _predict(self, inputs: np.ndarray) -> np.ndarray:
        if len(inputs) == 0:
            return np.zeros((0, len(CLASSES)), dtype=np.float32)
        name = self._session.get_inputs()[0].name
        return in_class_order(self._session.run(None, {name: inputs.astype(np.float32)})[1],
                              self.classes)


def in_class_order(probabilities: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    """Columns of a model's ``classes`` reordered into :data:`CLASSES` (a class the model never
    saw gets 0), each row summing to 1."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    out = np.zeros((len(probabilities), len(CLASSES)))
    for column, cls in enumerate(classes):
        out[:, CLASSES.index(cls)] = probabilities[:, column]
    total = out.sum(axis=1, keepdims=True)
    return out / np.where(total > 0, total, 1.0)
