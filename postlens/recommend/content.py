"""Content-based: a taste vector from the pictures a user engaged with, matched by embedding.

The taste is the recency- and weight-averaged embedding of the user's positive interactions
minus a fraction of their dislikes, compared by cosine in a reduced vector index. A new
picture with no interactions is recommendable as soon as it has an embedding.
"""

from __future__ import annotations

import numpy as np

from postlens.errors import InvalidInput
from postlens.numeric import DAY, l2_normalise
from postlens.recommend.base import Ids, Recommender, as_id_list
from postlens.recommend.data import Dataset
from postlens.recommend.index import VectorIndex


class ContentRecommender(Recommender):
    name = "content"

    def __init__(self, dim: int = 128, half_life_days: float = 365.0,
                 dislike_weight: float = 0.3) -> None:
        super().__init__(dim=dim, half_life_days=half_life_days, dislike_weight=dislike_weight)

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        if dataset.features is None:
            raise InvalidInput("the content recommender needs picture embeddings")
        vectors = np.zeros((len(self.item_ids_), dataset.features.vectors.shape[1]), np.float32)
        known = np.searchsorted(self.item_ids_, dataset.features.item_ids)
        vectors[known] = dataset.features.vectors
        self.has_vector_ = np.zeros(len(self.item_ids_), dtype=bool)
        self.has_vector_[known] = True
        self.index_ = VectorIndex(self.params["dim"]).fit(vectors[self.has_vector_])
        reduced = np.zeros((len(self.item_ids_), self.index_.out_dim), np.float16)
        reduced[self.has_vector_] = self.index_.vectors_
        self.index_.set_vectors(reduced)
        age = (self.last_time_ - dataset.interactions.times) / DAY
        decay = (0.5 ** (age / self.params["half_life_days"])).astype(np.float32)
        self._recency = {(int(r), int(c)): float(d) for r, c, d in zip(rows, cols, decay,
                                                                        strict=True)}
        self.tastes_ = np.stack([self._taste(row) for row in range(len(self.user_ids_))]) \
            if len(self.user_ids_) else np.zeros((0, self.index_.out_dim), np.float32)

    def _taste(self, row: int) -> np.ndarray:
        items = self.user_items_[row]
        weights = items.data.copy()
        weights[weights < 0] *= self.params["dislike_weight"]
        weights *= np.array([self._recency.get((row, int(c)), 1.0) for c in items.indices],
                            dtype=np.float32)
        if len(weights) == 0 or not np.any(weights > 0):
            return np.zeros(self.index_.out_dim, np.float32)
        reduced = self.index_.vectors_[items.indices].astype(np.float32)
        return l2_normalise(weights @ reduced)

    def taste_for_vectors(self, embeddings: np.ndarray) -> np.ndarray:
        """A taste from raw embeddings (uploads, stated interests) for cold-start users."""
        return l2_normalise(self.index_.transform(np.atleast_2d(embeddings)).mean(axis=0))

    def _scores(self, user_rows: np.ndarray) -> np.ndarray:
        scores = self.index_.scores(self.tastes_[user_rows])
        scores[:, ~self.has_vector_] = -1.0
        return scores

    def _explain(self, user_row: int, item_col: int) -> str:
        items = self.user_items_[user_row]
        liked = items.indices[items.data > 0]
        if len(liked) == 0:
            return "matches the pictures you posted"
        vectors = self.index_.vectors_[liked].astype(np.float32)
        best = liked[int(np.argmax(vectors @ self.index_.vectors_[item_col].astype(np.float32)))]
        return f"looks like {self.title(int(best))}, which you liked"

    def _item_vectors(self) -> np.ndarray:
        return self.index_.vectors_  # the pictures' embeddings, PCA-reduced

    def similar_items(self, item_ids: Ids, n: int = 10) -> tuple[np.ndarray, np.ndarray]:
        """Nearest pictures by embedding, searched in the FAISS index."""
        self._check_fitted()
        single, items = as_id_list(item_ids)
        cols = self.item_cols(items)
        queries = self.index_.vectors_[cols].astype(np.float32)
        scores, rows = self.index_._faiss.search(queries, min(n + 1, len(self.item_ids_)))
        keep = [[(r, s) for r, s in zip(rr, ss, strict=True) if r != c and r >= 0][:n]
                for rr, ss, c in zip(rows, scores, cols, strict=True)]
        ids = np.array([[self.item_ids_[r] for r, _ in row] for row in keep])
        sims = np.array([[s for _, s in row] for row in keep], dtype=np.float32)
        return (ids[0], sims[0]) if single else (ids, sims)

    def _refresh_user(self, user_row: int) -> None:
        self.tastes_[user_row] = self._taste(user_row)

    def _grow_users(self) -> None:
        self.tastes_ = np.vstack([self.tastes_, np.zeros((1, self.tastes_.shape[1]), np.float32)])

    def _state(self) -> dict[str, np.ndarray]:
        return {**{f"index_{k}": v for k, v in self.index_.state().items()},
                "has_vector_": self.has_vector_, "tastes_": self.tastes_}

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        self.index_ = VectorIndex.from_state({k[6:]: v for k, v in state.items()
                                              if k.startswith("index_")})
        self.has_vector_, self.tastes_ = state["has_vector_"], state["tastes_"]
        self._recency = {}


def content_part(model: Recommender) -> ContentRecommender | None:
    """The model itself if it is content-based, else its content component (the hybrid's),
    else None: the holder of the picture index that uploads are searched in."""
    return next((c for c in getattr(model, "components_", [model])
                 if isinstance(c, ContentRecommender)), None)
