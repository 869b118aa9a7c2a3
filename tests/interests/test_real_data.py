"""The interest evaluations on the shared real data (skipped when it is absent)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from postlens.analysis.registry import STORED_TASKS, build_analyzer
from postlens.config import Settings
from postlens.evaluation import interest_runs, interests, movie_profiles, topics
from postlens.ingest import open_source
from postlens.ingest.pipeline import Ingestor
from postlens.interests.model import InterestModel
from postlens.interests.service import shipped_model
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import load_taxonomy
from postlens.runtime.cache import ModelCache
from postlens.store.db import Database
from tests.conftest import shared_dataset

pytestmark = pytest.mark.realdata


def _database(tmp_path_factory: pytest.TempPathFactory, models: ModelCache,
              format_name: str, folder: str) -> Iterator[Database]:
    path = shared_dataset(folder)
    settings = Settings(home=tmp_path_factory.mktemp(folder), database_url=None)
    db = Database.from_settings(settings)
    # the tasks interests read (faces and platform would add minutes on 2,947 posters)
    Ingestor(db, build_analyzer(settings, models, STORED_TASKS)).ingest(
        open_source(format_name, path))
    yield db
    db.dispose()


@pytest.fixture(scope="module")
def instagram_db(tmp_path_factory: pytest.TempPathFactory, models: ModelCache
                 ) -> Iterator[Database]:
    yield from _database(tmp_path_factory, models, "instaloader", "instagram-accounts")


def _by_method(rows: list[list[str]]) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in rows}


def test_seed_003_protocol_on_instagram_accounts(instagram_db: Database,
                                                 text_space: TextSpace) -> None:
    model = InterestModel(load_taxonomy("curlie-36"), text_space)
    with instagram_db.transaction() as session:
        accounts, skipped, features = interests.load_accounts(session, model)
    assert len(accounts) == 18 and len(skipped) == 2
    shipped = shipped_model(text_space)
    assert shipped.pretrained  # the packaged sources were found and fit
    rows = _by_method([r.row() for r in interests.evaluate_accounts(model, features, accounts,
                                                                     shipped)])
    percent = {m: float(r[0].split("%")[0]) for m, r in rows.items()}
    mrr = {m: float(r[3].split()[0]) for m, r in rows.items()}
    fused, text, image = (f"zero-shot + linear heads, {v}" for v in
                          ("fused", "text only", "image only"))
    assert percent[fused] >= 90.0  # the target
    assert percent[fused] >= max(percent[text], percent[image])
    assert mrr[fused] > max(mrr[text], mrr[image])
    assert percent["zero-shot, text only"] >= 60.0  # no training labels at all
    # The shipped text sources never saw these accounts; from captions they find more of the
    # accounts' interests than zero-shot does (issue 12 asks for the prior's 88.9%: not met,
    # see docs/evaluation.md).
    ours = "shipped model (never saw these accounts), text only"
    assert percent[ours] > percent["zero-shot, text only"] and mrr[ours] > 0.5


def test_topic_classification_on_tweets(tmp_path_factory: pytest.TempPathFactory,
                                        models: ModelCache, text_space: TextSpace) -> None:
    for db in _database(tmp_path_factory, models, "tweets", "tweets-with-images"):
        with db.transaction() as session:
            data = topics.load_topics(session, text_space, per_picture=5)
        rows = _by_method(topics.evaluate_topics(data, text_space))
    f1 = {m: float(r[1]) for m, r in rows.items()}
    fused, text, image = (f"zero-shot + linear heads, {v}" for v in
                          ("fused", "text only", "image only"))
    assert len(data.taxonomy) == 8
    # Text is near its ceiling here; the calibrated fusion must not lose to it.
    assert f1[fused] >= f1[text] > f1[image] > f1["majority event"]


def test_seed_002_protocol_on_movielens(tmp_path_factory: pytest.TempPathFactory,
                                        models: ModelCache, text_space: TextSpace) -> None:
    for db in _database(tmp_path_factory, models, "movielens", "movielens-posters"):
        with db.transaction() as session:
            data = movie_profiles.load_movies(session, text_space)
    assert len(data.liked) > 600
    rows = _by_method(movie_profiles.evaluate_movie_profiles(data))
    head = float(rows["linear head on poster embeddings (out of fold)"][0])
    zero_shot = float(rows["zero-shot (ConSE labels -> genre descriptions)"][0])
    assert head >= 0.5 and head > zero_shot


def test_profession_mapping() -> None:
    assert interests.profession_interests("Musician, actress, and businesswoman") == [
        "music", "movie"]
    assert interests.profession_interests("Cricketer") == []


def test_instagram_run_writes_its_table(instagram_db: Database, text_space: TextSpace) -> None:
    title, body = interest_runs.run_instagram(instagram_db, text_space)
    assert "seed 003" in title
    assert "| zero-shot + linear heads, fused |" in body
    assert "| prior: most frequent training interests |" in body
    assert "Left out (no interest among the 36)" in body
