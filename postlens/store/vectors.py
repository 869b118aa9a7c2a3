"""Nearest-neighbour search over picture embeddings behind one small protocol:
:class:`FaissStore` (exact inner product in memory, the default) and :class:`PgVectorStore`
(pgvector's HNSW index inside PostgreSQL, shared by every worker that uses the database).

Vectors are L2-normalised on the way in, so inner product and cosine agree."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import numpy as np
from sqlalchemy import Engine

from postlens.errors import InvalidInput
from postlens.numeric import l2_normalise


class VectorStore(Protocol):
    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert or replace vectors by id."""

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ids of the k nearest vectors and their cosine similarities, best first."""

    def __len__(self) -> int: ...


def _checked(ids: np.ndarray, vectors: np.ndarray, dim: int) -> tuple[np.ndarray, np.ndarray]:
    ids = np.asarray(ids, dtype=np.int64)
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[1] != dim or len(ids) != len(vectors):
        raise InvalidInput(f"expected {len(ids)} vectors of dimension {dim}, got "
                           f"{vectors.shape}")
    return ids, l2_normalise(vectors)


class FaissStore:
    def __init__(self, dim: int) -> None:
        import faiss

        self.dim = dim
        self._index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids, vectors = _checked(ids, vectors, self.dim)
        self._index.remove_ids(ids)  # type: ignore[arg-type]  # faiss wraps arrays
        self._index.add_with_ids(vectors, ids)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        _, (unit,) = _checked(np.zeros(1), np.atleast_2d(query), self.dim)
        scores, ids = self._index.search(unit[None, :], min(k, len(self)))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def __len__(self) -> int:
        return int(self._index.ntotal)


class PgVectorStore:
    """A table ``<name>(id bigint primary key, embedding vector(dim))`` with an HNSW index
    on cosine distance (m=16, ef_construction=64: pgvector's defaults)."""

    def __init__(self, engine: Engine, name: str, dim: int, *, ef_search: int = 100) -> None:
        if engine.dialect.name != "postgresql":
            raise InvalidInput("pgvector needs a PostgreSQL database")
        if not name.isidentifier():
            raise InvalidInput(f"bad vector table name {name!r}")
        self.engine, self.name, self.dim, self.ef_search = engine, name, dim, ef_search
        with self._connection(typed=False) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
            connection.execute(f"CREATE TABLE IF NOT EXISTS {name} (id bigint PRIMARY KEY, "
                               f"embedding vector({dim}) NOT NULL)")
            connection.execute(f"CREATE INDEX IF NOT EXISTS {name}_hnsw ON {name} USING hnsw "
                               "(embedding vector_cosine_ops)")

    @contextmanager
    def _connection(self, *, typed: bool = True) -> Iterator[Any]:
        """The psycopg connection under a pooled SQLAlchemy one: committed on success,
        rolled back on error, given back to the pool either way."""
        from pgvector.psycopg import register_vector

        raw = self.engine.raw_connection()
        driver: Any = raw.driver_connection
        try:
            if typed:
                register_vector(driver)
            yield driver
            driver.commit()
        except BaseException:
            driver.rollback()
            raise
        finally:
            raw.close()

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids, vectors = _checked(ids, vectors, self.dim)
        with self._connection() as connection:
            connection.execute("CREATE TEMP TABLE incoming (id bigint, embedding "
                               f"vector({self.dim})) ON COMMIT DROP")
            with connection.cursor().copy(
                    "COPY incoming (id, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
                copy.set_types(["int8", "vector"])
                for ident, vector in zip(ids, vectors, strict=True):
                    copy.write_row((int(ident), vector))
            connection.execute(f"INSERT INTO {self.name} SELECT * FROM incoming ON CONFLICT "
                               "(id) DO UPDATE SET embedding = EXCLUDED.embedding")

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        _, (unit,) = _checked(np.zeros(1), np.atleast_2d(query), self.dim)
        with self._connection() as connection:
            connection.execute(f"SET LOCAL hnsw.ef_search = {int(max(k, self.ef_search))}")
            rows = connection.execute(
                f"SELECT id, 1 - (embedding <=> %s) FROM {self.name} "
                "ORDER BY embedding <=> %s LIMIT %s", (unit, unit, int(k))).fetchall()
        return (np.array([r[0] for r in rows], np.int64),
                np.array([r[1] for r in rows], np.float32))

    def __len__(self) -> int:
        with self._connection() as connection:
            return int(connection.execute(f"SELECT count(*) FROM {self.name}").fetchone()[0])


def vector_store(engine: Engine, name: str, dim: int) -> VectorStore:
    """pgvector when the database is PostgreSQL, FAISS in memory otherwise."""
    if engine.dialect.name == "postgresql":
        return PgVectorStore(engine, name, dim)
    return FaissStore(dim)
