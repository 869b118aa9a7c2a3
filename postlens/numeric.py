"""Small numeric helpers shared by the vision, text, interest and recommendation code."""

from __future__ import annotations

import numpy as np

DAY = 86_400.0  # seconds


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Unit-length rows (or one unit-length vector), as float32; zero vectors stay zero."""
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, as float32."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return (exp / exp.sum(axis=-1, keepdims=True)).astype(np.float32)
