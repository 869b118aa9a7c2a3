"""Hybrid: a weighted sum of standardised component scores, weights learned on validation.

Each component's scores are standardised per user (z-scores over the catalogue) so that
ALS dot products, cosine similarities and decayed counts add up on one scale. Given
validation data by the caller (``fit(train, validation)``, as Cornac's ``fit(train_set,
val_set)``; ``postlens.recommend.training`` holds out the latest 10% of each user's
interactions), the weights are chosen by grid search to maximise NDCG@10 on it, then every
component is refitted on training and validation data together.
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
from postlens.recommend.metrics import ndcg_at_k
from postlens.recommend.popularity import PopularityRecommender
from postlens.recommend.social import SocialRecommender
from postlens.recommend.visual import VisualALSRecommender

DEFAULT_COMPONENTS = ("visual-als", "content", "popularity", "social")
WEIGHT_GRID = (0.0, 0.25, 0.5, 1.0, 2.0)
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
                 component_params: dict[str, dict[str, Any]] | None = None) -> None:
        super().__init__(components=list(components),
                         weights=None if weights is None else [float(w) for w in weights],
                         learn_weights=learn_weights, component_params=component_params or {})

    def _build(self, name: str) -> Recommender:
        if name not in COMPONENTS:
            raise ModelError(f"unknown hybrid component {name!r}; one of {', '.join(COMPONENTS)}")
        return COMPONENTS[name](**self.params["component_params"].get(name, {}))

    def fit(self, dataset: Dataset, validation: Dataset | None = None) -> Self:
        """With ``validation`` (and ``learn_weights``), learn the blend on it, then fit the
        components on both together; without, use the given (or equal) weights."""
        self._learned: list[float] | None = None
        self.validation_ndcg_: float | None = None
        if (validation is not None and self.params["learn_weights"]
                and len(validation.interactions)):
            names = self._usable(dataset)
            if len(names) > 1:
                self._learned = self._learn_weights(names, dataset, validation)
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

    def _learn_weights(self, names: list[str], dataset: Dataset, validation: Dataset
                       ) -> list[float]:
        catalogue = np.union1d(dataset.catalogue(), validation.catalogue())
        fitted = [self._build(name).fit(Dataset(dataset.interactions, dataset.features,
                                                dataset.follows, catalogue))
                  for name in names]
        held_out = validation.interactions
        positives = held_out.subset(held_out.weights > 0)
        users = np.unique(positives.user_ids)
        users = users[np.isin(users, fitted[0].user_ids_)]
        if len(users) == 0:
            return [1.0] * len(fitted)
        rows = fitted[0].user_rows(users)
        seen = fitted[0].user_items_[rows]
        stacked = np.stack([standardise(c._scores(rows)) for c in fitted])
        seen_rows, seen_cols = seen.nonzero()
        relevant = [set(positives.item_ids[positives.user_ids == u].tolist()) for u in users]
        best, best_weights = -1.0, [1.0] * len(fitted)
        for combo in itertools.product(WEIGHT_GRID, repeat=len(fitted)):
            if max(combo) != 1.0:  # scale-free: fix the largest weight at 1
                continue
            total = np.tensordot(np.asarray(combo, np.float32), stacked, axes=1)
            total[seen_rows, seen_cols] = -np.inf
            top = np.argsort(-total, axis=1)[:, :10]
            score = float(np.mean([ndcg_at_k(catalogue[t].tolist(), r, 10)
                                   for t, r in zip(top, relevant, strict=True)]))
            if score > best:
                best, best_weights = score, list(combo)
        self.validation_ndcg_ = best
        return best_weights

    def _scores(self, user_rows: np.ndarray) -> np.ndarray:
        parts = np.stack([standardise(c._scores(user_rows)) for c in self.components_])
        # Kept for _explain, which runs right after on the same rows: the component that
        # contributed most to an item's score explains it.
        self._last_parts = {int(r): parts[:, i] for i, r in enumerate(user_rows)}
        return np.tensordot(self.weights_, parts, axes=1)

    def _explain(self, user_row: int, item_col: int) -> str:
        parts = self._last_parts.get(user_row)
        if parts is None:
            parts = np.stack([standardise(c._scores(np.array([user_row])))[0]
                              for c in self.components_])
        contributions = self.weights_ * parts[:, item_col]
        best = int(np.argmax(contributions))
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

    def update_user(self, user_id: int, item_ids: Sequence[int], weights: Sequence[float]
                    ) -> None:
        for component in self.components_:
            component.update_user(user_id, item_ids, weights)
        super().update_user(user_id, item_ids, weights)

    def _state(self) -> dict[str, np.ndarray]:
        state = {"weights_": self.weights_, "names_": np.array(self.component_names_)}
        for i, component in enumerate(self.components_):
            state.update({f"c{i}_{k}": v for k, v in component._state().items()})
        return state

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        self.weights_ = state["weights_"]
        self.component_names_ = [str(n) for n in state["names_"]]
        self.components_ = []
        for i, name in enumerate(self.component_names_):
            component = self._build(name)
            # Copies: components fold feedback into their own state independently.
            for attribute in ("user_ids_", "item_ids_", "user_items_", "last_time_",
                              "item_times_", "_item_pos", "_user_pos"):
                setattr(component, attribute, copy.copy(getattr(self, attribute)))
            prefix = f"c{i}_"
            component._restore({k[len(prefix):]: v for k, v in state.items()
                                if k.startswith(prefix)})
            self.components_.append(component)
