"""Stored user profiles: built from recent posts, refreshed when new posts arrive."""

from __future__ import annotations

import json
from datetime import UTC, datetime
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
from postlens.store.schema import Interaction, InterestProfile, Post, TextEmbedding, User
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


def test_levels_tell_a_steady_interest_from_one_touched_once(
        db: Database, analyzer: Analyzer, interests: InterestService, folder: Path) -> None:
    football = ["what a goal in the derby", "our striker scored twice", "penalty save!",
                "matchday at the stadium", "the keeper was unreal today", "league title race"]
    ingest(db, analyzer, folder, [
        {"path": "camera.jpg", "user": "fan", "timestamp": f"2024-06-{d + 1:02d}T10:00:00Z",
         "caption": caption, "id": f"f{d}"}
        for d, caption in enumerate(football * 3 + ["homemade lasagna for dinner"])])
    with db.transaction() as session:
        fan = session.scalars(select(User).where(User.handle.like("%fan"))).one()
        top = interests.profile(session, fan.id)["interests"]
    assert top[0]["id"] == "football" and top[0]["level"] == "clearly into"
    assert top[0]["score"] > 3 * top[1]["score"] and top[0]["posts_showing"] >= 15
    cooking = next(i for i in top if i["id"] in ("cooking", "food"))
    assert cooking["level"] == "touched once" and cooking["posts_showing"] <= 1


def test_stated_interests_lead_a_new_profile_then_fade(
        db: Database, analyzer: Analyzer, interests: InterestService, folder: Path) -> None:
    from postlens.accounts import create_user
    from postlens.errors import InvalidInput

    with db.transaction() as session, pytest.raises(InvalidInput, match="knitting"):
        create_user(session, "bad-one", interests=["golf", "knitting"])
    with db.transaction() as session:
        user = create_user(session, "newbie", interests=["golf", "travel", "golf"])
        assert user.attributes["stated_interests"] == ["golf", "travel"]
        first = interests.profile(session, user.id)["interests"]
    assert {i["id"] for i in first} == {"golf", "travel"}  # nothing else has any evidence
    assert all(i["stated"] and i["level"] == "stated at sign-up" for i in first[:2])
    ingest(db, analyzer, folder, [
        {"path": "chelsea.jpg", "user": "newbie-posts", "caption": "my cat", "id": "x"}])
    with db.transaction() as session:
        poster = session.scalars(select(User).where(User.handle.like("%newbie-posts"))).one()
        session.add(Interaction(user_id=user.id, post_id=session.scalars(
            select(Post.id).where(Post.author_id == poster.id)).one(), kind="like", weight=1.0,
            occurred_at=datetime(2024, 7, 1, tzinfo=UTC)))
        session.flush()
        later = interests.profile(session, user.id)["interests"]
    assert later != first and "pets" in [i["id"] for i in later[:3]]
