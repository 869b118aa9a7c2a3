"""Top-k ranking metrics for one user's ranked list against their relevant items (the hybrid
learns its blend with them; the evaluation protocols report them)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def _hits(ranked: Sequence[int], relevant: set[int], k: int) -> np.ndarray:
    return np.array([item in relevant for item in list(ranked)[:k]], dtype=bool)


def precision_at_k(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    return float(_hits(ranked, relevant, k).sum() / k)


def recall_at_k(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    if not relevant:
        return 0.0
    return float(_hits(ranked, relevant, k).sum() / len(relevant))


def ndcg_at_k(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    """Binary-relevance NDCG: sum of 1/log2(rank+1) over hits, over the ideal ordering's."""
    hits = _hits(ranked, relevant, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = discounts[: min(len(relevant), k)].sum()
    return float((hits * discounts[: len(hits)]).sum() / ideal) if ideal else 0.0


def mean_ndcg(top: np.ndarray, catalogue: np.ndarray, relevant: Sequence[set[int]], k: int
              ) -> float:
    """Mean NDCG@k of ranked column rows ``top`` (one per user; ``catalogue`` maps a column to
    its item id) against each user's ``relevant`` item ids."""
    return float(np.mean([ndcg_at_k(catalogue[t].tolist(), r, k)
                          for t, r in zip(top, relevant, strict=True)]))


def average_precision_at_k(ranked: Sequence[int], relevant: set[int], k: int) -> float:
    """AP@k: mean of precision@i at each hit i, divided by min(|relevant|, k)."""
    hits = _hits(ranked, relevant, k)
    if not relevant or not hits.any():
        return 0.0
    precisions = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precisions * hits).sum() / min(len(relevant), k))


def coverage(recommendation_lists: Iterable[Sequence[int]], catalogue_size: int) -> float:
    shown: set[int] = set()
    for ranked in recommendation_lists:
        shown.update(int(i) for i in ranked)
    return len(shown) / catalogue_size if catalogue_size else 0.0
