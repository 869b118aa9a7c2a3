"""Live serving: loading, fold-in from the store, swapping, fallbacks, and the feed path."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from postlens.config import Settings
from postlens.errors import NotFound
from postlens.recommend.base import Recommender
from postlens.recommend.experiments import FEED_ARMS, Experiment
from postlens.recommend.feed import FeedService
from postlens.recommend.live import TRENDING, LiveRecommender, file_version
from postlens.recommend.training import load_trained, model_path, train
from postlens.store.db import Database
from postlens.store.schema import Interaction, Recommendation, User, utcnow
from tests.recommend.synthetic import COMMUNITY_A, COMMUNITY_B, HELD_OUT, store_community


def live(db: Database, settings: Settings, name: str = "als", *, serving: bool = True,
         fit: object = None) -> LiveRecommender:
    return LiveRecommender(
        db, name, load=lambda: load_trained(settings, name),
        fit=fit or (lambda: train(db, settings, name, factors=16)),  # type: ignore[arg-type]
        version_of=file_version(model_path(settings, name)), train_when_missing=serving)


class GatedFit:
    """A fit that signals when it starts and waits for the test to let it finish."""

    def __init__(self, db: Database, settings: Settings, factors: int = 16) -> None:
        self.db, self.settings, self.factors = db, settings, factors
        self.started, self.release = threading.Event(), threading.Event()

    def __call__(self) -> Recommender:
        self.started.set()
        self.release.wait(10)
        return train(self.db, self.settings, "als", factors=self.factors)


def wait_for_retraining(serving: LiveRecommender) -> None:
    deadline = time.monotonic() + 20
    while serving.current() is None or serving.retrainings == 0:
        assert time.monotonic() < deadline, "the background training never finished"
        time.sleep(0.05)


def add_interaction(db: Database, user: int, post: int, kind: str, weight: float) -> None:
    with db.transaction() as session:
        session.add(Interaction(user_id=user, post_id=post, kind=kind, weight=weight,
                                occurred_at=utcnow()))


def test_a_loaded_model_catches_up_with_feedback_stored_after_training(
        db: Database, settings: Settings) -> None:
    community = store_community(db)
    train(db, settings, "als", factors=16)
    ana, held_out = community.users[1], community.posts[HELD_OUT]
    add_interaction(db, ana, held_out, "dislike", -1.0)  # after the model was saved
    serving = live(db, settings)
    ids, _, _ = serving.recommend(ana, 5)
    assert held_out not in ids  # the dislike was folded in when the model loaded
    assert serving.refresh() == 0  # idempotent: nothing newer than the watermark


def test_refresh_folds_new_interactions_and_drops_only_their_users_answers(
        db: Database, settings: Settings) -> None:
    community = store_community(db)
    train(db, settings, "als", factors=16)
    serving = live(db, settings)
    ana, bo = community.users[1], community.users[2]
    first, _, _ = serving.recommend(ana, 5)
    assert first[0] == community.posts[HELD_OUT]
    other = serving.recommend(bo, 5)
    add_interaction(db, ana, community.posts[HELD_OUT], "dislike", -1.0)
    assert serving.refresh() == 1
    after, _, _ = serving.recommend(ana, 5)
    assert community.posts[HELD_OUT] not in after
    assert serving.recommend(bo, 5) is other  # bo's cached answer survived


def test_strangers_get_trending_and_no_model_means_trending_from_the_store(
        db: Database, settings: Settings) -> None:
    community = store_community(db)
    fit = GatedFit(db, settings)
    serving = live(db, settings, fit=fit)
    ids, _, why = serving.recommend(community.users[1], 5)  # no model yet: not waiting
    assert fit.started.wait(5) and len(ids) == 5 and set(why) == {TRENDING}
    liked = {community.posts[i] for i in COMMUNITY_A[:5]}
    assert set(ids) == liked  # most liked first (20 likes each), ties by id
    fit.release.set()
    wait_for_retraining(serving)
    ids, _, why = serving.recommend(community.users[1], 3)
    assert ids[0] == community.posts[HELD_OUT] and why[0] != TRENDING
    stranger_ids, _, stranger_why = serving.recommend(987_654, 3)
    assert len(stranger_ids) == 3 and set(stranger_why) == {TRENDING}
    serving.close()


def test_a_cli_run_reports_a_missing_model_instead_of_training(
        db: Database, settings: Settings) -> None:
    store_community(db)
    with pytest.raises(NotFound, match="postlens train --model als"):
        live(db, settings, serving=False).recommend(1, 5)


def test_retraining_swaps_the_model_while_requests_keep_being_answered(
        db: Database, settings: Settings) -> None:
    community = store_community(db)
    train(db, settings, "als", factors=16)
    serving = live(db, settings)
    ana = community.users[1]
    serving.recommend(ana, 5)
    before = serving.version
    fit = GatedFit(db, settings, factors=8)
    serving._fit = fit
    serving.retrain_soon(0.0)
    assert fit.started.wait(5)
    started = time.perf_counter()
    ids, _, _ = serving.recommend(ana, 5)  # answered by the old model during the fit
    assert time.perf_counter() - started < 2 and ids[0] == community.posts[HELD_OUT]
    assert serving.version == before
    fit.release.set()
    wait_for_retraining(serving)
    assert serving.version != before
    assert serving.current().params["factors"] == 8  # type: ignore[union-attr]
    serving.close()


def test_feed_pages_are_logged_with_arm_and_version(db: Database, settings: Settings) -> None:
    community = store_community(db)
    train(db, settings, "als", factors=16)
    experiment = Experiment("ranker", tuple(FEED_ARMS))
    feed = FeedService(db, live(db, settings), experiment)
    ana = community.users[1]
    first = feed.page(ana, limit=3, offset=0)
    second = feed.page(ana, limit=3, offset=3)
    assert first.arm == experiment.assign(ana) and len(first.items) == 3
    assert not {i.post_id for i in first.items} & {i.post_id for i in second.items}
    with db.reader() as session:
        rows = session.query(Recommendation).filter_by(user_id=ana).all()
    assert len(rows) == 6 and {r.arm for r in rows} == {first.arm}
    assert {r.model_version for r in rows} == {first.model_version}
    logged = {i.recommendation_id for i in first.items + second.items}
    assert logged == {r.id for r in rows}
    with db.transaction() as session:  # signed up, nothing liked yet: trending, logged
        newcomer = User(handle="t:new")
        session.add(newcomer)
        session.flush()
        newcomer_id = newcomer.id
    stranger = feed.page(newcomer_id, limit=2)
    assert [i.explanation for i in stranger.items] == [TRENDING, TRENDING]
    assert all(i.post_id in {community.posts[p] for p in COMMUNITY_A + COMMUNITY_B}
               for i in stranger.items)


def test_saving_is_atomic_and_a_damaged_model_is_retrained(
        db: Database, settings: Settings) -> None:
    community = store_community(db)
    train(db, settings, "als", factors=16)
    path: Path = model_path(settings, "als")
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".")]  # no temp left
    path.write_bytes(b"not a model")
    serving = live(db, settings)
    serving.recommend(community.users[1], 3)  # answered (trending) while it retrains
    wait_for_retraining(serving)
    ids, _, _ = serving.recommend(community.users[1], 3)
    assert ids[0] == community.posts[HELD_OUT]
    serving.close()
