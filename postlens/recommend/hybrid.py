"""Hybrid: the collaborative model, reaching cold items through content, plus a learned
blend of the other signals.

The anchor is ``visual-als``: ALS on items with interactions (tuned on validation over
:data:`ALS_GRID`), content-predicted factors on items without. Each other component's scores
are standardised per user (z-scores over the catalogue) and added with a weight from
:data:`WEIGHT_GRID`, chosen to maximise NDCG@10 on validation data given by the caller
(``fit(train, validation)``, as Cornac's ``fit(train_set, val_set)``;
``postlens.recommend.training`` holds out the latest 10% of each user's interactions). A
blend replaces the anchor alone only when it beats it on validation by
:data:`MIN_GAIN`: validation noise must not buy a hybrid that is worse than its best part.
Every component is then refitted on training and validation data together.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Sequence
from typing import Any, Self

import numpy as np

from postlens.errors import ModelError
from postlens.recommend.base import Ids, Recommender
from postlens.recommend.collaborative import ALSRecommender, BPRRecommender
from postlens.recommend.content import ContentRecommender
from postlens.recommend.data import Dataset
from postlens.recommend.head_budget import learn_head_penalties
from postlens.recommend.metrics import mean_ndcg
from postlens.recommend.popularity import PopularityRecommender
from postlens.recommend.rerank import top_k_columns
from postlens.recommend.social import SocialRecommender
from postlens.recommend.visual import VisualALSRecommender

DEFAULT_COMPONENTS = ("visual-als", "content", "popularity", "social")
WEIGHT_GRID = (0.0, 0.1, 0.25, 0.5)  # of each other component, the anchor's weight being 1
MIN_GAIN = 0.01  # relative validation NDCG gain a blend needs over the anchor alone
# The anchor's ALS hyperparameters searched on validation (12 fits; Cornac's BPR gets a grid
# of the same size in `postlens evaluate recommend`).
ALS_GRID = {"factors": (64, 128), "regularization": (5.0, 10.0, 20.0), "alpha": (0.5, 1.0)}
COLD_BOOSTS = (1.0, 2.0, 4.0)  # scales of the anchor's content-predicted cold-item factors
COLD_TOLERANCE = 0.005  # validation NDCG a larger cold boost may cost
MIN_TUNING_USERS = 50  # fewer validation users than this: keep the defaults
COMPONENTS: dict[str, type[Recommender]] = {cls.name: cls for cls in (
    PopularityRecommender, ALSRecommender, BPRRecommender, ContentRecommender,
    SocialRecommender, VisualALSRecommender)}


def standardise(scores: np.ndarray) -> np.ndarray:
    """Per-row z-scores. Component scores are finite, so plain mean and std suffice (the
    NaN-aware versions cost three times as much on the serving path)."""
    scores = np.asarray(scores, dtype=np.float32)
    if not np.isfinite(scores).all():
        scores = np.nan_to_num(scores, nan=0.0, posinf=0.0, neginf=0.0)
    mean = scores.mean(axis=1, keepdims=True)
    std = scores.std(axis=1, keepdims=True)
    return (scores - mean) / np.where(std > 1e-9, std, 1.0)


class HybridRecommender(Recommender):
    name = "hybrid"
    tunes_on_validation = True

    def __init__(self, components: Sequence[str] = DEFAULT_COMPONENTS,
                 weights: Sequence[float] | None = None, learn_weights: bool = True,
                 component_params: dict[str, dict[str, Any]] | None = None,
                 tune: bool = True) -> None:
        super().__init__(components=list(components),
                         weights=None if weights is None else [float(w) for w in weights],
                         learn_weights=learn_weights, component_params=component_params or {},
                         tune=tune)

    def _build(self, name: str) -> Recommender:
        if name not in COMPONENTS:
            raise ModelError(f"unknown hybrid component {name!r}; one of {', '.join(COMPONENTS)}")
        tuned = getattr(self, "tuned_params_", {}).get(name, {})
        return COMPONENTS[name](**{**self.params["component_params"].get(name, {}), **tuned})

    def fit(self, dataset: Dataset, validation: Dataset | None = None) -> Self:
        """With ``validation`` (and ``learn_weights``), tune the anchor and learn the blend on
        it, then fit the components on both together; without, use the given (or equal)
        weights."""
        self._learned: list[float] | None = None
        self.validation_ndcg_: dict[str, float] = {}
        self.tuned_params_: dict[str, dict[str, Any]] = {}
        self.head_penalties_: dict[float, float] = {}
        if (validation is not None and self.params["learn_weights"]
                and len(validation.interactions)):
            names = self._usable(dataset)
            self._learned = self._learn(names, dataset, validation)
            dataset = dataset.with_interactions(
                dataset.interactions.concat(validation.interactions))
        return super().fit(dataset)

    def _usable(self, dataset: Dataset) -> list[str]:
        names = list(self.params["components"])
        if dataset.features is None:
            names = [{"visual-als": "als"}.get(n, n) for n in names if n != "content"]
        if not dataset.follows and "social" in names:
            names.remove("social")
        return names

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        self.component_names_ = self._usable(dataset)
        weights = self._learned or self.params["weights"]
        if weights is None or len(weights) != len(self.component_names_):
            weights = [1.0] * len(self.component_names_)
        self.weights_ = np.asarray(weights, dtype=np.float32)
        self.components_ = [self._fit_component(name, dataset) for name in self.component_names_]

    def _fit_component(self, name: str, dataset: Dataset) -> Recommender:
        full = Dataset(dataset.interactions, dataset.features, dataset.follows, self.item_ids_)
        component = self._build(name).fit(full)
        # Share the hybrid's id space so rows and columns mean the same everywhere.
        if not np.array_equal(component.item_ids_, self.item_ids_):
            raise ModelError(f"hybrid component {name} does not share the hybrid's catalogue")
        return component

    def _learn(self, names: list[str], dataset: Dataset, validation: Dataset) -> list[float]:
        """Tune the anchor, then choose the other components' weights, on validation."""
        catalogue = np.union1d(dataset.catalogue(), validation.catalogue())
        train = Dataset(dataset.interactions, dataset.features, dataset.follows, catalogue)
        held_out = validation.interactions
        positives = held_out.subset(held_out.weights > 0)
        users = np.unique(positives.user_ids)
        users = users[np.isin(users, dataset.interactions.user_ids)]
        if len(users) == 0:
            return [1.0] + [0.0] * (len(names) - 1)
        relevant = [set(positives.item_ids[positives.user_ids == u].tolist()) for u in users]
        anchor = self._tune_anchor(names[0], train, users, relevant, catalogue)
        fitted = [anchor] + [self._build(name).fit(train) for name in names[1:]]
        rows = anchor.user_rows(users)
        seen = anchor.seen_[rows].nonzero()
        raw = anchor._scores(rows)
        cold = getattr(anchor, "cold_items_", np.zeros(raw.shape[1], dtype=bool))
        stacked = np.stack([raw] + [standardise(c._scores(rows)) for c in fitted[1:]])
        stacked[1:, :, cold] = 0.0  # see _parts
        results: dict[tuple[float, ...], float] = {}
        boosts = COLD_BOOSTS if cold.any() else (1.0,)
        for boost in boosts:
            stacked[0] = _anchor_part(raw, cold, boost)
            for others in itertools.product(WEIGHT_GRID, repeat=len(fitted) - 1):
                combo = (1.0, *others)
                total = np.tensordot(np.asarray(combo, np.float32), stacked, axes=1)
                results[(boost, *combo)] = _ndcg(total, seen, catalogue, relevant)
        alone = (1.0, 1.0) + (0.0,) * (len(fitted) - 1)
        top = max(results.values())
        # The largest cold boost whose best blend is within COLD_TOLERANCE of the best: new
        # items reach people whenever that costs (almost) nothing.
        best = max((c for c in results if results[c] >= top * (1 - COLD_TOLERANCE)),
                   key=lambda c: (c[0], results[c], -sum(c[2:])))
        if results[best] < results[alone] * (1 + MIN_GAIN):
            best = alone
        self.validation_ndcg_ = {"anchor": results[alone], "hybrid": results[best]}
        if len(users) >= MIN_TUNING_USERS:  # how to keep the most-liked items to a budget
            stacked[0] = _anchor_part(raw, cold, best[0])
            total = np.tensordot(np.asarray(best[1:], np.float32), stacked, axes=1)
            total[seen] = -np.inf
            self.head_penalties_ = learn_head_penalties(total, anchor.head_mask(), catalogue,
                                                        relevant)
        if names[0] == "visual-als":
            self.tuned_params_[names[0]] = {**self.tuned_params_.get(names[0], {}),
                                            "cold_boost": best[0]}
        return list(best[1:])

    def _tune_anchor(self, name: str, train: Dataset, users: np.ndarray,
                     relevant: list[set[int]], catalogue: np.ndarray) -> Recommender:
        """The anchor fitted with the ALS hyperparameters that score best on validation
        (kept as its parameters for the final fit); the defaults with few users."""
        given = self.params["component_params"].get(name, {})
        if (not self.params["tune"] or name not in ("als", "visual-als") or given
                or len(users) < MIN_TUNING_USERS):
            return self._build(name).fit(train)
        best, best_model, best_params = -1.0, None, {}
        for values in itertools.product(*ALS_GRID.values()):
            params = dict(zip(ALS_GRID, values, strict=True))
            model = COMPONENTS[name](**params).fit(train)
            rows = model.user_rows(users)
            score = _ndcg(model._scores(rows), model.seen_[rows].nonzero(), catalogue, relevant)
            if score > best:
                best, best_model, best_params = score, model, params
        self.tuned_params_[name] = best_params
        assert best_model is not None
        return best_model

    def _parts(self, user_rows: np.ndarray) -> np.ndarray:
        """(components, users, items) standardised scores. On items nobody has interacted
        with, only the anchor speaks: its content-predicted factors already carry what the
        picture and text say, and the other components know nothing there (popularity
        would only push new items down, raw picture similarity adds noise)."""
        parts = np.stack([standardise(c._scores(user_rows)) for c in self.components_])
        cold = getattr(self.components_[0], "cold_items_", None)
        if cold is not None and cold.any():
            parts[1:, :, cold] = 0.0
        return parts

    def _scores(self, user_rows: np.ndarray) -> np.ndarray:
        parts = self._parts(user_rows)
        # Kept for _explain, which runs right after on the same rows: the component that
        # contributed most to an item's score explains it.
        self._last_parts = {int(r): parts[:, i] for i, r in enumerate(user_rows)}
        return np.tensordot(self.weights_, parts, axes=1)

    def _explain(self, user_row: int, item_col: int) -> str:
        parts = self._last_parts.get(user_row)
        if parts is None:
            parts = self._parts(np.array([user_row]))[:, 0]
        contributions = self.weights_ * parts[:, item_col]
        cold = getattr(self.components_[0], "cold_items_", None)
        best = 0 if cold is not None and cold[item_col] else int(np.argmax(contributions))
        return self.components_[best]._explain(user_row, item_col)

    def _item_vectors(self) -> np.ndarray | None:
        """Pictures' embeddings when there is a content component, else learned factors:
        diversity spreads a feed over what looks different."""
        for preferred in ("content", "visual-als", "als", "bpr"):
            if preferred in self.component_names_:
                return self.components_[self.component_names_.index(preferred)]._item_vectors()
        return None

    def similar_items(self, item_ids: Ids, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Delegated to the content component (pictures), else the collaborative one."""
        self._check_fitted()
        for preferred in ("content", "als", "bpr"):
            if preferred in self.component_names_:
                return self.components_[self.component_names_.index(preferred)].similar_items(
                    item_ids, n)
        return super().similar_items(item_ids, n)

    def update_user(self, user_id: int, item_ids: Sequence[int], weights: Sequence[float],
                    *, mark_seen: bool = True) -> None:
        for component in self.components_:
            component.update_user(user_id, item_ids, weights, mark_seen=mark_seen)
        super().update_user(user_id, item_ids, weights, mark_seen=mark_seen)

    def _state(self) -> dict[str, np.ndarray]:
        state = {"weights_": self.weights_, "names_": np.array(self.component_names_),
                 "head_penalties_": np.array(sorted(self.head_penalties_.items()),
                                             dtype=np.float64).reshape(-1, 2)}
        for i, component in enumerate(self.components_):
            state.update({f"c{i}_{k}": v for k, v in component._state().items()})
        return state

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        self.weights_ = state["weights_"]
        self.component_names_ = [str(n) for n in state["names_"]]
        self.head_penalties_ = {round(float(b), 2): float(p)
                                for b, p in state.get("head_penalties_", np.zeros((0, 2)))}
        self.components_ = []
        for i, name in enumerate(self.component_names_):
            component = self._build(name)
            # Copies: components fold feedback into their own state independently.
            for attribute in ("user_ids_", "item_ids_", "user_items_", "seen_", "titles_",
                              "last_time_",
                              "item_times_", "_item_pos", "_user_pos"):
                setattr(component, attribute, copy.copy(getattr(self, attribute)))
            prefix = f"c{i}_"
            component._restore({k[len(prefix):]: v for k, v in state.items()
                                if k.startswith(prefix)})
            self.components_.append(component)


def _anchor_part(raw: np.ndarray, cold: np.ndarray, boost: float) -> np.ndarray:
    """The anchor's standardised scores with its cold items' scores multiplied by ``boost``."""
    boosted = raw.copy()
    boosted[:, cold] *= boost
    return standardise(boosted)


def _ndcg(scores: np.ndarray, seen: tuple[np.ndarray, np.ndarray], catalogue: np.ndarray,
          relevant: list[set[int]]) -> float:
    """Mean NDCG@10 of the rows of ``scores`` (seen items masked) against ``relevant``."""
    scores = np.array(scores, dtype=np.float32)
    scores[seen] = -np.inf
    return mean_ndcg(top_k_columns(scores, min(10, scores.shape[1])), catalogue, relevant, 10)
