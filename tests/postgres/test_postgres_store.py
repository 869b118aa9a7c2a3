"""PostgreSQL as a first-class store: migrations, ingest, training, serving, feedback,
privacy and pgvector search, all against a real server."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from postlens.config import Settings
from postlens.core import Postlens
from postlens.runtime.cache import ModelCache
from postlens.samples import write_samples
from postlens.store.db import Database
from postlens.store.schema import Interaction, Post
from postlens.store.vectors import FaissStore, PgVectorStore, vector_store

pytestmark = pytest.mark.slow


def test_migrate_ingest_train_serve_and_feedback(pg_settings: Settings, models: ModelCache,
                                                 tmp_path: Path) -> None:
    pictures = write_samples(tmp_path / "pics", ["astronaut", "coffee", "chelsea", "rocket"])
    with (tmp_path / "posts.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "user", "caption"])
        writer.writerows([[f"pics/{p.name}", "ana" if i % 2 else "bo", f"#{p.stem}"]
                          for i, p in enumerate(pictures)])
    core = Postlens(pg_settings, models=models)
    try:
        assert core.db.engine.dialect.name == "postgresql"
        assert core.ingest("manifest", tmp_path / "posts.csv").posts_added == 4
        assert core.ingest("manifest", tmp_path / "posts.csv").posts_added == 0
        ana, bo = core.user("manifest:ana"), core.user("manifest:bo")
        with core.db.reader() as session:
            posts = list(session.scalars(select(Post.id).order_by(Post.id)))
        core.feedback(ana.id, posts[0], "like")
        core.feedback(ana.id, posts[0], "like")  # idempotent
        core.feedback(bo.id, posts[0], "like")
        core.feedback(bo.id, posts[2], "like")
        with core.db.reader() as session:
            assert session.scalar(select(func.count()).select_from(Interaction)) == 3
        model = core.train("als")
        assert set(model.item_ids_.tolist()) == set(posts)
        page = core.recommend(ana.id, limit=3, model="als")
        assert posts[0] not in [item.post_id for item in page.items]  # seen: filtered
        assert core.privacy.delete_user(ana.id)["posts"] == 2
    finally:
        core.close()


def test_pgvector_hnsw_finds_what_exact_search_finds(pg_url: str, tmp_path: Path) -> None:
    db = Database(pg_url, blobs=None)  # type: ignore[arg-type]  # vectors only
    db.migrate()
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2000, 32)).astype(np.float32)
    ids = np.arange(1, 2001) * 7
    stored = vector_store(db.engine, "picture_vectors", 32)
    assert isinstance(stored, PgVectorStore)
    stored.add(ids, vectors)
    stored.add(ids[:10], vectors[:10])  # replacing is idempotent
    assert len(stored) == 2000
    exact = FaissStore(32)
    exact.add(ids, vectors)
    recalls = []
    for query in rng.normal(size=(50, 32)).astype(np.float32):
        found, scores = stored.search(query, 10)
        truth, _ = exact.search(query, 10)
        recalls.append(len(set(found.tolist()) & set(truth.tolist())) / 10)
        assert np.all(np.diff(scores) <= 1e-6)  # best first
    assert np.mean(recalls) >= 0.95
    db.dispose()
