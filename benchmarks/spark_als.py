"""ALS on Spark against implicit's ALS on MovieLens: same split, same factors, same run.

    python benchmarks/spark_als.py [--no-write]

All 100,836 MovieLens ratings (every rated movie, posters or not; weight = rating - 2.5, as
postlens reads ratings), the temporal split and a random split of `postlens evaluate
recommend`; 64 factors and 15 iterations for all. `postlens batch train`'s default solver
(flat: the local objective, its half-steps run by Spark) keeps the local `als` parameters;
Spark MLlib keeps its own regularisation and alpha, chosen on a validation split cut from
the training part (MLlib scales its ridge by each user's and item's number of ratings).
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import DATA, write_docs  # noqa: E402


def movielens() -> object:
    from postlens.recommend.data import RATING_CENTRE, Dataset, Interactions

    with (DATA / "movielens-posters" / "ratings.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    return Dataset(Interactions(
        np.array([int(r["userId"]) for r in rows]), np.array([int(r["movieId"]) for r in rows]),
        np.array([float(r["rating"]) - RATING_CENTRE for r in rows]),
        np.array([float(r["timestamp"]) for r in rows])))


def fit_seconds(spark: object, n: int) -> str:
    """Fit time of each ALS on n synthetic interactions (n/20 users, Zipf-popular items)."""
    import time

    from postlens.batch.als import SparkALSRecommender
    from postlens.recommend.collaborative import ALSRecommender
    from postlens.recommend.data import Dataset, Interactions

    rng = np.random.default_rng(0)
    users, items = rng.integers(0, n // 20, n), np.minimum(rng.zipf(1.3, n), n // 50)
    dataset = Dataset(Interactions(users, items, np.full(n, 2.0, np.float32),
                                   np.arange(n, dtype=np.float64)))
    models = {"implicit ALS (one process)": lambda: ALSRecommender(),
              "Spark ALS, flat ridge": lambda: SparkALSRecommender(spark=spark),
              "Spark MLlib ALS": lambda: SparkALSRecommender(spark=spark, solver="mllib")}
    rows = []
    for name, make in models.items():
        start = time.perf_counter()
        make().fit(dataset)
        rows.append(f"| {name} | {time.perf_counter() - start:.1f} |")
    shape = f"{n:,} interactions, {len(np.unique(users)):,} users, {len(np.unique(items)):,}"
    return "\n".join([f"**Fit time at scale** ({shape} items, 64 factors, 15 iterations, "
                      "same 2 cores)\n", "| model | fit s |", "|---|---|", *rows])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--scale", type=int, default=1_000_000,
                        help="synthetic interactions for the fit-time table (0: none)")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from postlens.batch.als import SPARK_ALPHA, SPARK_REGULARIZATION, SparkALSRecommender
    from postlens.batch.session import spark_session
    from postlens.evaluation.recommend import (
        Ranker,
        Trainer,
        comparisons,
        evaluate,
        make_split,
        markdown_table,
    )
    from postlens.evaluation.recommend_baselines import merged, postlens_trainer, ranker_of
    from postlens.recommend.data import Dataset

    spark = spark_session("local[2]", "postlens ALS benchmark")

    def on_spark(solver: str) -> Trainer:
        def train(fit_part: Dataset, validation: Dataset) -> Ranker:
            model = SparkALSRecommender(spark=spark, solver=solver)
            return ranker_of(model.fit(merged(fit_part, validation)))
        return train

    dataset = movielens()
    sections = []
    for protocol, seed in (("temporal", 0), ("random", 0)):
        split = make_split(dataset, protocol, seed)  # type: ignore[arg-type]
        results = evaluate(split, {"implicit ALS (postlens als)": postlens_trainer("als"),
                                   "Spark ALS, flat ridge (batch train default)":
                                   on_spark("flat"),
                                   "Spark MLlib ALS (--solver mllib)": on_spark("mllib")})
        lines = []
        for name in ("Spark ALS, flat ridge (batch train default)",
                     "Spark MLlib ALS (--solver mllib)"):
            ratio = comparisons(results, name)["implicit ALS (postlens als)"]["ndcg@10"]
            lines.append(f"{name} / implicit NDCG@10: {ratio[0]:.3f} [{ratio[1]:.3f}, "
                         f"{ratio[2]:.3f}] (paired bootstrap over test users, 95%).")
        sections.append(f"**{protocol} split (seed {seed})**\n\n{markdown_table(results)}\n\n"
                        + "\n".join(f"* {line}" for line in lines))
    if args.scale:
        sections.append(fit_seconds(spark, args.scale))
    spark.stop()
    text = "\n\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()} "
        f"({os.cpu_count()} cores), `python benchmarks/spark_als.py`. MovieLens, all 100,836 "
        f"ratings; 64 factors, 15 iterations; implicit and the flat Spark solver: "
        f"regularization 10, alpha 0.5; Spark MLlib (local[2]): regParam "
        f"{SPARK_REGULARIZATION}, alpha {SPARK_ALPHA} (chosen on validation). Fit seconds "
        "include Spark's job overhead, not its session start.",
        *sections, "Target: Spark ALS NDCG@10 within 5% of implicit ALS on the same split."])
    print(text)
    if not args.no_write:
        write_docs(text, "spark als benchmark", "ALS on Spark vs implicit ALS")


if __name__ == "__main__":
    main()
