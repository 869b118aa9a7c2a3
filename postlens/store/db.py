"""Engine, sessions and migrations. Every write happens inside :meth:`Database.transaction`."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from typing import Any

from sqlalchemy import Engine, FromClause, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from postlens.config import Settings
from postlens.store.blobs import Blobs, BlobStore


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class Database:
    """One database: an engine, a session factory and the picture store beside it."""

    def __init__(self, url: str, blobs: Blobs) -> None:
        self.url = url
        self.blobs = blobs
        self.engine: Engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings, *, migrate: bool = True) -> Database:
        settings.home.mkdir(parents=True, exist_ok=True)
        blobs: Blobs = BlobStore(settings.blob_dir)
        if settings.s3_bucket:
            from postlens.store.s3 import S3BlobStore

            blobs = S3BlobStore.from_settings(settings)
        db = cls(settings.resolved_database_url, blobs)
        if migrate:
            db.migrate()
        return db

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("postlens.store").joinpath("migrations")))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed together at the end, or not at all."""
        with self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def reader(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


MAX_ID = 2**63 - 1  # the largest id any supported database stores


def valid_id(value: int) -> bool:
    """Whether ``value`` can be an id at all (SQLite raises OverflowError beyond 64 bits)."""
    return 1 <= value <= MAX_ID


def insert_ignoring_duplicates(session: Session, table: FromClause, rows: Sequence[dict[str, Any]]
                               ) -> None:
    """Bulk INSERT that skips rows violating a unique constraint (SQLite and PostgreSQL)."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert  # type: ignore[assignment]
    else:
        raise NotImplementedError(f"postlens supports SQLite and PostgreSQL, not {dialect}")
    session.execute(dialect_insert(table).on_conflict_do_nothing(), list(rows))  # type: ignore[arg-type]
