"""Re-ranking after scoring: freshness boost and maximal marginal relevance (diversity)."""

from __future__ import annotations

import numpy as np

from postlens.numeric import DAY, l2_normalise


def freshness_boost(scores: np.ndarray, item_times: np.ndarray, now: float, weight: float,
                    half_life_days: float = 7.0) -> np.ndarray:
    """Add ``weight * 0.5 ** (age / half_life)`` (in units of each row's score spread)."""
    known = np.isfinite(item_times)
    age = np.where(known, np.maximum(now - item_times, 0.0) / DAY, np.inf)
    fresh = np.where(known, 0.5 ** (age / half_life_days), 0.0).astype(np.float32)
    finite = np.where(np.isfinite(scores), scores, np.nan)
    spread = np.nanstd(finite, axis=1, keepdims=True)
    spread = np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)
    return scores + weight * spread * fresh


def mmr(candidates: np.ndarray, relevance: np.ndarray, vectors: np.ndarray, n: int,
        diversity: float) -> np.ndarray:
    """Pick n of the candidate columns greedily by (1-d)*relevance - d*max similarity to
    those already picked (Carbonell & Goldstein, 1998); cosine similarity of ``vectors``
    rows (only the candidates' rows are normalised)."""
    finite = np.isfinite(relevance)
    candidates, relevance = candidates[finite], relevance[finite]
    if len(candidates) == 0:
        return candidates
    span = relevance.max() - relevance.min()
    relevance = (relevance - relevance.min()) / (span if span > 0 else 1.0)
    unit = l2_normalise(np.asarray(vectors[candidates], dtype=np.float32))
    chosen: list[int] = []
    max_similarity = np.full(len(candidates), -np.inf, dtype=np.float32)
    available = np.ones(len(candidates), dtype=bool)
    for _ in range(min(n, len(candidates))):
        penalty = np.where(np.isfinite(max_similarity), max_similarity, 0.0)
        value = np.where(available, (1 - diversity) * relevance - diversity * penalty, -np.inf)
        pick = int(np.argmax(value))
        chosen.append(pick)
        available[pick] = False
        max_similarity = np.maximum(max_similarity, unit @ unit[pick])
    return candidates[chosen]
