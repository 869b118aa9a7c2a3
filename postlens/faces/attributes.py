"""The face-attribute heads, served with ONNX Runtime.

The package ships the fine-tuned weights (``face-attributes.npz`` beside this module: the
trained tops of :mod:`postlens.faces.network` in float16, one per ensemble member, the
attribute names and a fingerprint of every face they were trained on, so that an evaluation
can leave those out). The members share the frozen trunk and their logits are averaged,
then each head's logit is Platt-scaled (:mod:`postlens.faces.calibration`) when the file
holds a calibration.
``postlens train-faces DIR`` writes a retrained file into the model cache, which is then
preferred. Either is exported once to ONNX in the model cache (torch is needed for that one
export only) and verified by checksum on every load.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from postlens.errors import InvalidInput, ModelError
from postlens.faces.calibration import Calibration, identity
from postlens.faces.network import INPUT_SIZE, network_input
from postlens.fileio import atomic_path
from postlens.runtime.base import InferenceModel, ModelSession
from postlens.runtime.onnx import ONNX_OPSET, cpu_session, ensure_onnx

# What products target, and the CelebA head each is read from (True: the head's opposite).
TARGET_HEADS: dict[str, tuple[str, bool]] = {
    "eyewear": ("Eyeglasses", False), "hat": ("Wearing_Hat", False),
    "beard": ("No_Beard", True), "goatee": ("Goatee", False), "mustache": ("Mustache", False),
    "stubble": ("5_o_Clock_Shadow", False), "sideburns": ("Sideburns", False),
    "earrings": ("Wearing_Earrings", False), "necklace": ("Wearing_Necklace", False),
    "necktie": ("Wearing_Necktie", False), "lipstick": ("Wearing_Lipstick", False),
    "makeup": ("Heavy_Makeup", False), "bald": ("Bald", False),
}
FACE_TARGETS = tuple(TARGET_HEADS)
CELEBA_HEADS = [head for head, _ in TARGET_HEADS.values()]
SHIPPED = Path(__file__).with_name("face-attributes.npz")
RETRAINED_NAME = "face-attributes.npz"
META_KEY = "__postlens__"
MEMBERS = "member"  # keys of an ensemble member's weights start member0., member1., ...
MEMBER = MEMBERS + "{}."


def weights_file(model_dir: Path) -> Path:
    retrained = model_dir / RETRAINED_NAME
    return retrained if retrained.is_file() else SHIPPED


def fingerprint(data: bytes) -> str:
    """How a training face is remembered: 16 hex digits of its file's sha256."""
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class AttributeWeights:
    attributes: list[str]
    members: list[dict[str, np.ndarray]]  # one trained top per ensemble member
    trained_on: frozenset[str]  # fingerprints of the training pictures
    info: dict[str, object]
    calibration: Calibration | None = None  # per-head Platt scaling; None: raw logits

    def calibrated(self) -> Calibration:
        return self.calibration or identity(len(self.attributes))


def save_weights(path: Path, weights: AttributeWeights) -> None:
    meta = {"attributes": weights.attributes, "trained_on": sorted(weights.trained_on),
            "info": weights.info}
    if weights.calibration is not None:
        meta["calibration"] = weights.calibration.to_json()
    arrays = {MEMBER.format(n) + name: value
              for n, state in enumerate(weights.members) for name, value in state.items()}
    arrays[META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    with atomic_path(path, suffix=".npz.tmp") as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]


def load_weights(path: Path) -> AttributeWeights:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(arrays.pop(META_KEY).tobytes().decode())
        attributes = list(meta["attributes"])
        calibration = meta.get("calibration")
        return AttributeWeights(
            attributes, split_members(arrays), frozenset(meta["trained_on"]),
            dict(meta.get("info", {})),
            None if calibration is None else Calibration.from_json(calibration, len(attributes)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(f"{path} is not a postlens face-attribute file: {exc}") from exc


def split_members(arrays: dict[str, np.ndarray]) -> list[dict[str, np.ndarray]]:
    """The file's arrays -> each member's top; a file of one unprefixed top (as written
    before ensembles) is one member."""
    members: list[dict[str, np.ndarray]] = []
    while any(name.startswith(MEMBER.format(len(members))) for name in arrays):
        prefix = MEMBER.format(len(members))
        members.append({name[len(prefix):]: value for name, value in arrays.items()
                        if name.startswith(prefix)})
    if not members and arrays and not any(name.startswith(MEMBERS) for name in arrays):
        members.append(arrays)
    if not members or sum(map(len, members)) != len(arrays):
        raise ValueError("the weights are neither one top nor numbered members")
    return members


def export_onnx(weights_path: Path, target: str) -> None:
    import warnings

    import torch

    from postlens.faces.network import FROZEN_BLOCKS, ensemble

    weights = load_weights(weights_path)
    try:
        model = ensemble(len(weights.attributes), weights.members,
                         frozen=int(str(weights.info.get("frozen_blocks", FROZEN_BLOCKS))))
    except ValueError as exc:
        raise ModelError(f"{weights_path}: {exc}") from exc
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE),), target,
                          input_names=["pixels"], output_names=["logits"],
                          dynamic_axes={"pixels": {0: "batch"}, "logits": {0: "batch"}},
                          opset_version=ONNX_OPSET, dynamo=False)


def as_targets(probabilities: np.ndarray, heads: list[str]) -> list[dict[str, float]]:
    """Head probabilities (n, heads) -> per face, each product target's probability."""
    out = []
    for row in probabilities:
        values = {}
        for target, (head, opposite) in TARGET_HEADS.items():
            if head in heads:
                p = float(row[heads.index(head)])
                values[target] = round(1.0 - p if opposite else p, 4)
        out.append(values)
    return out


class FaceAttributeModel(InferenceModel[np.ndarray, np.ndarray]):
    """(n, 160, 160, 3) uint8 aligned crops in, (n, attributes) calibrated probabilities out."""

    name = "face-attributes"
    _session: ModelSession

    def __init__(self, cache_dir: Path, threads: int = 0) -> None:
        super().__init__(cache_dir, threads)
        self.path = weights_file(cache_dir)
        self.weights = load_weights(self.path) if self.path.is_file() else None
        self.version = "retrained" if self.path != SHIPPED else "shipped"

    @property
    def attributes(self) -> list[str]:
        return self.require().attributes

    def require(self) -> AttributeWeights:
        if self.weights is None:
            raise ModelError(f"no face-attribute weights at {self.path}; run "
                             f"`postlens train-faces DIR`")
        return self.weights

    def _check(self, inputs: np.ndarray) -> None:
        if inputs.ndim != 4 or inputs.shape[1:] != (INPUT_SIZE, INPUT_SIZE, 3):
            raise InvalidInput(f"expected (n, {INPUT_SIZE}, {INPUT_SIZE}, 3) face crops, got "
                               f"shape {inputs.shape}")

    def _load(self) -> None:
        self.require()
        onnx_path = ensure_onnx(self.cache_dir, "face-attributes", self.path,
                                lambda target: export_onnx(self.path, target))
        self._session = cpu_session(onnx_path, self.threads)

    def _predict(self, inputs: np.ndarray) -> np.ndarray:
        weights = self.require()
        if len(inputs) == 0:
            return np.zeros((0, len(weights.attributes)), dtype=np.float32)
        (logits,) = self._session.run(["logits"], {"pixels": network_input(inputs)})
        return weights.calibrated().apply(logits)
