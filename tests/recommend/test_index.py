"""The compact vector index: PCA + float16 + FAISS, against exact search."""

from __future__ import annotations

import numpy as np
import pytest

from postlens.errors import InvalidInput
from postlens.numeric import l2_normalise
from postlens.recommend.index import VectorIndex


def clustered(n: int, dim: int = 256, rank: int = 24, seed: int = 0) -> np.ndarray:
    """Vectors with the low-rank structure of real embeddings: a few latent directions
    (with clusters among them) plus a little full-rank noise."""
    rng = np.random.default_rng(seed)
    basis = rng.standard_normal((rank, dim))
    centres = rng.standard_normal((10, rank))
    latent = centres[rng.integers(0, 10, n)] + 0.7 * rng.standard_normal((n, rank))
    return l2_normalise(latent @ basis + 0.5 * rng.standard_normal((n, dim)))


def test_search_recovers_exact_neighbours() -> None:
    vectors = clustered(3000)
    index = VectorIndex(dim=64).fit(vectors)
    queries = vectors[:50]
    rows, scores = index.search(queries, 10)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    recall = np.mean([len(set(r) & set(e)) / 10 for r, e in zip(rows, exact, strict=True)])
    assert recall >= 0.8, recall  # PCA-64 of a 256-d clustered space keeps neighbourhoods
    assert (rows[:, 0] == np.arange(50)).all()  # each vector finds itself first
    assert np.all(np.diff(scores, axis=1) <= 1e-3)


def test_dense_scores_match_search_and_state_round_trips() -> None:
    vectors = clustered(500, dim=64)
    index = VectorIndex(dim=32).fit(vectors)
    reduced = index.transform(vectors[:3])
    dense = index.scores(reduced)
    rows, scores = index.search(vectors[:3], 5)
    assert np.allclose(np.take_along_axis(dense, rows, axis=1), scores, atol=2e-3)
    again = VectorIndex.from_state(index.state())
    rows2, scores2 = again.search(vectors[:3], 5)
    assert np.array_equal(rows, rows2) and np.allclose(scores, scores2)
    assert index.nbytes <= vectors.nbytes / 2  # float16 and half the dimensions


def test_added_vectors_are_found_and_bad_input_refused() -> None:
    vectors = clustered(400, dim=64)
    index = VectorIndex(dim=16).fit(vectors[:300])
    index.add(vectors[300:])
    rows, _ = index.search(vectors[350], 1)
    assert rows[0][0] == 350
    small = VectorIndex(dim=128).fit(vectors[:10])
    assert small.out_dim == 10  # never more components than samples
    with pytest.raises(InvalidInput):
        VectorIndex().fit(np.zeros((0, 64)))
