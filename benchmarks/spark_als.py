"""Spark MLlib ALS against implicit's ALS on MovieLens: same split, same factors, same run.

    python benchmarks/spark_als.py [--no-write]

All 100,836 MovieLens ratings (every rated movie, posters or not; weight = rating - 2.5, as
postlens reads ratings), the temporal split and a random split of `postlens evaluate
recommend`; 64 factors and 15 iterations for both. Each keeps its own regularisation and
alpha, chosen on a validation split cut from the training part (Spark scales its ridge by
each user's and item's number of ratings; implicit does not, so the numbers differ).
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from postlens.batch.als import SPARK_ALPHA, SPARK_REGULARIZATION, SparkALSRecommender
    from postlens.batch.session import spark_session
    from postlens.evaluation.recommend import comparisons, evaluate, make_split, markdown_table
    from postlens.evaluation.recommend_baselines import merged, postlens_trainer, ranker_of

    spark = spark_session("local[2]", "postlens ALS benchmark")

    def spark_als(fit_part, validation):  # type: ignore[no-untyped-def]
        model = SparkALSRecommender(spark=spark).fit(merged(fit_part, validation))
        return ranker_of(model)

    dataset = movielens()
    sections = []
    for protocol, seed in (("temporal", 0), ("random", 0)):
        split = make_split(dataset, protocol, seed)  # type: ignore[arg-type]
        results = evaluate(split, {"implicit ALS (postlens als)": postlens_trainer("als"),
                                   "Spark MLlib ALS": spark_als})
        ratio = comparisons(results, "Spark MLlib ALS")["implicit ALS (postlens als)"]
        low, high = ratio["ndcg@10"][1], ratio["ndcg@10"][2]
        sections.append(f"**{protocol} split (seed {seed})**\n\n{markdown_table(results)}\n\n"
                        f"Spark / implicit NDCG@10: {ratio['ndcg@10'][0]:.3f} "
                        f"[{low:.3f}, {high:.3f}] (paired bootstrap over test users, 95%).")
    spark.stop()
    text = "\n\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()} "
        f"({os.cpu_count()} cores), `python benchmarks/spark_als.py`. MovieLens, all 100,836 "
        f"ratings; 64 factors, 15 iterations; implicit: regularization 10, alpha 0.5; Spark "
        f"local[2]: regParam {SPARK_REGULARIZATION}, alpha {SPARK_ALPHA} (both chosen on "
        "validation). Fit seconds include Spark's job overhead, not its session start.",
        *sections, "Target: Spark ALS NDCG@10 within 5% of implicit ALS on the same split."])
    print(text)
    if not args.no_write:
        write_docs(text, "spark als benchmark", "Spark MLlib ALS vs implicit ALS")


if __name__ == "__main__":
    main()
