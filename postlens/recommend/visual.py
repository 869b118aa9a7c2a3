"""Visual collaborative filtering for cold start: picture embeddings mapped to ALS factors.

ALS learns item factors from interactions. A ridge regression learns to predict those factors
from the pictures' embeddings (the CB2CF idea; VBPR learns a similar visual projection inside
BPR). Items with few interactions take a blend of learned and predicted factors weighted by
their interaction count, so a brand-new picture is scored like the items it resembles in
taste space, not merely in pixels.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import Ridge

from postlens.errors import InvalidInput
from postlens.recommend.collaborative import ALSRecommender
from postlens.recommend.data import Dataset


class VisualALSRecommender(ALSRecommender):
    name = "visual-als"

    def __init__(self, factors: int = 64, regularization: float = 10.0, iterations: int = 15,
                 alpha: float = 0.5, seed: int = 0, ridge: float = 10.0,
                 trust_interactions: float = 5.0) -> None:
        super().__init__(factors=factors, regularization=regularization,
                         iterations=iterations, alpha=alpha, seed=seed)
        self.params.update(ridge=ridge, trust_interactions=trust_interactions)

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        if dataset.features is None:
            raise InvalidInput("the visual-als recommender needs picture embeddings")
        super()._fit(dataset, rows, cols)
        embeddings = np.zeros((len(self.item_ids_), dataset.features.vectors.shape[1]),
                              np.float32)
        has_vector = np.zeros(len(self.item_ids_), dtype=bool)
        known = np.searchsorted(self.item_ids_, dataset.features.item_ids)
        embeddings[known], has_vector[known] = dataset.features.vectors, True
        counts = np.asarray((self.user_items_ > 0).sum(axis=0)).ravel().astype(np.float32)
        train = has_vector & (counts >= self.params["trust_interactions"])
        if train.sum() < 10:
            return
        ridge = Ridge(alpha=self.params["ridge"]).fit(embeddings[train], self.item_factors_[train])
        predicted = ridge.predict(embeddings).astype(np.float32)
        trust = (counts / (counts + self.params["trust_interactions"]))[:, None]
        blended = trust * self.item_factors_ + (1 - trust) * predicted
        # Ridge shrinks predictions towards the mean; items nobody interacted with get the
        # learned factors' typical scale so that they can compete in a ranking at all.
        learned_norm = np.linalg.norm(self.item_factors_[train], axis=1).mean()
        predicted_norm = np.linalg.norm(predicted[train], axis=1).mean()
        unseen = counts == 0
        blended[unseen] = predicted[unseen] * (learned_norm / max(predicted_norm, 1e-9))
        self.item_factors_ = np.where(has_vector[:, None], blended, self.item_factors_)
