"""The built-in models by name, and the model cache a process builds from its settings.

A new model (a face detector, a likes head...) is an ``InferenceModel`` subclass in its own
module plus one entry in :func:`builtin_factories`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from postlens.config import Settings
from postlens.faces.attributes import FaceAttributeModel
from postlens.provenance.model import PlatformClassifier
from postlens.runtime.cache import ModelCache, ModelFactory
from postlens.text.minilm import MiniLMEncoder
from postlens.vision.efficientnet import EfficientNetLite0
from postlens.vision.face_detector import CenterFaceDetector

IMAGE_ENCODERS = ("efficientnet-lite0",)
TEXT_ENCODER = "all-minilm-l6-v2"


def builtin_factories(settings: Settings) -> dict[str, ModelFactory]:
    cache, threads = settings.model_dir, settings.inference_threads
    return {
        "efficientnet-lite0": lambda: EfficientNetLite0(cache, threads),
        "all-minilm-l6-v2": lambda: MiniLMEncoder(cache, threads),
        "platform": lambda: PlatformClassifier(cache, threads),
        "centerface": lambda: CenterFaceDetector(cache, threads),
        "face-attributes": lambda: FaceAttributeModel(cache, threads),
    }


def model_cache(settings: Settings) -> ModelCache:
    return ModelCache(builtin_factories(settings), settings.model_idle_seconds)


def text_encoding(models: ModelCache) -> Callable[[Sequence[str]], np.ndarray]:
    """Texts -> unit text vectors through the cache's text encoder (loaded on first call)."""
    def encode(texts: Sequence[str]) -> np.ndarray:
        encoder = models.get(TEXT_ENCODER)
        if not isinstance(encoder, MiniLMEncoder):
            raise TypeError(f"model {TEXT_ENCODER} is not the text encoder")
        return encoder.encode(texts)
    return encode
