"""Social: what the people a user follows engaged with recently."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from postlens.numeric import DAY
from postlens.recommend.base import Recommender
from postlens.recommend.data import Dataset


class SocialRecommender(Recommender):
    """score(u, i) = sum over followees f of f's positive weight on i, decayed by age."""

    name = "social"

    def __init__(self, half_life_days: float = 14.0) -> None:
        super().__init__(half_life_days=half_life_days)

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        age = (self.last_time_ - dataset.interactions.times) / DAY
        decayed = np.clip(dataset.interactions.weights, 0, None) * \
            0.5 ** (age / self.params["half_life_days"])
        shape = self.user_items_.shape
        self.recent_ = sp.csr_matrix((decayed.astype(np.float32), (rows, cols)), shape=shape)
        self.recent_.eliminate_zeros()
        follower_rows, followee_rows = [], []
        for follower, followees in dataset.follows.items():
            known = [self._user_pos[int(f)] for f in followees if int(f) in self._user_pos]
            follower_rows += [self._user_pos[int(follower)]] * len(known)
            followee_rows += known
        self.follows_ = sp.csr_matrix(
            (np.ones(len(follower_rows), np.float32), (follower_rows, followee_rows)),
            shape=(shape[0], shape[0]))

    def _scores(self, user_rows: np.ndarray) -> np.ndarray:
        return np.asarray((self.follows_[user_rows] @ self.recent_).todense())

    def _explain(self, user_row: int, item_col: int) -> str:
        followees = self.follows_[user_row].indices
        likers = int((self.recent_[followees, item_col] > 0).sum()) if len(followees) else 0
        if likers == 0:
            return "new from the people you follow"
        return f"liked by {likers} {'person' if likers == 1 else 'people'} you follow"

    def _grow_users(self) -> None:
        n = self.user_items_.shape[0]
        self.recent_ = sp.vstack([self.recent_, sp.csr_matrix((1, self.recent_.shape[1]))]).tocsr()
        follows = self.follows_.tocoo()
        self.follows_ = sp.csr_matrix((follows.data, (follows.row, follows.col)), shape=(n, n))

    def _state(self) -> dict[str, np.ndarray]:
        r, f = self.recent_, self.follows_
        return {"r_data": r.data, "r_indices": r.indices, "r_indptr": r.indptr,
                "f_data": f.data, "f_indices": f.indices, "f_indptr": f.indptr}

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        shape = self.user_items_.shape
        self.recent_ = sp.csr_matrix((state["r_data"], state["r_indices"], state["r_indptr"]),
                                     shape=shape)
        self.follows_ = sp.csr_matrix((state["f_data"], state["f_indices"], state["f_indptr"]),
                                      shape=(shape[0], shape[0]))
