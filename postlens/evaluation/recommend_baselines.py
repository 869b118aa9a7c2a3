"""The models `postlens evaluate recommend` compares: postlens's recommenders, simple
baselines (count popularity, id order, random), implicit's ALS with its defaults, and
Cornac's BPR tuned on the same validation split as ours."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from postlens.errors import InvalidInput
from postlens.evaluation.recommend import Ranker, Trainer
from postlens.recommend.base import Recommender
from postlens.recommend.data import Dataset
from postlens.recommend.metrics import ndcg_at_k
from postlens.recommend.registry import recommender_class

# Cornac BPR's grid, as large as the one the hybrid searches for its ALS (see hybrid.py).
BPR_GRID = {"k": (32, 64, 128), "learning_rate": (0.01, 0.05), "lambda_reg": (0.001, 0.01)}


def merged(fit_part: Dataset, validation: Dataset) -> Dataset:
    return fit_part.with_interactions(fit_part.interactions.concat(validation.interactions))


def ranker_of(model: Recommender, **options: float) -> Ranker:
    if options.get("cap_only"):
        model.head_penalties_ = {}  # type: ignore[attr-defined]

    def rank(users: list[int], k: int, candidates: np.ndarray | None) -> list[list[int]]:
        known = [u for u in users if u in model._user_pos]
        lists: dict[int, list[int]] = {}
        if known:
            ids, _, _ = model.recommend(known, n=k, candidates=candidates,
                                        novelty=options.get("novelty", 0.0),
                                        max_popular=options.get("max_popular", 1.0))
            lists = {u: [int(i) for i in row if i >= 0] for u, row in zip(known, ids,
                                                                        strict=True)}
        return [lists.get(u, []) for u in users]

    return rank


def postlens_trainer(name: str, options: dict[str, float] | None = None, **params: Any
                     ) -> Trainer:
    """One of postlens's recommenders (``options``: re-ranking options of ``recommend``).
    Those that tune (the hybrid) learn on the fit part against the validation part, then
    refit on both; the others fit on both."""
    def train(fit_part: Dataset, validation: Dataset) -> Ranker:
        model = recommender_class(name)(**params)
        if model.tunes_on_validation:
            model.fit(fit_part, validation)
        else:
            model.fit(merged(fit_part, validation))
        return ranker_of(model, **(options or {}))

    return train


# Popularity-bias re-rankings of the hybrid's lists measured beside it: the head budgets
# as served (the cap, or the penalty the hybrid learned for that budget on its validation
# part) and the plain cap for comparison.
RERANKINGS = {"novelty 0.5": {"novelty": 0.5}, "novelty 1": {"novelty": 1.0},
              "head budget 60%": {"max_popular": 0.6},
              "head budget 50% (served)": {"max_popular": 0.5},
              "head budget 40%": {"max_popular": 0.4},
              "head cap 50% (no learned penalty)": {"max_popular": 0.5, "cap_only": 1.0}}


def trainers_for(protocol: str, cornac: bool) -> dict[str, Trainer]:
    """What each protocol compares. Under item-cold, models that cannot score an item
    without interactions (popularity, ALS, BPR) would only show the catalogue's id order,
    so id order itself and random order stand in for them."""
    if protocol == "item-cold":
        return {"id order (oldest first)": fixed_order("oldest"),
                "id order (newest first)": fixed_order("newest"),
                "random": fixed_order("random"),
                "content (pixels)": postlens_trainer("content"),
                "visual-als (pixels only)": postlens_trainer("visual-als", text_weight=0.0),
                "visual-als (pixels + text)": postlens_trainer("visual-als"),
                "hybrid": postlens_trainer("hybrid")}
    trainers = {"popularity (count)": count_popularity(),
                "implicit ALS (defaults)": implicit_defaults(),
                "als": postlens_trainer("als"), "content (pixels)": postlens_trainer("content"),
                "visual-als": postlens_trainer("visual-als"), "hybrid": postlens_trainer("hybrid")}
    for name, options in RERANKINGS.items():
        trainers[f"hybrid, {name}"] = postlens_trainer("hybrid", options=options)
    if cornac:
        trainers["cornac BPR (tuned)"] = cornac_trainer("bpr", grid=BPR_GRID, max_iter=200)
    return trainers


def implicit_defaults() -> Trainer:
    """implicit's AlternatingLeastSquares with its own defaults (100 factors, regularisation
    0.01, alpha 1, 15 iterations) on the same positives."""
    return postlens_trainer("als", factors=100, regularization=0.01, alpha=1.0, iterations=15)


def count_popularity() -> Trainer:
    """Plain count of likes (no time decay)."""
    return postlens_trainer("popularity", half_life_days=None)


def fixed_order(order: str) -> Trainer:
    """Every user gets the same list: newest post ids first, oldest first, or random."""
    def train(fit_part: Dataset, validation: Dataset) -> Ranker:
        data = merged(fit_part, validation)
        seen: dict[int, set[int]] = {}
        for u, i in zip(data.interactions.user_ids.tolist(),
                        data.interactions.item_ids.tolist(), strict=True):
            seen.setdefault(u, set()).add(i)
        catalogue = data.catalogue()
        if order == "newest":
            ranked = catalogue[::-1]
        elif order == "oldest":
            ranked = catalogue
        else:
            ranked = np.random.default_rng(0).permutation(catalogue)

        def rank(users: list[int], k: int, candidates: np.ndarray | None) -> list[list[int]]:
            pool = ranked if candidates is None else ranked[np.isin(ranked, candidates)]
            return [[int(i) for i in pool[: k + len(seen.get(u, ()))]
                     if int(i) not in seen.get(u, ())][:k] for u in users]

        return rank

    return train


def cornac_trainer(model_name: str, *, seed: int = 0, grid: dict[str, tuple[Any, ...]] | None
                   = None, **params: Any) -> Trainer:
    """Cornac's BPR or VBPR on the same positives (VBPR: the same embeddings). With a grid,
    every combination is fitted on the fit part and scored by NDCG@10 on the validation
    part; the best is refitted on both."""

    def train(fit_part: Dataset, validation: Dataset) -> Ranker:
        chosen = dict(params)
        if grid:
            names = list(grid)
            best = -1.0
            for values in itertools.product(*(grid[n] for n in names)):
                trial = {**params, **dict(zip(names, values, strict=True))}
                score = validation_ndcg(_cornac_fit(model_name, fit_part, seed, trial),
                                        validation)
                if score > best:
                    best, chosen = score, trial
        return _cornac_fit(model_name, merged(fit_part, validation), seed, chosen)

    return train


def validation_ndcg(rank: Ranker, validation: Dataset, positive_min_weight: float = 1.5
                    ) -> float:
    held = validation.interactions
    positives = held.subset(held.weights >= positive_min_weight)
    relevant: dict[int, set[int]] = {}
    for u, i in zip(positives.user_ids.tolist(), positives.item_ids.tolist(), strict=True):
        relevant.setdefault(u, set()).add(i)
    users = sorted(relevant)
    lists = rank(users, 10, None)
    return float(np.mean([ndcg_at_k(r, relevant[u], 10) for u, r in zip(users, lists,
                                                                         strict=True)]))


def _cornac_fit(model_name: str, data: Dataset, seed: int, params: dict[str, Any]) -> Ranker:
    import cornac
    from cornac.data import ImageModality

    positives = data.interactions.subset(data.interactions.weights > 0)
    triples = [(str(u), str(i), 1.0) for u, i in
               zip(positives.user_ids.tolist(), positives.item_ids.tolist(), strict=True)]
    cornac_set = cornac.data.Dataset.from_uir(triples, seed=seed)
    if model_name == "vbpr":
        if data.features is None:
            raise InvalidInput("VBPR needs picture embeddings: none are in the data")
        image = ImageModality(features=data.features.vectors,
                              ids=[str(i) for i in data.features.item_ids.tolist()],
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
    for u, i in zip(data.interactions.user_ids.tolist(), data.interactions.item_ids.tolist(),
                    strict=True):
        seen.setdefault(u, set()).add(i)

    def rank(users: list[int], k: int, candidates: np.ndarray | None) -> list[list[int]]:
        out: list[list[int]] = []
        for user in users:
            index = cornac_set.uid_map.get(str(user))
            if index is None:
                out.append([])
                continue
            scores = np.asarray(model.score(index), dtype=np.float64)[item_cols]
            if candidates is not None:  # items Cornac never saw cannot be scored at all
                scores = np.where(np.isin(item_ids, candidates), scores, -np.inf)
            order = item_ids[np.argsort(-scores, kind="stable")]
            finite = np.isfinite(np.sort(scores)[::-1])
            out.append([int(i) for i, ok in zip(order, finite, strict=True)
                        if ok and int(i) not in seen.get(user, ())][:k])
        return out

    return rank
