"""Schema migrations, the picture store and duplicate-safe inserts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from postlens.errors import InvalidInput
from postlens.store.blobs import BlobStore
from postlens.store.db import Database, insert_ignoring_duplicates
from postlens.store.schema import Follow, User


def test_migrations_create_every_table(db: Database) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "posts", "pictures", "analyses", "interactions", "follows",
            "alembic_version"} <= tables
    db.migrate()  # running again is a no-op


def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        session.add(User(handle="a:1"))
        session.flush()
        raise RuntimeError("boom")
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_insert_ignoring_duplicates(db: Database) -> None:
    with db.transaction() as session:
        session.add_all([User(handle="a:1"), User(handle="a:2")])
        session.flush()
        rows = [{"follower_id": 1, "followee_id": 2}]
        insert_ignoring_duplicates(session, Follow.__table__, rows)  # type: ignore[arg-type]
        insert_ignoring_duplicates(session, Follow.__table__, rows)  # type: ignore[arg-type]
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Follow)) == 1


def test_blob_store_is_content_addressed(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    sha = "ab" * 32
    first, created = blobs.put(sha, "jpg", b"picture")
    assert first == f"ab/ab/{sha}.jpg" and created
    assert blobs.put(sha, "jpg", b"picture") == (first, False)
    assert blobs.path(first).read_bytes() == b"picture"
    with pytest.raises(InvalidInput):
        blobs.relative_path("../../etc/passwd", "jpg")
    with pytest.raises(InvalidInput):
        blobs.path("../outside.jpg")
