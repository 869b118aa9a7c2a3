"""Offline evaluation of recommenders on a per-user temporal split.

Protocol: the last 20% of each user's interactions by time are the test set; test items with
weight >= ``positive_min_weight`` (a rating >= 4 with the default 1.5) are the relevant ones.
Each model is fitted on the training part and recommends 10 items per test user from the
whole catalogue, items seen in training filtered out. Cold-start items are catalogue items
with no training interaction; cold-start recall@10 counts only those among the relevant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from postlens.errors import InvalidInput
from postlens.evaluation.report import markdown
from postlens.recommend.data import Dataset
from postlens.recommend.metrics import (
    average_precision_at_k,
    coverage,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)
from postlens.recommend.splits import temporal_split
from postlens.recommend.training import fit_recommender

# A fitted model as the protocol sees it: user id -> top-k item ids.
TopK = Callable[[int, int], list[int]]
Trainer = Callable[[Dataset], TopK]


@dataclass
class ModelResult:
    name: str
    precision: float
    recall: float
    ndcg: float
    map: float
    coverage: float
    cold_recall: float
    fit_seconds: float
    users: int

    def row(self) -> list[str]:
        return [self.name, f"{self.precision:.4f}", f"{self.recall:.4f}", f"{self.ndcg:.4f}",
                f"{self.map:.4f}", f"{self.coverage:.3f}", f"{self.cold_recall:.4f}",
                f"{self.fit_seconds:.1f}"]


HEADER = ["model", "P@10", "R@10", "NDCG@10", "MAP@10", "coverage", "cold-start R@10", "fit s"]


def split_dataset(dataset: Dataset, test_fraction: float = 0.2) -> tuple[Dataset, Any]:
    train, test = temporal_split(dataset.interactions, test_fraction)
    catalogue = dataset.catalogue()
    return Dataset(train, dataset.features, dataset.follows, catalogue,
                   dataset.item_times), test


def evaluate(dataset: Dataset, trainers: dict[str, Trainer], *, k: int = 10,
             test_fraction: float = 0.2, positive_min_weight: float = 1.5) -> list[ModelResult]:
    train_set, test = split_dataset(dataset, test_fraction)
    catalogue = train_set.catalogue()
    cold_items = set(np.setdiff1d(catalogue, train_set.interactions.item_ids).tolist())
    positives = test.subset(test.weights >= positive_min_weight)
    train_users = set(np.unique(train_set.interactions.user_ids).tolist())
    relevant: dict[int, set[int]] = {}
    for user, item in zip(positives.user_ids.tolist(), positives.item_ids.tolist(), strict=True):
        if user in train_users:
            relevant.setdefault(user, set()).add(item)
    results = []
    for name, trainer in trainers.items():
        start = time.perf_counter()
        top_k = trainer(train_set)
        fit_seconds = time.perf_counter() - start
        lists: list[list[int]] = []
        scores: dict[str, list[float]] = {m: [] for m in ("p", "r", "ndcg", "map", "cold")}
        for user, items in relevant.items():
            ranked = top_k(user, k)
            lists.append(ranked)
            scores["p"].append(precision_at_k(ranked, items, k))
            scores["r"].append(recall_at_k(ranked, items, k))
            scores["ndcg"].append(ndcg_at_k(ranked, items, k))
            scores["map"].append(average_precision_at_k(ranked, items, k))
            cold = items & cold_items
            if cold:
                scores["cold"].append(recall_at_k(ranked, cold, k))
        mean = {m: float(np.mean(v)) if v else 0.0 for m, v in scores.items()}
        results.append(ModelResult(
            name, precision=mean["p"], recall=mean["r"], ndcg=mean["ndcg"], map=mean["map"],
            coverage=coverage(lists, len(catalogue)), cold_recall=mean["cold"],
            fit_seconds=fit_seconds, users=len(relevant)))
    return results


def postlens_trainer(name: str, **params: Any) -> Trainer:
    """One of postlens's recommenders, fitted as `postlens train` fits it (the hybrid gets
    its validation split from the training part only)."""
    def train(train_set: Dataset) -> TopK:
        model = fit_recommender(name, train_set, **params)
        return lambda user, k: model.recommend(user, n=k)[0].tolist()

    return train


def cornac_trainer(model_name: str, *, seed: int = 0, **params: Any) -> Trainer:
    """Cornac's BPR or VBPR on the same positives (and, for VBPR, the same embeddings)."""

    def train(train_set: Dataset) -> TopK:
        import cornac
        from cornac.data import ImageModality

        data = train_set.interactions.subset(train_set.interactions.weights > 0)
        triples = [(str(u), str(i), 1.0) for u, i in
                   zip(data.user_ids.tolist(), data.item_ids.tolist(), strict=True)]
        cornac_set = cornac.data.Dataset.from_uir(triples, seed=seed)
        if model_name == "vbpr":
            if train_set.features is None:
                raise InvalidInput("VBPR needs picture embeddings: none are in the data")
            image = ImageModality(features=train_set.features.vectors,
                                  ids=[str(i) for i in train_set.features.item_ids.tolist()],
                                  normalized=True)
            image.build(id_map=cornac_set.iid_map)
            cornac_set.add_modalities(item_image=image)
            model: Any = cornac.models.VBPR(seed=seed, verbose=False, **params)
        else:
            model = cornac.models.BPR(seed=seed, verbose=False, **params)
        model.fit(cornac_set)
        item_ids = np.array([int(i) for i in cornac_set.iid_map], dtype=np.int64)
        item_cols = np.array(list(cornac_set.iid_map.values()), dtype=np.int64)
        seen: dict[int, set[int]] = {}
        for u, i in zip(train_set.interactions.user_ids.tolist(),
                        train_set.interactions.item_ids.tolist(), strict=True):
            seen.setdefault(u, set()).add(i)

        def top_k(user: int, k: int) -> list[int]:
            index = cornac_set.uid_map.get(str(user))
            if index is None:
                return []
            scores = np.asarray(model.score(index), dtype=np.float64)[item_cols]
            ranked = item_ids[np.argsort(-scores)]
            return [int(i) for i in ranked if int(i) not in seen.get(user, ())][:k]

        return top_k

    return train


def markdown_table(results: list[ModelResult]) -> str:
    return markdown(HEADER, [r.row() for r in results])
