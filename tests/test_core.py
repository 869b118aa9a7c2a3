"""The core object end to end: every entry point's path through one Postlens."""

from __future__ import annotations

from pathlib import Path

import pytest

from postlens.core import Postlens
from postlens.errors import NotFound
from postlens.interests.model import PostContent
from postlens.recommend.live import TRENDING
from postlens.store.schema import User


@pytest.fixture
def community(core: Postlens, tmp_path: Path, cat_jpeg: bytes, coffee_jpeg: bytes) -> Postlens:
    (tmp_path / "cat.jpg").write_bytes(cat_jpeg)
    (tmp_path / "coffee.jpg").write_bytes(coffee_jpeg)
    (tmp_path / "m.csv").write_text("path,user,caption\ncat.jpg,ana,my cat #catlife\n"
                                    "coffee.jpg,bo,espresso time\n")
    report = core.ingest("manifest", tmp_path / "m.csv")
    assert report.posts_added == 2 and not report.errors
    return core


def test_parts_are_built_lazily(core: Postlens) -> None:
    assert core.stats()["totals"]["posts"] == 0
    assert "analyzer" not in core._parts and "interests" not in core._parts


def test_upload_is_idempotent_and_answers_with_insights(community: Postlens,
                                                         cat_jpeg: bytes) -> None:
    core = community
    ana = core.user("manifest:ana")
    with core.db.transaction() as session:
        cy = User(handle="upload:cy")
        session.add(cy)
        session.flush()
        cy_id = cy.id
    first = core.upload(core.user(cy_id), cat_jpeg, "sleepy #cat", "IMG_1.jpg")
    again = core.upload(core.user(str(cy_id)), cat_jpeg, "sleepy #cat", "IMG_1.jpg")
    assert first.post_id == again.post_id
    assert first.analysis.labels and first.analysis.container.filename == "IMG_1.jpg"
    core.train("hybrid")
    insights = core.insights(first.post_id, PostContent(
        caption="sleepy #cat", labels=first.analysis.labels,
        embedding=first.analysis.embedding))
    assert insights.interests[0]["id"] == "pets"
    assert insights.similar_ids and first.post_id not in insights.similar_ids
    stored = core.post_insights(first.post_id)
    assert stored.interests[0]["id"] == "pets"
    assert core.profile(ana.id)["interests"][0]["id"] == "pets"
    with pytest.raises(NotFound):
        core.post_insights(10_000)


def test_feed_feedback_and_strangers(community: Postlens) -> None:
    core = community
    core.train("hybrid")
    bo = core.user("manifest:bo")
    page = core.recommend(bo.id, limit=5)
    assert page.items and all(i.recommendation_id for i in page.items)
    bo_page = [i.post_id for i in page.items]
    assert core.feedback(bo.id, bo_page[0], "dislike") < 0
    assert bo_page[0] not in [i.post_id for i in core.recommend(bo.id, limit=5).items]
    with core.db.transaction() as session:
        newcomer = User(handle="upload:new")
        session.add(newcomer)
        session.flush()
        newcomer_id = newcomer.id
    fresh = core.recommend(newcomer_id, limit=2)
    assert {i.explanation for i in fresh.items} == {TRENDING}
    with pytest.raises(NotFound, match="unknown user 'nobody'"):
        core.user("nobody")


def test_newcomers_start_from_their_pictures_or_stated_interests(
        community: Postlens, cat_jpeg: bytes) -> None:
    core = community
    core.train("hybrid")
    with core.db.transaction() as session:
        fan, poster = User(handle="upload:fan", attributes={"stated_interests": ["food"]}), \
            User(handle="upload:poster")
        session.add_all([fan, poster])
        session.flush()
        fan_id, poster_id = fan.id, poster.id
    page = core.recommend(fan_id, limit=2)
    assert page.items[0].explanation == "matches the interests you chose: Food"
    assert core.captions([page.items[0].post_id])[page.items[0].post_id] == "espresso time"
    core.upload(core.user(poster_id), cat_jpeg, "my own cat", "cat2.jpg")  # not yet trained on
    page = core.recommend(poster_id, limit=2)
    assert page.items[0].explanation == "like the pictures you posted"
    assert core.captions([page.items[0].post_id])[page.items[0].post_id] == "my cat #catlife"
