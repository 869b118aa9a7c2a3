"""`postlens batch train`: ALS fitted on Spark (the local objective or MLlib's) and saved as
the `als` recommender the server loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.sparse as sp
from implicit.cpu.als import AlternatingLeastSquares

from postlens.batch.als import SparkALSRecommender
from postlens.batch.flat_als import fit_flat_als
from postlens.batch.train import train_als
from postlens.config import Settings
from postlens.errors import InvalidInput
from postlens.recommend.collaborative import ALSRecommender
from postlens.recommend.registry import load_recommender
from postlens.recommend.training import model_path

pytestmark = pytest.mark.slow


def two_tastes(path: Path) -> None:
    """30 users: the first half like posts 1-10, the others posts 11-20 (each 6 of 10)."""
    rng = np.random.default_rng(0)
    rows = []
    for user in range(1, 31):
        pool = np.arange(1, 11) if user <= 15 else np.arange(11, 21)
        rows += [(user, int(post)) for post in rng.choice(pool, 6, replace=False)]
    users, posts = zip(*rows, strict=True)
    pq.write_table(pa.table({"id": np.arange(1, len(rows) + 1), "user_id": users,
                             "post_id": posts, "weight": np.ones(len(rows), np.float32)}),
                   path)


# Weights of 1 at the flat default alpha (0.5, for MovieLens' rating - 2.5) would be liked
# less confidently than unseen posts are disliked; the local model needs alpha 2 here too.
@pytest.mark.parametrize(("solver", "ridge"), [("flat", {"alpha": 2.0}),
                                               ("mllib", {})])
def test_spark_als_is_saved_for_serving_and_learns_the_tastes(
        spark: Any, tmp_path: Path, solver: str, ridge: dict[str, float]) -> None:
    settings = Settings(home=tmp_path / "home")
    two_tastes(tmp_path / "likes.parquet")
    model, seconds = train_als(spark, str(tmp_path / "likes.parquet"), settings, factors=4,
                               iterations=10, solver=solver, **ridge)
    assert seconds > 0 and model.watermark_ == 180  # the server folds in only newer likes
    served = load_recommender(model_path(settings, "als"))
    assert type(served) is ALSRecommender
    if solver == "flat":  # the local model's parameters: indistinguishable from one
        assert served.params == ALSRecommender(factors=4, iterations=10, **ridge).params
    else:
        assert served.params["weighted_regularization"]
    np.testing.assert_array_equal(served.item_factors_, model.item_factors_)
    ids, _, _ = served.recommend(1, n=4)
    assert set(ids.tolist()) <= set(range(1, 11))  # the first group's posts, not yet seen
    ids, _, _ = served.recommend(30, n=4)
    assert set(ids.tolist()) <= set(range(11, 21))
    # Fold-in (the server's way of taking a like) uses the fit's ridge (per rating for MLlib).
    served.update_user(99, [11, 12, 13, 14], [1.0] * 4)
    assert set(served.recommend(99, n=3)[0].tolist()) <= set(range(15, 21))


def test_an_interaction_file_without_its_columns_is_refused(spark: Any,
                                                            tmp_path: Path) -> None:
    pq.write_table(pa.table({"user": [1], "post_id": [2]}), tmp_path / "bad.parquet")
    with pytest.raises(InvalidInput, match="lacks the column"):
        train_als(spark, str(tmp_path / "bad.parquet"), Settings(home=tmp_path))
    (tmp_path / "bad.csv").write_text("user_id,post_id,weight\n1,2,x\n")
    with pytest.raises(InvalidInput, match="1 row"):
        train_als(spark, str(tmp_path / "bad.csv"), Settings(home=tmp_path))


def test_the_flat_solver_is_implicits_alternating_least_squares(spark: Any) -> None:
    """From the same start, the Spark half-steps give implicit's exact ALS factors."""
    ratings = sp.random(120, 80, density=0.08, random_state=1, format="csr", dtype=np.float32)
    ratings.data = ratings.data * 2.5 + 0.5
    entries = ratings.tocoo()
    users, items = fit_flat_als(spark, entries.row, entries.col, entries.data * 0.5,
                                ratings.shape, factors=6, regularization=1.0, iterations=4,
                                seed=3)
    reference = AlternatingLeastSquares(factors=6, regularization=1.0, iterations=4,
                                        use_cg=False, random_state=0)
    reference.user_factors = np.zeros((120, 6), np.float32)
    reference.item_factors = (np.random.default_rng(3).random((80, 6)) * 0.01
                              ).astype(np.float32)
    reference.fit(ratings * 0.5, show_progress=False)
    assert np.abs(items).max() > 0.01  # learnt, not the start
    np.testing.assert_allclose(users, reference.user_factors, atol=1e-5)
    np.testing.assert_allclose(items, reference.item_factors, atol=1e-5)


def test_an_unknown_solver_is_refused(spark: Any) -> None:
    with pytest.raises(InvalidInput, match="unknown ALS solver 'sgd'"):
        SparkALSRecommender(spark=spark, solver="sgd")
