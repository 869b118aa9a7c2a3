"""A compact vector index: PCA to a small dimension, float16 storage, FAISS inner-product search.

1280-d float32 embeddings take 5 KiB a picture; reduced to 128-d float16 they take 256 bytes,
so a million pictures fit in about 256 MB and are searched exactly by FAISS.
"""

from __future__ import annotations

from typing import Any

import faiss
import numpy as np

from postlens.errors import InvalidInput
from postlens.numeric import l2_normalise

# Searches here are one query at a time: OpenMP's thread start-up costs more than the scan
# (10 ms against 0.1 ms for a small index), and servers parallelise across requests instead.
faiss.omp_set_num_threads(1)


class VectorIndex:
    vectors_: np.ndarray
    _faiss: Any
    _dense: np.ndarray | None

    def __init__(self, dim: int = 128) -> None:
        self.dim = dim
        self._dense = None

    def fit(self, vectors: np.ndarray, *, sample: int = 50_000, seed: int = 0) -> VectorIndex:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) == 0:
            raise InvalidInput("the index needs a non-empty (n, d) matrix")
        self.input_dim = vectors.shape[1]
        self.out_dim = min(self.dim, self.input_dim, len(vectors))
        rng = np.random.default_rng(seed)
        train = vectors if len(vectors) <= sample else vectors[rng.choice(len(vectors), sample,
                                                                          replace=False)]
        self.mean_ = train.mean(axis=0)
        # Principal directions: top eigenvectors of the d x d covariance of a sample, which
        # needs O(d^2) memory however many pictures there are.
        centred = train - self.mean_
        _, eigenvectors = np.linalg.eigh(centred.T @ centred)
        self.components_ = np.ascontiguousarray(eigenvectors[:, ::-1][:, : self.out_dim].T,
                                                dtype=np.float32)
        self.add(vectors, reset=True)
        return self

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        return l2_normalise((np.asarray(vectors, dtype=np.float32) - self.mean_)
                            @ self.components_.T)

    def add(self, vectors: np.ndarray, *, reset: bool = False, chunk: int = 65_536) -> None:
        """Reduce and append vectors (in chunks, so memory stays bounded)."""
        parts = [self.transform(vectors[i:i + chunk]).astype(np.float16)
                 for i in range(0, len(vectors), chunk)]
        reduced = np.concatenate(parts) if parts else np.zeros((0, self.out_dim), np.float16)
        if reset:
            self.set_vectors(reduced)
            return
        self.vectors_ = np.concatenate([self.vectors_, reduced])
        self._dense = None
        self._faiss.add(reduced.astype(np.float32))

    def set_vectors(self, reduced: np.ndarray) -> None:
        """Replace the stored (already reduced) vectors; row i is search result i."""
        self.vectors_ = np.asarray(reduced, dtype=np.float16)
        self._dense = None
        self._faiss = faiss.IndexScalarQuantizer(self.out_dim, faiss.ScalarQuantizer.QT_fp16,
                                                 faiss.METRIC_INNER_PRODUCT)
        for start in range(0, len(self.vectors_), 65_536):  # bounded float32 copies
            self._faiss.add(self.vectors_[start:start + 65_536].astype(np.float32))

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the k nearest stored vectors (cosine in the reduced space) per query."""
        reduced = self.transform(np.atleast_2d(queries))
        scores, rows = self._faiss.search(reduced, min(k, len(self.vectors_)))
        return rows, scores

    def scores(self, reduced_queries: np.ndarray) -> np.ndarray:
        """Dense cosine scores of already-reduced queries against every stored vector."""
        dense = self._dense
        if dense is None:  # float32 copy for BLAS, made once
            dense = self._dense = self.vectors_.astype(np.float32)
        return np.asarray(reduced_queries, dtype=np.float32) @ dense.T

    @property
    def nbytes(self) -> int:
        return int(self.vectors_.nbytes + self._faiss.sa_code_size() * self._faiss.ntotal)

    def state(self) -> dict[str, np.ndarray]:
        return {"mean_": self.mean_, "components_": self.components_, "vectors_": self.vectors_}

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> VectorIndex:
        index = cls(dim=int(state["components_"].shape[0]))
        index.mean_, index.components_ = state["mean_"], state["components_"]
        index.input_dim, index.out_dim = index.components_.shape[1], index.components_.shape[0]
        index.set_vectors(state["vectors_"])
        return index
