"""Collaborative filtering with the ``implicit`` library: ALS and BPR matrix factorisation.

Negative weights (dislikes, low ratings) are left out of the factorisation and only filter.
New feedback is folded in with the closed-form ALS user step over the fixed item factors,
so a user's next recommendation reflects it without retraining.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares
from implicit.cpu.bpr import BayesianPersonalizedRanking
from threadpoolctl import threadpool_limits

from postlens.errors import InvalidInput
from postlens.recommend.base import Recommender
from postlens.recommend.data import Dataset


def normal_equations(ridged_gram: np.ndarray, y: np.ndarray, confidence: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """A and b of one user's ALS step, A x = b (Hu, Koren & Volinsky 2008): ``ridged_gram``
    is Y^T Y + reg I over all items, ``y`` the factors of the user's items and ``confidence``
    theirs: A = Y^T Y + sum (c - 1) y y^T + reg I, b = sum c y. Items' steps are the same with
    the roles swapped; fold-in and the Spark solver both solve it."""
    return ridged_gram + (y.T * (confidence - 1.0)) @ y, confidence @ y


class MatrixFactorization(Recommender):
    """Shared scoring, explanation, fold-in and persistence of user and item factors."""

    regularization: float = 0.05
    alpha: float = 1.0

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        positives = self.user_items_.multiply(self.user_items_ > 0).tocsr().astype(np.float32)
        # implicit parallelises itself; a second BLAS thread pool underneath only thrashes.
        with threadpool_limits(1, "blas"):
            model = self._model()
            model.fit(positives * self.alpha, show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float32)

    def _model(self) -> Any:
        raise NotImplementedError

    def _scores(self, user_rows: np.ndarray) -> np.ndarray:
        return self.user_factors_[user_rows] @ self.item_factors_.T

    def _item_vectors(self) -> np.ndarray:
        return self.item_factors_

    def _explain(self, user_row: int, item_col: int) -> str:
        liked = self.user_items_[user_row]
        cols = liked.indices[liked.data > 0]
        if len(cols) == 0:
            return "popular with people like you"
        item = self.item_factors_[item_col]
        norms = np.linalg.norm(self.item_factors_[cols], axis=1) * np.linalg.norm(item) + 1e-9
        best = cols[int(np.argmax(self.item_factors_[cols] @ item / norms))]
        return f"people who liked {self.title(int(best))} also liked this"

    def _refresh_user(self, user_row: int) -> None:
        self.user_factors_[user_row] = self.fold_in(self.user_items_[user_row])

    # The confidence of a positive is offset + alpha * weight: 1 + alpha * w in Hu, Koren &
    # Volinsky (2008) and Spark MLlib; implicit reads its input as the confidence itself (0).
    confidence_offset: float = 1.0

    def fold_in(self, row: sp.csr_matrix) -> np.ndarray:
        """Solve (Y^T C Y + reg I) x = Y^T C p for one user (Hu, Koren & Volinsky, 2008),
        the user step of the fit, so a folded-in user gets the factors training would give."""
        cols = row.indices[row.data > 0]
        factors = self.item_factors_
        if len(cols) == 0:
            return np.zeros(factors.shape[1], dtype=np.float32)
        confidence = self.confidence_offset + row.data[row.data > 0] * self.alpha
        ridged = (factors.T.astype(np.float64) @ factors
                  + self.regularization * np.eye(factors.shape[1]))
        a, b = normal_equations(ridged, factors[cols].astype(np.float64), confidence)
        return np.linalg.solve(a, b).astype(np.float32)

    def _grow_users(self) -> None:
        self.user_factors_ = np.vstack([self.user_factors_,
                                        np.zeros((1, self.user_factors_.shape[1]), np.float32)])

    def _state(self) -> dict[str, np.ndarray]:
        return {"user_factors_": self.user_factors_, "item_factors_": self.item_factors_}

    def _restore(self, state: dict[str, np.ndarray]) -> None:
        self.user_factors_ = state["user_factors_"]
        self.item_factors_ = state["item_factors_"]


class ALSRecommender(MatrixFactorization):
    name = "als"

    # Defaults chosen on a validation split of MovieLens' training part (docs/evaluation.md).
    def __init__(self, factors: int = 64, regularization: float = 10.0, iterations: int = 15,
                 alpha: float = 0.5, seed: int = 0, weighted_regularization: bool = False
                 ) -> None:
        """``weighted_regularization``: the ridge grows with the user's number of positives
        (ALS-WR, as Spark MLlib fits; see ``postlens.batch.als``)."""
        super().__init__(factors=factors, regularization=regularization, iterations=iterations,
                         alpha=alpha, seed=seed)
        if weighted_regularization:  # saved only when set: subclasses do not take it
            self.params["weighted_regularization"] = True
        self.regularization, self.alpha = regularization, alpha
        # implicit (and the flat solver on Spark) take alpha * weight as the confidence; MLlib
        # (weighted_regularization) takes 1 + alpha * weight.
        self.confidence_offset = 1.0 if weighted_regularization else 0.0

    def fold_in(self, row: sp.csr_matrix) -> np.ndarray:
        if not self.params.get("weighted_regularization"):
            return super().fold_in(row)
        saved = self.regularization
        self.regularization = saved * max(1, int((row.data > 0).sum()))
        try:
            return super().fold_in(row)
        finally:
            self.regularization = saved

    def _model(self) -> Any:
        p = self.params
        if p.get("weighted_regularization"):
            raise InvalidInput("weighted regularisation is Spark MLlib's ALS-WR: fit it with "
                               "`postlens batch train`")
        return AlternatingLeastSquares(factors=p["factors"], regularization=p["regularization"],
                                       iterations=p["iterations"], random_state=p["seed"])


class BPRRecommender(MatrixFactorization):
    name = "bpr"

    def __init__(self, factors: int = 64, learning_rate: float = 0.01,
                 regularization: float = 0.1, iterations: int = 200, seed: int = 0) -> None:
        super().__init__(factors=factors, learning_rate=learning_rate,
                         regularization=regularization, iterations=iterations, seed=seed)
        self.regularization, self.alpha = regularization, 1.0

    def _model(self) -> Any:
        p = self.params
        return BayesianPersonalizedRanking(
            factors=p["factors"], learning_rate=p["learning_rate"],
            regularization=p["regularization"], iterations=p["iterations"],
            random_state=p["seed"])
