"""Re-ranking after scoring: freshness boost, popularity discount, a cap on the most-liked
items and maximal marginal relevance (diversity)."""

from __future__ import annotations

import numpy as np

from postlens.numeric import DAY, l2_normalise


def row_spread(scores: np.ndarray) -> np.ndarray:
    """(rows, 1): each row's standard deviation over its finite scores, 1 where undefined:
    the unit in which re-ranking adjustments are added to scores of any scale."""
    finite = np.where(np.isfinite(scores), scores, np.nan)
    spread = np.nanstd(finite, axis=1, keepdims=True)
    return np.where(np.isfinite(spread) & (spread > 0), spread, 1.0)


def freshness_boost(scores: np.ndarray, item_times: np.ndarray, now: float, weight: float,
                    half_life_days: float = 7.0) -> np.ndarray:
    """Add ``weight * 0.5 ** (age / half_life)`` (in units of each row's score spread)."""
    known = np.isfinite(item_times)
    age = np.where(known, np.maximum(now - item_times, 0.0) / DAY, np.inf)
    fresh = np.where(known, 0.5 ** (age / half_life_days), 0.0).astype(np.float32)
    return scores + weight * row_spread(scores) * fresh


def popularity_discount(scores: np.ndarray, counts: np.ndarray, weight: float) -> np.ndarray:
    """Subtract ``weight`` * (each row's score spread) * the item's standardised log
    popularity: an inverse-propensity-style discount (Abdollahpouri et al., 2019; Steck,
    2018) that lets less-liked items through when they score nearly as well."""
    log_counts = np.log1p(np.asarray(counts, dtype=np.float64))
    spread_items = log_counts.std()
    z = ((log_counts - log_counts.mean()) / (spread_items if spread_items > 0 else 1.0))
    return (scores - weight * row_spread(scores) * z.astype(np.float32)).astype(np.float32)


HEAD_FRACTION = 0.02  # the "short head": the 2% most-liked items of the catalogue


def head_items(counts: np.ndarray) -> np.ndarray:
    """A mask of the short head: the HEAD_FRACTION most-liked items (at least one)."""
    k = max(1, int(len(counts) * HEAD_FRACTION))
    head = np.zeros(len(counts), dtype=bool)
    head[np.argsort(-np.asarray(counts), kind="stable")[:k]] = True
    return head


def cap_head(pool: np.ndarray, head: np.ndarray, n: int, max_share: float) -> np.ndarray:
    """The pool (columns, best first) with head items beyond ``max_share`` of ``n`` slots
    left out, so that however the rest is picked, at most that many come from the head."""
    allowed = int(np.floor(max_share * n + 1e-9))
    is_head = head[pool]
    keep = ~is_head | (np.cumsum(is_head) <= allowed)
    return pool[keep]


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


def diversify(pool: np.ndarray, scores: np.ndarray, vectors: np.ndarray, n: int,
              diversity: float) -> np.ndarray:
    """MMR over one row's candidate pool; unpicked (unscorable) columns fill up to n."""
    picked = mmr(pool, scores[pool], vectors, n, diversity)
    chosen = set(picked.tolist())
    rest = [c for c in pool.tolist() if c not in chosen]
    return np.array([*picked.tolist(), *rest][: min(n, len(pool))], dtype=np.int64)


def top_k_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """Per row, the columns of the k highest scores, best first; ties go to the lower column
    so that results never depend on batch composition."""
    negative = -scores
    threshold = np.partition(negative, k - 1, axis=1)[:, k - 1]
    rows = []
    for row, limit in zip(negative, threshold, strict=True):
        candidates = np.flatnonzero(row <= limit)
        rows.append(candidates[np.lexsort((candidates, row[candidates]))][:k])
    return np.array(rows, dtype=np.int64)


def select_top(scores: np.ndarray, n: int, vectors: np.ndarray | None, diversity: float,
               head: np.ndarray | None, max_popular: float) -> tuple[np.ndarray, np.ndarray]:
    """(per row, the columns of the top n after the head cap and diversity re-ranking; a
    mask of the slots left empty when too few items could be picked)."""
    width = min(n, scores.shape[1])
    empty = np.zeros((len(scores), width), dtype=bool)
    if vectors is None and head is None:
        return top_k_columns(scores, width), empty
    top = np.zeros((len(scores), width), dtype=np.int64)
    for r, (pool, row_scores) in enumerate(zip(top_k_columns(scores, min(n * 5, scores.shape[1])),
                                                scores, strict=True)):
        if head is not None:
            pool = cap_head(pool[np.isfinite(row_scores[pool])], head, n, max_popular)
        picked = pool[:n] if vectors is None else diversify(pool, row_scores, vectors, n,
                                                             diversity)
        top[r, :len(picked)], empty[r, len(picked):] = picked, True
    return top, empty
