"""ALS fitted on Spark, saved in the format ``postlens serve`` loads.

:class:`SparkALSRecommender` is :class:`~postlens.recommend.collaborative.ALSRecommender`
whose factorisation runs on Spark. It saves under the name ``als``, so a model trained on a
cluster is loaded, folded into and served exactly like one trained locally. Two solvers:

* ``flat`` (default): the local model's own objective, implicit feedback with one flat ridge
  as ``implicit`` fits it, its half-steps run in the executors (:mod:`postlens.batch.flat_als`).
  Same parameters as the local ``als``; the saved model is indistinguishable from one.
* ``mllib``: Spark MLlib's ``pyspark.ml.recommendation.ALS`` (implicit feedback, confidence
  ``1 + alpha * weight``). MLlib scales ``regParam`` by each user's and each item's number of
  ratings (ALS-WR, Zhou et al. 2008), so its numbers differ: :data:`SPARK_REGULARIZATION` and
  :data:`SPARK_ALPHA` were chosen on a validation split of MovieLens' training part
  (docs/evaluation.md, "Spark ALS"), where it stayed 10% below the flat ridge.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from postlens.batch.flat_als import fit_flat_als
from postlens.errors import InvalidInput
from postlens.recommend.collaborative import ALSRecommender
from postlens.recommend.data import Dataset

SPARK_REGULARIZATION = 0.3  # MLlib's per-rating regParam
SPARK_ALPHA = 1.0
SOLVERS = ("flat", "mllib")


class SparkALSRecommender(ALSRecommender):
    """ALS whose fit runs on Spark; everything else (scoring, fold-in, saving) is ALS's.
    ``regularization`` and ``alpha`` default to the solver's own (the local ``als``'s for
    ``flat``); with ``mllib`` fold-in scales its ridge per user as MLlib does."""

    def __init__(self, factors: int = 64, regularization: float | None = None,
                 iterations: int = 15, alpha: float | None = None, seed: int = 0, *,
                 spark: Any = None, solver: str = "flat") -> None:
        if solver not in SOLVERS:
            raise InvalidInput(f"unknown ALS solver {solver!r}; one of: {', '.join(SOLVERS)}")
        local = ALSRecommender()
        if regularization is None:
            regularization = local.regularization if solver == "flat" else SPARK_REGULARIZATION
        if alpha is None:
            alpha = local.alpha if solver == "flat" else SPARK_ALPHA
        super().__init__(factors=factors, regularization=regularization,
                         iterations=iterations, alpha=alpha, seed=seed,
                         weighted_regularization=solver == "mllib")
        if spark is None:
            raise InvalidInput("SparkALSRecommender needs a Spark session")
        self.spark, self.solver = spark, solver

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        positives = self.user_items_.multiply(self.user_items_ > 0).tocoo()
        p = self.params
        if self.solver == "flat":
            self.user_factors_, self.item_factors_ = fit_flat_als(
                self.spark, positives.row, positives.col,
                positives.data.astype(np.float32) * p["alpha"], self.user_items_.shape,
                factors=p["factors"], regularization=p["regularization"],
                iterations=p["iterations"], seed=p["seed"])
            return
        self._fit_mllib(positives)

    def _fit_mllib(self, positives: Any) -> None:
        from pyspark.ml.recommendation import ALS

        data = [(int(r), int(c), float(w))
                for r, c, w in zip(positives.row, positives.col, positives.data, strict=True)]
        frame = self.spark.createDataFrame(data, "user int, item int, weight float")
        p = self.params
        als = ALS(rank=p["factors"], maxIter=p["iterations"], regParam=p["regularization"],
                  alpha=p["alpha"], implicitPrefs=True, userCol="user", itemCol="item",
                  ratingCol="weight", seed=p["seed"], coldStartStrategy="drop",
                  intermediateStorageLevel="MEMORY_ONLY", finalStorageLevel="MEMORY_ONLY")
        fitted = als.fit(frame.repartition(self.spark.sparkContext.defaultParallelism))
        self.user_factors_ = _factors(fitted.userFactors, self.user_items_.shape[0],
                                      p["factors"])
        self.item_factors_ = _factors(fitted.itemFactors, self.user_items_.shape[1],
                                      p["factors"])


def _factors(frame: Any, n: int, rank: int) -> np.ndarray:
    """Spark's (id, features) rows as an (n, rank) matrix; ids without a row stay zero."""
    out = np.zeros((n, rank), dtype=np.float32)
    for row in frame.toLocalIterator():
        out[int(row["id"])] = np.asarray(row["features"], dtype=np.float32)
    return out
