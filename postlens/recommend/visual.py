"""Collaborative filtering that reaches cold items: content mapped into the ALS factor space.

ALS learns item factors from interactions. A ridge regression learns to predict those factors
from what is known about an item before anyone interacts with it: its picture's embedding and,
when there is one, the text embedding of its caption, hashtags and genres (the CB2CF idea of
Barkan et al., 2019; VBPR learns a similar projection inside BPR). Items with interactions keep
their learned factors, so on warm items this model ranks exactly as ALS; items nobody has
interacted with get the predicted factors. Ridge predictions are the expected factors given
the content, so a cold item's score is its expected score; ``cold_boost`` scales them (the
hybrid chooses it on validation: a ranking rewards items whose score could be high, and an
expectation shrunk towards the mean rarely reaches a top 10).

On MovieLens the text (title and genres) carries far more taste than the poster's pixels
(docs/evaluation.md), which is why both go in.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import Ridge

from postlens.errors import InvalidInput
from postlens.numeric import l2_normalise
from postlens.recommend.collaborative import ALSRecommender
from postlens.recommend.data import Dataset, ItemFeatures


def content_matrix(features: ItemFeatures, item_ids: np.ndarray, text_weight: float = 1.0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(one content row per item of ``item_ids``, whether the item has content): the unit
    picture embedding beside ``text_weight`` times the unit text embedding (zeros without)."""
    width = features.vectors.shape[1] + (0 if features.text_vectors is None
                                         else features.text_vectors.shape[1])
    rows = np.zeros((len(item_ids), width), np.float32)
    has = np.zeros(len(item_ids), dtype=bool)
    found = np.isin(features.item_ids, item_ids)
    at = np.searchsorted(item_ids, features.item_ids[found])
    parts = [l2_normalise(np.asarray(features.vectors[found], np.float32))]
    if features.text_vectors is not None:
        parts.append(text_weight * l2_normalise(np.asarray(features.text_vectors[found],
                                                           np.float32)))
    rows[at], has[at] = np.hstack(parts), True
    return rows, has


class VisualALSRecommender(ALSRecommender):
    name = "visual-als"

    def __init__(self, factors: int = 64, regularization: float = 10.0, iterations: int = 15,
                 alpha: float = 0.5, seed: int = 0, ridge: float = 100.0,
                 text_weight: float = 1.0, cold_boost: float = 1.0) -> None:
        super().__init__(factors=factors, regularization=regularization,
                         iterations=iterations, alpha=alpha, seed=seed)
        self.params.update(ridge=ridge, text_weight=text_weight, cold_boost=cold_boost)

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        if dataset.features is None:
            raise InvalidInput("the visual-als recommender needs picture embeddings")
        super()._fit(dataset, rows, cols)
        content, has = content_matrix(dataset.features, self.item_ids_,
                                      self.params["text_weight"])
        counts = np.asarray((self.user_items_ > 0).sum(axis=0)).ravel()
        warm, cold = has & (counts > 0), has & (counts == 0)
        self.cold_items_ = cold
        if warm.sum() < 10 or not cold.any():
            return
        ridge = Ridge(alpha=self.params["ridge"]).fit(content[warm], self.item_factors_[warm])
        predicted = ridge.predict(content[cold]).astype(np.float32)
        self.item_factors_[cold] = self.params["cold_boost"] * predicted

    def _explain(self, user_row: int, item_col: int) -> str:
        if getattr(self, "cold_items_", None) is not None and self.cold_items_[item_col]:
            return "new: its picture and caption match what you like"
        return super()._explain(user_row, item_col)

    def _state(self) -> dict[str, np.ndarray]:
        return {**super()._state(), "cold_items_": getattr(
            self, "cold_items_", np.zeros(len(self.item_ids_), dtype=bool))}

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        super()._restore(state)
        self.cold_items_ = state.get("cold_items_", np.zeros(len(self.item_ids_), dtype=bool))
