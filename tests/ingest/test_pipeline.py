"""Ingest: idempotent, transactional, resumable; bad input named by file and line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata
from sqlalchemy import func, select

from postlens.analysis.analyzer import Analyzer
from postlens.errors import MalformedRecord
from postlens.ingest.folder import LikesFolderSource, read_likes
from postlens.ingest.manifest import ManifestSource
from postlens.ingest.pipeline import Ingestor, user_handle
from postlens.store.db import Database
from postlens.store.schema import Analysis, Picture, Post, User
from postlens.text.hashtags import hashtags
from tests.conftest import jpeg_bytes


def counts(db: Database) -> dict[str, int]:
    with db.reader() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
                for model in (User, Post, Picture, Analysis)}


@pytest.fixture
def photo_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("chelsea", "coffee", "astronaut"):
        (folder / f"{name}.jpg").write_bytes(jpeg_bytes(getattr(skdata, name)()))
    (folder / "copy.jpg").write_bytes((folder / "chelsea.jpg").read_bytes())
    (folder / "broken.jpg").write_bytes(b"not a picture")
    return folder


def write_manifest(folder: Path, rows: list[dict[str, object]]) -> Path:
    path = folder / "manifest.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return path


def test_manifest_ingest_is_idempotent(db: Database, analyzer: Analyzer, photo_folder: Path
                                       ) -> None:
    manifest = write_manifest(photo_folder, [
        {"path": "chelsea.jpg", "user": "ana", "likes": 10, "caption": "my cat #Caturday"},
        {"path": "coffee.jpg", "user": "ana", "likes": 3, "timestamp": "2024-05-01T10:00:00Z"},
        {"path": "copy.jpg", "user": "bo", "platform": "Instagram"},
        {"path": "broken.jpg", "user": "bo"},
    ])
    report = Ingestor(db, analyzer).ingest(ManifestSource(manifest))
    assert report.posts_added == 3 and report.pictures_added == 2
    assert [Path(e["path"]).name for e in report.errors] == ["broken.jpg"]
    assert counts(db) == {"users": 2, "posts": 3, "pictures": 2, "analyses": 2}
    again = Ingestor(db, analyzer).ingest(ManifestSource(manifest))
    assert again.posts_added == 0 and again.posts_skipped == 3
    assert counts(db) == {"users": 2, "posts": 3, "pictures": 2, "analyses": 2}
    with db.reader() as session:
        post = session.scalars(select(Post).where(Post.external_id == "chelsea.jpg")).one()
        assert post.hashtags == ["caturday"] and post.likes == 10
        assert post.picture is not None
        assert db.blobs.path(post.picture.path).read_bytes() == (
            photo_folder / "chelsea.jpg").read_bytes()
        copy = session.scalars(select(Post).where(Post.external_id == "copy.jpg")).one()
        assert copy.picture_id == post.picture_id and copy.platform == "instagram"


def test_error_mid_import_leaves_the_database_unchanged(db: Database, analyzer: Analyzer,
                                                        photo_folder: Path) -> None:
    manifest = write_manifest(photo_folder, [{"path": "chelsea.jpg", "user": "ana"}])
    Ingestor(db, analyzer).ingest(ManifestSource(manifest))
    before = counts(db)
    calls = 0

    def explode_on_second_post() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("power cut")

    manifest = write_manifest(photo_folder, [
        {"path": "chelsea.jpg"}, {"path": "coffee.jpg", "user": "cy"},
        {"path": "astronaut.jpg", "user": "cy"}])
    with pytest.raises(RuntimeError, match="power cut"):
        Ingestor(db, analyzer, on_post=explode_on_second_post).ingest(ManifestSource(manifest))
    assert counts(db) == before


def test_commit_every_makes_imports_resumable(db: Database, analyzer: Analyzer,
                                              photo_folder: Path) -> None:
    manifest = write_manifest(photo_folder, [
        {"path": "chelsea.jpg"}, {"path": "coffee.jpg"}, {"path": "astronaut.jpg"}])
    calls = 0

    def crash_in_second_chunk() -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        Ingestor(db, analyzer, on_post=crash_in_second_chunk).ingest(
            ManifestSource(manifest), commit_every=2)
    assert counts(db)["posts"] == 2  # the first chunk survived
    report = Ingestor(db, analyzer).ingest(ManifestSource(manifest), commit_every=2)
    assert (report.posts_skipped, report.posts_added) == (2, 1)


def test_malformed_manifest_rows_name_file_and_line(db: Database, analyzer: Analyzer,
                                                    photo_folder: Path) -> None:
    csv_path = photo_folder / "manifest.csv"
    csv_path.write_text("path,likes\nchelsea.jpg,12\ncoffee.jpg,lots\n")
    with pytest.raises(MalformedRecord) as info:
        Ingestor(db, analyzer).ingest(ManifestSource(csv_path))
    assert info.value.source == f"{csv_path}:3"
    assert counts(db)["posts"] == 0  # the good first row was rolled back too
    bad_json = photo_folder / "bad.jsonl"
    bad_json.write_text('{"path": "chelsea.jpg"}\n{"path": \n')
    with pytest.raises(MalformedRecord, match="invalid JSON") as info:
        list(ManifestSource(bad_json).posts())
    assert info.value.source == f"{bad_json}:2"
    missing = write_manifest(photo_folder, [{"path": "nowhere.jpg"}])
    with pytest.raises(MalformedRecord, match="not found"):
        list(ManifestSource(missing).posts())


def test_likes_folder_layout(db: Database, analyzer: Analyzer, tmp_path: Path) -> None:
    folder = tmp_path / "greta"
    folder.mkdir()
    for i, name in enumerate(["chelsea", "coffee"], start=1):
        Image.fromarray(getattr(skdata, name)()).save(folder / f"{i}.jpg")
    (folder / "y_likes_data.txt").write_text("1: 120\n2: 85\n")
    report = Ingestor(db, analyzer).ingest(LikesFolderSource(folder))
    assert report.posts_added == 2
    with db.reader() as session:
        assert sorted(session.scalars(select(Post.likes))) == [85, 120]


def test_likes_file_formats(tmp_path: Path) -> None:
    path = tmp_path / "y_likes_data.txt"
    path.write_text("10\n20\n\n30\n")
    assert read_likes(path) == {1: 10, 2: 20, 3: 30}
    path.write_text("1: 10\n2: many\n")
    with pytest.raises(MalformedRecord) as info:
        read_likes(path)
    assert info.value.source == f"{path}:2"


def test_pseudonymised_handles(db: Database, analyzer: Analyzer, photo_folder: Path) -> None:
    manifest = write_manifest(photo_folder, [{"path": "coffee.jpg", "user": "ana"}])
    Ingestor(db, analyzer, pseudonymise_key="secret").ingest(ManifestSource(manifest))
    with db.reader() as session:
        user = session.scalars(select(User)).one()
    assert user.handle == user_handle("manifest", "ana", "secret")
    assert "ana" not in user.handle and user.display_name is None


def test_hashtags() -> None:
    assert hashtags("Sunset #Beach #travel, #beach again! a#b &#x27;") == ["beach", "travel"]
    assert hashtags(None) == []


def test_embedding_round_trips_through_the_database(db: Database, analyzer: Analyzer,
                                                     photo_folder: Path) -> None:
    manifest = write_manifest(photo_folder, [{"path": "chelsea.jpg"}])
    Ingestor(db, analyzer).ingest(ManifestSource(manifest))
    expected = analyzer.analyze_one("cat", photo_folder / "chelsea.jpg").embedding
    with db.reader() as session:
        row = session.scalars(select(Analysis)).one()
    stored = np.frombuffer(row.embedding, dtype="<f4")
    np.testing.assert_allclose(stored, expected, atol=1e-6)
    assert row.labels[0]["label"] in {"tabby", "tiger cat", "Egyptian cat"}
