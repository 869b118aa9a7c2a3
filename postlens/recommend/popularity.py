"""Trending: positive engagement summed with an exponential time decay."""

from __future__ import annotations

import numpy as np

from postlens.numeric import DAY
from postlens.recommend.base import Recommender
from postlens.recommend.data import Dataset


class PopularityRecommender(Recommender):
    """score(item) = sum of positive weights * 0.5 ** (age / half_life_days); with
    ``half_life_days=None``, the number of positive interactions (a plain count)."""

    name = "popularity"

    def __init__(self, half_life_days: float | None = 30.0) -> None:
        super().__init__(half_life_days=half_life_days)
        self.half_life_days = half_life_days

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        interactions = dataset.interactions
        if self.half_life_days is None:
            positive = (interactions.weights > 0).astype(np.float64)
        else:
            age_days = (self.last_time_ - interactions.times) / DAY
            decay = 0.5 ** (age_days / self.half_life_days)
            positive = np.clip(interactions.weights, 0, None) * decay
        self.popularity_ = np.bincount(cols, weights=positive,
                                       minlength=len(self.item_ids_)).astype(np.float32)

    def _scores(self, user_rows: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.popularity_, (len(user_rows), len(self.popularity_)))

    def _explain(self, user_row: int, item_col: int) -> str:
        return "trending now"

    def _state(self) -> dict[str, np.ndarray]:
        return {"popularity_": self.popularity_}

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        self.popularity_ = state["popularity_"]
