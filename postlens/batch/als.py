"""ALS fitted by Spark MLlib, saved in the format ``postlens serve`` loads.

:class:`SparkALSRecommender` is :class:`~postlens.recommend.collaborative.ALSRecommender`
whose factorisation runs on Spark (``pyspark.ml.recommendation.ALS``, implicit feedback,
confidence ``1 + alpha * weight`` as in Hu, Koren & Volinsky 2008, the same as ``implicit``).
It saves under the name ``als``, so a model trained on a cluster is loaded, folded into
and served exactly like one trained locally.

One difference is in the regularisation: Spark scales ``regParam`` by each user's and each
item's number of ratings (ALS-WR, Zhou et al. 2008); ``implicit`` does not. The two are
therefore not the same number: :data:`SPARK_REGULARIZATION` and :data:`SPARK_ALPHA` were
chosen on a validation split
of MovieLens' training part (docs/evaluation.md, "Spark ALS").
"""

from __future__ import annotations

from typing import Any

import numpy as np

from postlens.errors import InvalidInput
from postlens.recommend.collaborative import ALSRecommender
from postlens.recommend.data import Dataset

SPARK_REGULARIZATION = 0.3
SPARK_ALPHA = 1.0


class SparkALSRecommender(ALSRecommender):
    """ALS whose fit runs on Spark; everything else (scoring, fold-in, saving) is ALS's,
    with the ridge of fold-in scaled per user as Spark's is."""

    def __init__(self, factors: int = 64, regularization: float = SPARK_REGULARIZATION,
                 iterations: int = 15, alpha: float = SPARK_ALPHA, seed: int = 0, *,
                 spark: Any = None) -> None:
        super().__init__(factors=factors, regularization=regularization,
                         iterations=iterations, alpha=alpha, seed=seed,
                         weighted_regularization=True)
        if spark is None:
            raise InvalidInput("SparkALSRecommender needs a Spark session")
        self.spark = spark

    def _fit(self, dataset: Dataset, rows: np.ndarray, cols: np.ndarray) -> None:
        from pyspark.ml.recommendation import ALS

        positives = self.user_items_.multiply(self.user_items_ > 0).tocoo()
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
