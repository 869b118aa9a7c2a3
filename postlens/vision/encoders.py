"""The ``ImageEncoder`` protocol and the registry that builds encoders by name.

An encoder turns preprocessed pixel batches into L2-normalised embeddings and, when it has a
classifier head, ImageNet-1k probabilities. Loading is lazy, guarded by a lock and done once
(the Immich ``InferenceModel`` habit): subclasses write ``_load`` and ``_encode``.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image

from postlens.config import Settings
from postlens.errors import InvalidInput


@dataclass
class EncoderOutput:
    embeddings: np.ndarray  # (n, dim) float32, each row L2-normalised
    probabilities: np.ndarray | None  # (n, 1000) float32 softmax over ImageNet-1k, or None


@runtime_checkable
class ImageEncoder(Protocol):
    name: str
    version: str
    embedding_dim: int

    def preprocess(self, image: Image.Image) -> np.ndarray:
        """One RGB picture -> a (3, H, W) float32 array ready for :meth:`encode`."""

    def encode(self, batch: np.ndarray) -> EncoderOutput:
        """A (n, 3, H, W) batch -> embeddings and probabilities."""


class InferenceModel(ABC):
    """Base for encoders: owns lazy, thread-safe loading; subclasses do the work."""

    name: str = ""
    version: str = ""
    embedding_dim: int = 0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded = False

    def load(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                self._load()
                self._loaded = True

    def encode(self, batch: np.ndarray) -> EncoderOutput:
        if batch.ndim != 4 or batch.shape[1] != 3:
            raise InvalidInput(f"expected a (n, 3, H, W) batch, got shape {batch.shape}")
        self.load()
        return self._encode(np.ascontiguousarray(batch, dtype=np.float32))

    @abstractmethod
    def preprocess(self, image: Image.Image) -> np.ndarray: ...

    @abstractmethod
    def _load(self) -> None: ...

    @abstractmethod
    def _encode(self, batch: np.ndarray) -> EncoderOutput: ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit-length rows (or one unit-length vector), as float32; zero vectors stay zero."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)


EncoderFactory = Callable[[Settings], ImageEncoder]
_REGISTRY: dict[str, EncoderFactory] = {}


def register_encoder(name: str) -> Callable[[EncoderFactory], EncoderFactory]:
    def decorator(factory: EncoderFactory) -> EncoderFactory:
        _REGISTRY[name] = factory
        return factory

    return decorator


def available_encoders() -> list[str]:
    _import_builtin_encoders()
    return sorted(_REGISTRY)


def create_encoder(settings: Settings) -> ImageEncoder:
    """Build the encoder named by ``settings.image_encoder``."""
    _import_builtin_encoders()
    try:
        factory = _REGISTRY[settings.image_encoder]
    except KeyError:
        raise InvalidInput(
            f"unknown image encoder {settings.image_encoder!r}; "
            f"available: {', '.join(sorted(_REGISTRY))}"
        ) from None
    return factory(settings)


def _import_builtin_encoders() -> None:
    # Imported for their @register_encoder side effect.
    from postlens.vision import efficientnet  # noqa: F401
