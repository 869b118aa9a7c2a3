"""What the analyzer needs from an image encoder: preprocess one picture, encode a batch.

Encoders are :class:`~postlens.runtime.base.InferenceModel` subclasses (lazy, locked
loading and idle unloading come from there); ``postlens.models`` lists the built-in ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image


@dataclass
class EncoderOutput:
    embeddings: np.ndarray  # (n, dim) float32, each row L2-normalised
    probabilities: np.ndarray | None  # (n, 1000) float32 softmax over ImageNet-1k, or None


@runtime_checkable
class ImageEncoder(Protocol):
    name: str
    version: str
    embedding_dim: int
    input_size: int

    def preprocess(self, image: Image.Image) -> np.ndarray:
        """One RGB picture -> a (3, H, W) float32 array ready for :meth:`encode`."""

    def encode(self, batch: np.ndarray) -> EncoderOutput:
        """A (n, 3, H, W) batch -> embeddings and probabilities."""
