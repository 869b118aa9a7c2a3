"""Trained recommenders published through the database, so that every worker serves the
same model without sharing a folder: ``publish`` after a save, ``fetch`` before a load, and
``model_version`` (one primary-key lookup) to tell cheaply whether a newer one exists.

A worker's model folder is then only a cache of what the database holds. Files go into one
row (PostgreSQL's ``bytea`` holds up to 1 GB; MovieLens' hybrid model is a few MB)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import delete, select

from postlens.fileio import atomic_write_bytes
from postlens.recommend.versions import file_version
from postlens.store.db import Database
from postlens.store.schema import PublishedModel


def publish(db: Database, name: str, path: Path) -> str:
    """Make the saved file at ``path`` the published ``name``; its version."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    with db.transaction() as session:
        session.execute(delete(PublishedModel).where(PublishedModel.name == name))
        session.add(PublishedModel(name=name, sha256=digest, data=data))
    return digest[:12]


def fetch(db: Database, name: str, path: Path) -> bool:
    """Write the published ``name`` to ``path`` when the file there differs; whether it
    did."""
    with db.reader() as session:
        digest = session.scalar(select(PublishedModel.sha256)
                                .where(PublishedModel.name == name))
        if digest is None or digest[:12] == file_version(path)():
            return False
        data = session.scalar(select(PublishedModel.data).where(PublishedModel.name == name))
    if data is None:
        return False
    atomic_write_bytes(path, data)
    return True


def model_version(db: Database, name: str, path: Path) -> Callable[[], str]:
    """A version function: the published model's (first 12 hex digits of its sha256), or
    the local file's when nothing is published (a model trained before publishing)."""
    local = file_version(path)

    def version() -> str:
        with db.reader() as session:
            digest = session.scalar(select(PublishedModel.sha256)
                                    .where(PublishedModel.name == name))
        return digest[:12] if digest else local()
    return version
