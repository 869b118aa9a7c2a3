"""``postlens batch train``: ALS on interactions in Parquet (or CSV), fitted on Spark (the
local model's objective by default, or Spark MLlib's; ``postlens.batch.als``) and saved
where ``postlens serve`` loads the ``als`` recommender from; and ``postlens batch export``,
which writes the store's interactions in that form.

Interaction files have ``user_id`` and ``post_id`` (the store's ids) and optionally
``weight`` (default 1; negative: a dislike), ``time`` (Unix seconds) and ``id`` (the store's
interaction id: the model's watermark becomes the largest, so the server folds in only the
feedback recorded after the export, never the same like twice)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from postlens.batch.als import SparkALSRecommender
from postlens.config import Settings
from postlens.errors import InvalidInput, NotFound
from postlens.recommend.data import Dataset, Interactions, interaction_weight
from postlens.recommend.publish import publish
from postlens.recommend.training import model_path
from postlens.store.db import Database

REQUIRED = ("user_id", "post_id")


def read_interactions(spark: Any, path: str) -> tuple[Interactions, int]:
    """The interactions at ``path`` and the largest interaction id (0 without ids)."""
    from pyspark.sql import functions as F

    kind = "csv" if path.lower().endswith(".csv") else "parquet"
    reader = spark.read.option("header", "true") if kind == "csv" else spark.read
    frame = reader.format(kind).load(path)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise InvalidInput(f"{path} lacks the column(s) {', '.join(missing)}; it has: "
                           f"{', '.join(frame.columns)}")
    weight = F.col("weight").try_cast("float") if "weight" in frame.columns else F.lit(1.0)
    stamp = F.col("time").try_cast("double") if "time" in frame.columns else F.lit(0.0)
    ident = F.col("id").try_cast("long") if "id" in frame.columns else F.lit(0).try_cast("long")
    typed = frame.select(F.col("user_id").try_cast("long").alias("user_id"),
                         F.col("post_id").try_cast("long").alias("post_id"),
                         weight.alias("weight"), stamp.alias("time"), ident.alias("id"))
    bad = typed.where(F.col("user_id").isNull() | F.col("post_id").isNull()
                      | F.col("weight").isNull() | F.isnan("weight")).count()
    if bad:
        raise InvalidInput(f"{path}: {bad} row(s) have no integer user_id / post_id or no "
                           "numeric weight")
    table = typed.toArrow()
    ids = table.column("id").to_numpy()
    return Interactions(*(table.column(c).to_numpy() for c in
                          ("user_id", "post_id", "weight", "time"))), int(ids.max(initial=0))


def train_als(spark: Any, path: str, settings: Settings, db: Database | None = None,
              **params: Any) -> tuple[SparkALSRecommender, float]:
    """Fit on the interactions at ``path`` and save as the ``als`` recommender (published in
    ``db`` for every worker when given); the model and the seconds the Spark fit took."""
    interactions, watermark = read_interactions(spark, path)
    if len(interactions) == 0:
        raise NotFound(f"{path} holds no interactions")
    start = time.perf_counter()
    model = SparkALSRecommender(spark=spark, **params).fit(
        Dataset(interactions, watermark=watermark))
    seconds = time.perf_counter() - start
    model.save(model_path(settings, "als"))
    if db is not None:
        publish(db, "als", model_path(settings, "als"))
    return model, seconds


def export_interactions(db: Database, out: Path) -> int:
    """The store's interactions as Parquet for ``batch train``; the number of rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from sqlalchemy import select

    from postlens.store.schema import Interaction

    with db.reader() as session:
        rows = session.execute(select(
            Interaction.id, Interaction.user_id, Interaction.post_id, Interaction.kind,
            Interaction.weight, Interaction.value, Interaction.occurred_at,
        ).order_by(Interaction.id)).all()
    table = pa.table({
        "id": np.array([r.id for r in rows], np.int64),
        "user_id": np.array([r.user_id for r in rows], np.int64),
        "post_id": np.array([r.post_id for r in rows], np.int64),
        "weight": np.array([interaction_weight(r.kind, r.weight, r.value) for r in rows],
                           np.float32),
        "time": np.array([r.occurred_at.timestamp() for r in rows], np.float64)})
    out.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out)
    return len(rows)
