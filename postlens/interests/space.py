"""The shared text space: category prototypes and ImageNet classes embedded with MiniLM.

Pictures reach the text space by ConSE (Norouzi et al., "Zero-Shot Learning by Convex
Combination of Semantic Embeddings", ICLR 2014): a picture's vector is the
probability-weighted mean of the text embeddings of its most probable ImageNet classes
("tabby, tabby cat: a cat with a grey or tawny coat..."). Captions are embedded directly.
A category is the mean embedding of its prompts (name and description, then each keyword).
Both sides then meet by cosine similarity: that is the zero-shot score of a post.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from postlens.fileio import atomic_write
from postlens.interests.taxonomy import Taxonomy
from postlens.numeric import l2_normalise
from postlens.text.minilm import MiniLMEncoder
from postlens.vision.labels import imagenet_classes

# ConSE averages the top T classes; the stored analyses keep the top 5 labels.
CONSE_TOP = 5


def class_texts() -> list[str]:
    return [f"{', '.join(c.lemmas)}: {c.definition}" for c in imagenet_classes()]


class TextSpace:
    """Embeddings of captions, categories and ImageNet classes in one 384-d space."""

    def __init__(self, encoder: MiniLMEncoder, cache_dir: Path) -> None:
        self.encoder = encoder
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._prototypes: dict[tuple[str, int, str], np.ndarray] = {}
        self._classes: np.ndarray | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self.encoder.encode(texts)

    def prototypes(self, taxonomy: Taxonomy) -> np.ndarray:
        """(n_categories, 384): each category's mean prompt embedding, unit length."""
        key = (taxonomy.name, taxonomy.version, _fingerprint(
            [self.encoder.name, self.encoder.version,
             *(p for c in taxonomy.categories for p in c.prompts())]))
        with self._lock:
            if key not in self._prototypes:
                def compute() -> np.ndarray:
                    return np.stack([l2_normalise(self.embed(c.prompts()).mean(axis=0))
                                     for c in taxonomy.categories])

                safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "_"
                                    for ch in taxonomy.name)[:60]
                path = self.cache_dir / f"prototypes-{safe_name}-{key[2]}.npy"
                self._prototypes[key] = _cached_array(path, compute)
            return self._prototypes[key]

    def class_embeddings(self) -> np.ndarray:
        """(1000, 384) text embeddings of the ImageNet classes, cached on disk."""
        with self._lock:
            if self._classes is None:
                texts = class_texts()
                path = self.cache_dir / (f"imagenet-classes-{self.encoder.name}-"
                                         f"{self.encoder.version}-{_fingerprint(texts)}.npy")
                self._classes = _cached_array(path, lambda: self.embed(texts))
            return self._classes

    def picture_vectors(self, labels: Sequence[Sequence[dict[str, Any]]]) -> np.ndarray:
        """ConSE vectors of pictures from their top labels ({"index", "score"} dicts)."""
        classes = self.class_embeddings()
        out = np.zeros((len(labels), classes.shape[1]), dtype=np.float32)
        for row, picture in enumerate(labels):
            top = sorted(picture, key=lambda label: -float(label["score"]))[:CONSE_TOP]
            if not top:
                continue
            weights = np.array([float(label["score"]) for label in top], dtype=np.float32)
            indices = [int(label["index"]) for label in top]
            out[row] = weights @ classes[indices] / max(float(weights.sum()), 1e-12)
        return l2_normalise(out)


def _fingerprint(texts: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8") + b"\0")
    return digest.hexdigest()[:12]


def _cached_array(path: Path, compute: Any) -> np.ndarray:
    if path.exists():
        try:
            return np.load(path, allow_pickle=False)
        except (OSError, ValueError):
            pass  # damaged: computed again below
    array = np.asarray(compute(), dtype=np.float32)
    atomic_write(path, lambda handle: np.save(handle, array, allow_pickle=False))
    return array
