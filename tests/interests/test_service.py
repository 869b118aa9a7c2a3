"""Stored user profiles: built from recent posts, refreshed when new posts arrive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from skimage import data as skdata
from sqlalchemy import func, select

from postlens.analysis.analyzer import Analyzer
from postlens.errors import NotFound
from postlens.ingest.manifest import ManifestSource
from postlens.ingest.pipeline import Ingestor
from postlens.interests.service import InterestService
from postlens.store.db import Database
from postlens.store.schema import InterestProfile, TextEmbedding, User
from tests.conftest import jpeg_bytes


def ingest(db: Database, analyzer: Analyzer, folder: Path, rows: list[dict[str, object]]
           ) -> None:
    manifest = folder / "manifest.jsonl"
    manifest.write_text("".join(json.dumps(row) + "\n" for row in rows))
    Ingestor(db, analyzer).ingest(ManifestSource(manifest))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("chelsea", "coffee", "camera"):
        image = getattr(skdata, name)()
        if image.ndim == 2:
            image = image[..., None].repeat(3, axis=2)
        (tmp_path / f"{name}.jpg").write_bytes(jpeg_bytes(image))
    return tmp_path


def test_profile_is_stored_and_refreshed_by_new_posts(
        db: Database, analyzer: Analyzer, interests: InterestService, folder: Path) -> None:
    ingest(db, analyzer, folder, [
        {"path": "chelsea.jpg", "user": "ana", "caption": "my sleepy kitten #catsofinstagram",
         "timestamp": "2024-05-01T10:00:00Z", "id": "p1"},
        {"path": "chelsea.jpg", "user": "ana", "caption": "the cat and the dog at the vet",
         "timestamp": "2024-05-02T10:00:00Z", "id": "p2"},
        {"path": "coffee.jpg", "user": "ana", "caption": "espresso before work",
         "timestamp": "2024-05-03T10:00:00Z", "id": "p3"},
    ])
    with db.transaction() as session:
        ana = session.scalars(select(User).where(User.handle.like("%ana"))).one()
        profile = interests.profile(session, ana.id)
    top = [i["id"] for i in profile["interests"]]
    assert top[0] == "pets" and "food" in top[:3], profile
    assert profile["posts_used"] == 3 and len(profile["interests"]) == 5
    scores = [i["score"] for i in profile["interests"]]
    assert scores == sorted(scores, reverse=True) and 0 < sum(scores) <= 1
    assert profile["interests"][0]["text_score"] > profile["interests"][0]["image_score"] > 0
    assert len(profile["interests"][0]["supporting_posts"]) == 3
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(TextEmbedding)) == 3
        stamp = session.scalars(select(InterestProfile.updated_at)).one()
    with db.transaction() as session:  # unchanged activity: the stored profile is served
        assert interests.profile(session, ana.id) == profile
    with db.reader() as session:
        assert session.scalars(select(InterestProfile.updated_at)).one() == stamp

    ingest(db, analyzer, folder, [
        {"path": "camera.jpg", "user": "ana", "timestamp": f"2024-06-0{d}T10:00:00Z",
         "caption": caption, "id": f"g{d}"}
        for d, caption in enumerate(["golf at St Andrews", "my new golf clubs",
                                     "birdie on the 18th hole, golf day", "golf tournament"], 1)
    ])
    with db.transaction() as session:
        refreshed = interests.profile(session, ana.id)
    assert refreshed["interests"][0]["id"] == "golf"
    assert refreshed["posts_used"] == 7 and refreshed["updated_at"] > profile["updated_at"]
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(InterestProfile)) == 1
        assert session.scalar(select(func.count()).select_from(TextEmbedding)) == 7


def test_profile_of_unknown_user_is_not_found(db: Database, interests: InterestService
                                              ) -> None:
    with db.transaction() as session, pytest.raises(NotFound):
        interests.profile(session, 999)


def test_user_without_posts_has_an_empty_profile(db: Database, interests: InterestService
                                                 ) -> None:
    with db.transaction() as session:
        session.add(User(handle="test:nobody"))
        session.flush()
        user_id = session.scalars(select(User.id)).one()
        assert interests.profile(session, user_id)["interests"] == []
