"""Offline evaluation of recommenders under three protocols, with paired bootstrap intervals.

* ``temporal``: the last 20% of each user's interactions by time are the test set.
* ``random``: each interaction goes to the test set with probability 0.2 (``--seed``).
* ``item-cold``: 15% of the items, drawn at random, are held out with all their interactions;
  each model ranks only those held-out items for each user (can it rank what nobody has
  interacted with yet?).

Test items with weight >= ``positive_min_weight`` (a rating >= 4 with the default 1.5) are
the relevant ones. A validation part is cut from the training part with the same protocol
(a different seed) and handed to every model that tunes, ours and Cornac's alike; each then
refits on the whole training part. Per-user metrics are kept so that two models can be
compared on the same users by a paired bootstrap.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from postlens.errors import InvalidInput
from postlens.evaluation.report import markdown
from postlens.recommend.data import Dataset, Interactions
from postlens.recommend.metrics import average_precision_at_k, ndcg_at_k, recall_at_k
from postlens.recommend.splits import item_cold_split, random_split, temporal_split

PROTOCOLS = ("temporal", "random", "item-cold")
K = 10
HEAD_ITEMS = 50  # the "most popular" items whose share of the top-10 slots is reported
# A fitted model as the protocol sees it: (users, k, candidate items or None) -> ranked ids.
Ranker = Callable[[list[int], int, np.ndarray | None], list[list[int]]]
# (training part without validation, validation part) -> ranker fitted on both.
Trainer = Callable[[Dataset, Dataset], Ranker]
METRICS = ("ndcg@10", "recall@10", "map@10", "cold_recall@10")


@dataclass
class Split:
    protocol: str
    seed: int
    train: Dataset  # the catalogue is the whole catalogue
    test: Interactions
    candidates: np.ndarray | None = None  # item-cold: only these are ranked

    def validation(self) -> tuple[Dataset, Dataset]:
        """(fit part, validation part) of the training part, cut by the same protocol."""
        inner = make_split(self.train, self.protocol, self.seed + 1000, validation=True)
        return inner.train, self.train.with_interactions(inner.test)


def make_split(dataset: Dataset, protocol: str, seed: int = 0, *, validation: bool = False
               ) -> Split:
    interactions, catalogue = dataset.interactions, dataset.catalogue()
    candidates = None
    if protocol == "temporal":
        train, test = temporal_split(interactions, 0.1 if validation else 0.2)
    elif protocol == "random":
        train, test = random_split(interactions, 0.1 if validation else 0.2, seed)
    elif protocol == "item-cold":
        warm = np.unique(interactions.item_ids)  # validation: hold out items that have data
        train, test, candidates = item_cold_split(interactions, warm if validation else
                                                  catalogue, 0.15, seed)
    else:
        raise InvalidInput(f"unknown protocol {protocol!r}; one of {', '.join(PROTOCOLS)}")
    return Split(protocol, seed, Dataset(train, dataset.features, dataset.follows, catalogue,
                                         dataset.item_times), test, candidates)


@dataclass
class ModelResult:
    name: str
    per_user: dict[str, np.ndarray]  # metric -> one value per test user (NaN: not counted)
    coverage: float
    head_share: float  # share of top-10 slots on the HEAD_ITEMS most popular items
    long_tail_share: float  # share of slots on items outside the top 20% by popularity
    fit_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def mean(self, metric: str) -> float:
        values = self.per_user[metric]
        values = values[np.isfinite(values)]
        return float(values.mean()) if len(values) else 0.0

    def summary(self) -> dict[str, Any]:
        return {**{m: round(self.mean(m), 5) for m in METRICS},
                "coverage": round(self.coverage, 4), "top50_share": round(self.head_share, 4),
                "long_tail_share": round(self.long_tail_share, 4),
                "fit_seconds": round(self.fit_seconds, 2), **self.extra}


def relevant_items(split: Split, positive_min_weight: float) -> dict[int, set[int]]:
    positives = split.test.subset(split.test.weights >= positive_min_weight)
    train_users = set(np.unique(split.train.interactions.user_ids).tolist())
    relevant: dict[int, set[int]] = {}
    for user, item in zip(positives.user_ids.tolist(), positives.item_ids.tolist(), strict=True):
        if user in train_users:
            relevant.setdefault(user, set()).add(item)
    return dict(sorted(relevant.items()))


def evaluate(split: Split, trainers: dict[str, Trainer], *,
             positive_min_weight: float = 1.5) -> list[ModelResult]:
    relevant = relevant_items(split, positive_min_weight)
    users = list(relevant)
    train = split.train
    cold = set(np.setdiff1d(train.catalogue(), train.interactions.item_ids).tolist())
    counts = popularity_counts(train.interactions)
    ranked_items = sorted(counts, key=lambda i: (-counts[i], i))
    head = set(ranked_items[:HEAD_ITEMS])
    short_head = set(ranked_items[: max(1, len(train.catalogue()) // 5)])
    pool = len(split.candidates) if split.candidates is not None else len(train.catalogue())
    fit_part, validation = split.validation()
    results = []
    for name, trainer in trainers.items():
        start = time.perf_counter()
        ranker = trainer(fit_part, validation)
        fit_seconds = time.perf_counter() - start
        lists = ranker(users, K, split.candidates)
        per_user = {m: np.full(len(users), np.nan) for m in METRICS}
        for row, (items, ranked) in enumerate(zip(relevant.values(), lists, strict=True)):
            per_user["ndcg@10"][row] = ndcg_at_k(ranked, items, K)
            per_user["recall@10"][row] = recall_at_k(ranked, items, K)
            per_user["map@10"][row] = average_precision_at_k(ranked, items, K)
            cold_items = items & cold
            if cold_items:
                per_user["cold_recall@10"][row] = recall_at_k(ranked, cold_items, K)
        slots = [i for ranked in lists for i in ranked[:K]]
        results.append(ModelResult(name, per_user, len(set(slots)) / max(pool, 1),
                                   _share(slots, head), 1.0 - _share(slots, short_head),
                                   fit_seconds))
    return results


def _share(slots: list[int], group: set[int]) -> float:
    return sum(i in group for i in slots) / len(slots) if slots else 0.0


def popularity_counts(interactions: Interactions) -> dict[int, int]:
    positive = interactions.item_ids[interactions.weights > 0]
    items, counts = np.unique(positive, return_counts=True)
    return dict(zip(items.tolist(), counts.tolist(), strict=True))


def paired_ratio(a: np.ndarray, b: np.ndarray, rounds: int = 2000, seed: int = 0
                 ) -> tuple[float, float, float] | None:
    """mean(a) / mean(b) over the users both have, and its 95% bootstrap interval
    (users resampled with replacement, the same draw for both models)."""
    both = np.isfinite(a) & np.isfinite(b)
    a, b = a[both], b[both]
    if len(a) < 2 or b.sum() <= 0:
        return None
    draws = np.random.default_rng(seed).integers(0, len(a), (rounds, len(a)))
    sums_b = b[draws].sum(axis=1)
    ratios = a[draws].sum(axis=1) / np.where(sums_b > 0, sums_b, np.nan)
    low, high = np.nanpercentile(ratios, [2.5, 97.5])
    return float(a.sum() / b.sum()), float(low), float(high)


def comparisons(results: list[ModelResult], model: str = "hybrid"
                ) -> dict[str, dict[str, list[float]]]:
    """``model`` against each other model: ratio [low, high] of NDCG@10 and cold R@10."""
    ours = next((r for r in results if r.name == model), None)
    if ours is None:
        return {}
    out: dict[str, dict[str, list[float]]] = {}
    for other in results:
        if other.name == model:
            continue
        pair = {metric: paired_ratio(ours.per_user[metric], other.per_user[metric])
                for metric in ("ndcg@10", "cold_recall@10")}
        out[other.name] = {m: [round(v, 4) for v in r] for m, r in pair.items() if r}
    return out


def report(split: Split, results: list[ModelResult]) -> dict[str, Any]:
    users = len(results[0].per_user["ndcg@10"]) if results else 0  # the same for every model
    return {"protocol": split.protocol, "seed": split.seed, "users": users,
            "ratings": len(split.train.interactions) + len(split.test),
            "models": {r.name: r.summary() for r in results},
            "hybrid_vs": comparisons(results)}


HEADER = ["model", "NDCG@10", "R@10", "MAP@10", "cold R@10", "coverage", "top-50 share",
          "long-tail share", "fit s"]


def table_rows(results: list[ModelResult]) -> list[list[str]]:
    return [[r.name, f"{r.mean('ndcg@10'):.4f}", f"{r.mean('recall@10'):.4f}",
             f"{r.mean('map@10'):.4f}", f"{r.mean('cold_recall@10'):.4f}",
             f"{r.coverage:.3f}", f"{r.head_share:.1%}", f"{r.long_tail_share:.1%}",
             f"{r.fit_seconds:.1f}"] for r in results]


def markdown_table(results: list[ModelResult]) -> str:
    return markdown(HEADER, table_rows(results))


def comparison_table(compared: dict[str, dict[str, list[float]]]) -> str:
    def cell(values: list[float] | None) -> str:
        return f"{values[0]:.3f} [{values[1]:.3f}, {values[2]:.3f}]" if values else "—"

    return markdown(["hybrid / model", "NDCG@10 ratio [95% CI]", "cold R@10 ratio [95% CI]"],
                    [[name, cell(pair.get("ndcg@10")), cell(pair.get("cold_recall@10"))]
                     for name, pair in compared.items()])
