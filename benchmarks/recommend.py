"""Recommendation speed and memory at scale, on synthetic data (no files needed).

    python benchmarks/recommend.py     # prints a table and updates docs/benchmarks.md

* ALS fit on 1M interactions (10k users x 100k pictures, power-law popularity);
* one user's hybrid recommendations (ALS-visual + content + popularity + social), p50/p99;
* a 1M-picture vector index (1280-d embeddings reduced to 128-d float16): memory and search.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import write_docs
from postlens.recommend.collaborative import ALSRecommender
from postlens.recommend.data import Dataset, Interactions, ItemFeatures
from postlens.recommend.hybrid import HybridRecommender
from postlens.recommend.index import VectorIndex

EMBEDDING_DIM = 1280


def synthetic(n_users: int, n_items: int, n_interactions: int, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.8
    items = rng.choice(n_items, size=n_interactions, p=popularity / popularity.sum())
    users = rng.integers(0, n_users, size=n_interactions)
    times = 1.7e9 + rng.uniform(0, 90 * 86_400, size=n_interactions)
    weights = rng.choice([0.5, 2.0, 4.0, -2.0], size=n_interactions, p=[0.5, 0.35, 0.1, 0.05])
    interactions = Interactions(users, items, weights, times)
    centres = rng.standard_normal((50, EMBEDDING_DIM)).astype(np.float32)
    vectors = centres[rng.integers(0, 50, n_items)] + rng.standard_normal(
        (n_items, EMBEDDING_DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    features = ItemFeatures(np.arange(n_items), vectors)
    follows = {u: rng.integers(0, n_users, 20) for u in range(n_users)}
    return Dataset(interactions, features, follows)


def bench_als_fit(dataset: Dataset) -> float:
    start = time.perf_counter()
    ALSRecommender().fit(dataset)
    return time.perf_counter() - start


def bench_hybrid_latency(dataset: Dataset, requests: int = 300
                         ) -> tuple[float, list[tuple[float, float]]]:
    """Fit seconds, then (p50, p99) seconds of one user's top-10: plain, and as the feed
    serves it (the 2% most-liked items kept to half the slots) by the cap and by a learned
    head penalty (what a hybrid tuned on validation may serve instead)."""
    start = time.perf_counter()
    model = HybridRecommender(learn_weights=False, weights=[1.0, 0.5, 0.25, 0.5]).fit(dataset)
    fit_seconds = time.perf_counter() - start
    rng = np.random.default_rng(1)
    users = rng.choice(model.user_ids_, size=requests)
    percentiles = []
    for cap, penalties in ((1.0, {}), (0.5, {}), (0.5, {0.5: 2.0})):
        model.head_penalties_ = penalties
        model.recommend(int(users[0]), n=10, max_popular=cap)
        timings = []
        for user in users:
            tick = time.perf_counter()
            model.recommend(int(user), n=10, max_popular=cap)
            timings.append(time.perf_counter() - tick)
        percentiles.append((float(np.percentile(timings, 50)), float(np.percentile(timings, 99))))
    return fit_seconds, percentiles


def bench_index(n: int, chunk: int = 20_000) -> tuple[float, float, float]:
    """Peak traced memory to build a 1M index from streamed chunks, its size, search time."""
    rng = np.random.default_rng(2)
    tracemalloc.start()
    sample = rng.standard_normal((chunk, EMBEDDING_DIM), dtype=np.float32)
    index = VectorIndex(128).fit(sample)
    for _ in range(n // chunk - 1):
        index.add(rng.standard_normal((chunk, EMBEDDING_DIM), dtype=np.float32))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    queries = rng.standard_normal((20, EMBEDDING_DIM), dtype=np.float32)
    start = time.perf_counter()
    for query in queries:
        index.search(query, 10)
    return peak / 2**20, index.nbytes / 2**20, (time.perf_counter() - start) / len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0, help="Shrink for a quick run.")
    args = parser.parse_args()
    # Serving runs BLAS single-threaded: concurrency comes from parallel requests, and a
    # BLAS thread pool waking up per 100k x 128 product only adds tail latency.
    threadpool_limits(1, "blas")
    n_users, n_items = int(10_000 * args.scale), int(100_000 * args.scale)
    dataset = synthetic(n_users, n_items, int(1_000_000 * args.scale))
    als_seconds = bench_als_fit(dataset)
    hybrid_fit, ((p50, p99), (served50, served99), (penalty50, penalty99)) = \
        bench_hybrid_latency(dataset)
    peak_mb, index_mb, search_s = bench_index(int(1_000_000 * args.scale))
    report = "\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({os.cpu_count()} cores), command `python benchmarks/recommend.py`; synthetic data: "
        f"{n_users:,} users, {n_items:,} pictures, {len(dataset.interactions):,} interactions.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| ALS fit, {len(dataset.interactions):,} interactions | {als_seconds:.1f} s | < 30 s |",
        f"| hybrid fit (4 components, fixed weights) | {hybrid_fit:.1f} s | |",
        f"| one user's hybrid top-10, p50 | {p50 * 1000:.1f} ms | |",
        f"| one user's hybrid top-10, p99 | {p99 * 1000:.1f} ms | < 15 ms |",
        f"| same as the feed serves it (head cap 50%), p50 / p99 | {served50 * 1000:.1f} / "
        f"{served99 * 1000:.1f} ms | p99 < 15 ms |",
        f"| same with a learned head penalty instead of the cap, p50 / p99 | "
        f"{penalty50 * 1000:.1f} / {penalty99 * 1000:.1f} ms | p99 < 15 ms |",
        f"| vector index of {int(1_000_000 * args.scale):,} pictures: stored size | "
        f"{index_mb:.0f} MB | |",
        f"| same: peak traced memory while building | {peak_mb:.0f} MB | < 2 GB |",
        f"| same: one top-10 search | {search_s * 1000:.1f} ms | |",
    ])
    print(report)
    if not args.no_write and args.scale == 1.0:
        write_docs(report, key="recommend benchmark", title="Recommendations")


if __name__ == "__main__":
    main()
