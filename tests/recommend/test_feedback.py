"""Logged recommendations, feedback, and the A/B report over the database."""

from __future__ import annotations

import pytest

from postlens.errors import InvalidInput, NotFound
from postlens.evaluation.abtest import experiment_report
from postlens.recommend.feedback import ShownItem, log_recommendations, record_feedback
from postlens.store.db import Database
from postlens.store.schema import Interaction, Post, User


@pytest.fixture
def people(db: Database) -> tuple[int, int, list[int]]:
    with db.transaction() as session:
        ana, bo = User(handle="t:ana"), User(handle="t:bo")
        posts = [Post(source="t", external_id=str(i)) for i in range(4)]
        session.add_all([ana, bo, *posts])
        session.flush()
        return ana.id, bo.id, [p.id for p in posts]


def test_feedback_is_logged_once_and_becomes_an_interaction(db: Database, people) -> None:
    ana, _, posts = people
    with db.transaction() as session:
        _, shown = log_recommendations(session, ana, [ShownItem(posts[0], 0.9, "why")],
                                       model="hybrid", model_version="v1",
                                       experiment="e", arm="control")
        assert record_feedback(session, ana, posts[0], "like", shown[0]) == 2.0
        assert record_feedback(session, ana, posts[0], "like", shown[0]) == 0.0  # repeat
        assert record_feedback(session, ana, posts[1], "dislike") < 0
    with db.reader() as session:
        kinds = sorted(i.kind for i in session.query(Interaction).filter_by(user_id=ana))
    assert kinds == ["dislike", "like"]


def test_bad_feedback_is_refused(db: Database, people) -> None:
    ana, bo, posts = people
    with db.transaction() as session:
        _, shown = log_recommendations(session, ana, [ShownItem(posts[0], 1.0, "")],
                                       model="m", model_version="1")
        with pytest.raises(NotFound):
            record_feedback(session, 999, posts[0], "like")
        with pytest.raises(NotFound):
            record_feedback(session, ana, 999, "like")
        with pytest.raises(InvalidInput):
            record_feedback(session, ana, posts[0], "adore")
        with pytest.raises(InvalidInput, match="another user"):
            record_feedback(session, bo, posts[0], "click", shown[0])


def test_experiment_report(db: Database, people) -> None:
    ana, bo, posts = people
    with db.transaction() as session:
        for user, arm, clicks in ((ana, "control", 1), (bo, "hybrid", 3)):
            items = [ShownItem(p, 1.0, "") for p in posts]
            _, shown = log_recommendations(session, user, items, model="m", model_version="1",
                                           experiment="exp", arm=arm)
            for rec_id, post in list(zip(shown, posts, strict=True))[:clicks]:
                record_feedback(session, user, post, "click", rec_id)
    with db.reader() as session:
        report = experiment_report(session, "exp", ["control", "hybrid"])
    control, hybrid = report
    assert (control["impressions"], control["clicks"]) == (4, 1)
    assert hybrid["ctr"] == pytest.approx(0.75)
    assert 0 <= hybrid["ctr_p_value"] <= 1 and "ctr_p_value" not in control
    low, high = hybrid["ctr_ci95"]
    assert low < 0.75 < high
