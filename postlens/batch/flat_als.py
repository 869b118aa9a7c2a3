"""Implicit-feedback ALS with ``implicit``'s objective, its steps run by Spark.

Spark MLlib's ALS scales its ridge by each user's and each item's number of ratings (ALS-WR);
``implicit``, which fits postlens' local ``als``, keeps one flat ridge. On MovieLens' temporal
split no MLlib setting came within 10% of the flat ridge (docs/evaluation.md, "Spark ALS"), so
``postlens batch train`` runs the same objective as the local model on Spark instead:

* the interactions never leave the cluster: they are partitioned once by user and once by
  item into blocks of sorted numpy arrays (Spark's in-memory RDD cache), like MLlib's in-blocks;
* each half-step broadcasts the other side's factors (the serving process holds them all
  anyway) and solves every user's (or item's) normal equations inside the executors:
  ``(Y^T Y + sum_i (c_ui - 1) y_i y_i^T + reg I) x_u = sum_i c_ui y_i`` with ``c_ui`` the
  confidence ``alpha * weight`` (Hu, Koren & Volinsky 2008, exactly as ``implicit`` reads its
  input), solved exactly rather than by ``implicit``'s three conjugate-gradient steps;
* only the factors come back to the driver, which needs them to save the model.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from postlens.recommend.collaborative import normal_equations

BLOCK_ROWS = 2_000_000  # interactions per block at most (about 40 MB of arrays)
SOLVE_CHUNK = 256  # users (or items) whose normal equations are stacked in one solve


def fit_flat_als(spark: Any, users: np.ndarray, items: np.ndarray, confidence: np.ndarray,
                 shape: tuple[int, int], *, factors: int, regularization: float,
                 iterations: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """User and item factors (float32) for the confidence matrix of the given shape.

    ``users``/``items`` are row and column indices of its non-zero entries."""
    import pandas as pd

    frame = spark.createDataFrame(pd.DataFrame({
        "user": users.astype(np.int32), "item": items.astype(np.int32),
        "confidence": confidence.astype(np.float32)}))
    parts = max(spark.sparkContext.defaultParallelism, -(-len(users) // BLOCK_ROWS))
    by_user = _blocks(frame, "user", "item", parts).cache()
    by_item = _blocks(frame, "item", "user", parts).cache()
    rng = np.random.default_rng(seed)
    item_factors = (rng.random((shape[1], factors)) * 0.01).astype(np.float32)
    user_factors = np.zeros((shape[0], factors), np.float32)
    try:
        for _ in range(iterations):
            user_factors = _half_step(spark, by_user, item_factors, shape[0], regularization)
            item_factors = _half_step(spark, by_item, user_factors, shape[1], regularization)
    finally:
        by_user.unpersist()
        by_item.unpersist()
    return user_factors, item_factors


def _blocks(frame: Any, key: str, other: str, parts: int) -> Any:
    """An RDD of (keys, others, confidences) numpy blocks, one per partition, sorted by key
    so that each user's (or item's) entries are contiguous and in one block."""
    import pyarrow as pa

    def build(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        table = pa.Table.from_batches(list(batches))
        if table.num_rows == 0:
            return
        keys = table.column(key).to_numpy()
        order = np.argsort(keys, kind="stable")
        yield pa.RecordBatch.from_pydict({
            "keys": [keys[order].tobytes()],
            "others": [table.column(other).to_numpy()[order].tobytes()],
            "confidence": [table.column("confidence").to_numpy()[order].tobytes()]})

    schema = "keys binary, others binary, confidence binary"
    return frame.repartition(parts, key).mapInArrow(build, schema).rdd.map(
        lambda row: (np.frombuffer(row["keys"], np.int32),
                     np.frombuffer(row["others"], np.int32),
                     np.frombuffer(row["confidence"], np.float32)))


def _half_step(spark: Any, blocks: Any, fixed: np.ndarray, n: int, regularization: float
               ) -> np.ndarray:
    """The factors of every key of ``blocks`` given the other side's ``fixed`` factors; keys
    without entries keep zero vectors."""
    shared = spark.sparkContext.broadcast(fixed)
    try:
        solved = blocks.map(lambda block: solve_block(block, shared.value, regularization)
                            ).collect()
    finally:
        shared.destroy()
    out = np.zeros((n, fixed.shape[1]), np.float32)
    for ids, values in solved:
        out[ids] = values
    return out


def solve_block(block: tuple[np.ndarray, np.ndarray, np.ndarray], fixed: np.ndarray,
                regularization: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact least squares for each key of one block (float64 normal equations)."""
    from threadpoolctl import threadpool_limits

    keys, others, confidence = block
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    ends = np.r_[starts[1:], len(keys)]
    k = fixed.shape[1]
    fixed64 = fixed.astype(np.float64)
    base = fixed64.T @ fixed64 + regularization * np.eye(k)
    out = np.empty((len(starts), k), np.float32)
    with threadpool_limits(1, "blas"):  # one Python worker per core already
        for first in range(0, len(starts), SOLVE_CHUNK):
            span = range(first, min(first + SOLVE_CHUNK, len(starts)))
            a = np.empty((len(span), k, k))
            b = np.empty((len(span), k))
            for j, s in enumerate(span):
                a[j], b[j] = normal_equations(
                    base, fixed64[others[starts[s]:ends[s]]],
                    confidence[starts[s]:ends[s]].astype(np.float64))
            try:
                out[first:first + len(span)] = np.linalg.solve(a, b[..., None])[..., 0]
            except np.linalg.LinAlgError:  # a singular system: least squares, one by one
                out[first:first + len(span)] = [np.linalg.lstsq(a[j], b[j], rcond=None)[0]
                                                for j in range(len(span))]
    return keys[starts], out
