"""Similar pictures straight from the database, when it is PostgreSQL: every post's picture
embedding in a pgvector table with an HNSW index, shared by all API workers.

The in-memory content index knows only the posts of the last training; this table knows a
post as soon as any worker has stored it, so an upload finds its neighbours among uploads
made a second earlier on another worker. It is filled incrementally (posts newer than the
newest row, a bounded number per call, so a large store is caught up over a few calls
rather than blocking one request), and results are checked against the posts table, so a
deleted or hidden post is never answered.
"""

from __future__ import annotations

import logging

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from postlens.store.db import Database
from postlens.store.schema import Analysis, Post
from postlens.store.vectors import PgVectorStore

log = logging.getLogger(__name__)

TABLE = "post_vectors"
SYNC_ROWS = 2000


class PostNeighbours:
    def __init__(self, db: Database, dim: int = 1280) -> None:
        self.db = db
        self.store = PgVectorStore(db.engine, TABLE, dim)

    @classmethod
    def open(cls, db: Database) -> PostNeighbours | None:
        """The table on PostgreSQL with pgvector; None elsewhere, or when the server has no
        pgvector (or the role may not create it): the content index answers then."""
        if db.engine.dialect.name != "postgresql":
            return None
        import psycopg

        try:
            return cls(db)
        except (SQLAlchemyError, psycopg.Error) as exc:
            log.warning("no pgvector (%s): similar pictures come from the trained model",
                        str(exc).splitlines()[0])
            return None

    def sync(self, limit: int = SYNC_ROWS) -> int:
        """Add the embeddings of up to ``limit`` posts newer than the table's newest; how
        many were added."""
        with self.db.reader() as session:
            newest = session.execute(text(f"SELECT coalesce(max(id), 0) FROM {TABLE}")
                                     ).scalar_one()
            rows = session.execute(
                select(Post.id, func.min(Analysis.embedding))
                .join(Analysis, Analysis.picture_id == Post.picture_id)
                .where(Post.id > newest, Analysis.dim == self.store.dim)
                .group_by(Post.id).order_by(Post.id).limit(limit)).all()
        if rows:
            self.store.add(np.array([r[0] for r in rows], np.int64),
                           np.stack([np.frombuffer(r[1], dtype="<f4") for r in rows]))
        return len(rows)

    def search(self, embedding: np.ndarray, k: int) -> tuple[list[int], list[float]]:
        """The ``k`` nearest public posts that still exist."""
        ids, scores = self.store.search(embedding, k)
        with self.db.reader() as session:
            alive = set(session.scalars(select(Post.id).where(
                Post.id.in_(ids.tolist()), Post.visibility == "public")))
        found = [(int(i), float(s)) for i, s in zip(ids, scores, strict=True) if i in alive]
        return [i for i, _ in found], [s for _, s in found]
