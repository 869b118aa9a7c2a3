"""Models published through the database: a worker with an empty model folder fetches the
newest, and the version changes only when a new file is published."""

from __future__ import annotations

import hashlib
from pathlib import Path

from postlens.recommend.publish import fetch, model_version, publish
from postlens.store.db import Database


def test_publish_fetch_and_version(db: Database, tmp_path: Path) -> None:
    trainer, worker = tmp_path / "trainer" / "m.npz", tmp_path / "worker" / "m.npz"
    trainer.parent.mkdir()
    trainer.write_bytes(b"first model")
    version = model_version(db, "als", worker)
    assert version() == "unsaved"  # nothing published, no local file
    first = publish(db, "als", trainer)
    assert first == hashlib.sha256(b"first model").hexdigest()[:12] == version()
    assert fetch(db, "als", worker) and worker.read_bytes() == b"first model"
    assert not fetch(db, "als", worker)  # already the published one: not written again
    trainer.write_bytes(b"second model")
    second = publish(db, "als", trainer)
    assert second != first and version() == second
    assert fetch(db, "als", worker) and worker.read_bytes() == b"second model"
    assert model_version(db, "bpr", worker)() == second  # unpublished: the local file's
