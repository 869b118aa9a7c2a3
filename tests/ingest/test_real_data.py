"""Every importer on the real shared data sets (skipped when ../shared/data is absent)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.registry import STORED_TASKS, build_analyzer
from postlens.config import Settings
from postlens.ingest.instaloader import InstaloaderSource
from postlens.ingest.movielens import MovieLensSource
from postlens.ingest.pipeline import Ingestor
from postlens.ingest.tweets import TweetsSource
from postlens.runtime.cache import ModelCache
from postlens.store.db import Database
from postlens.store.schema import Interaction, Picture, Post, User
from tests.conftest import shared_dataset

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Database]:
    """Every importer against both stores postlens supports."""
    if request.param == "postgresql":
        settings = settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    database = Database.from_settings(settings)
    yield database
    database.dispose()


def count(db: Database, model: type) -> int:
    with db.reader() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_instaloader_accounts(db: Database, analyzer: Analyzer) -> None:
    source = InstaloaderSource(shared_dataset("instagram-accounts"))
    report = Ingestor(db, analyzer).ingest(source)
    assert report.errors == []
    assert count(db, Post) == 200 and count(db, User) == 20
    assert count(db, Picture) >= 195  # a few posts share one picture
    with db.reader() as session:
        ronaldo = session.scalars(select(User).where(User.handle == "instagram:cristiano")).one()
        assert ronaldo.attributes["profession"] == "Footballer"
        assert ronaldo.attributes["followers"] > 100_000_000
        post = session.scalars(select(Post).where(Post.author_id == ronaldo.id)).first()
        assert post is not None and post.likes and post.likes > 100_000
        assert post.platform == "instagram" and post.posted_at is not None


def test_tweets_with_images(db: Database, analyzer: Analyzer) -> None:
    source = TweetsSource(shared_dataset("tweets-with-images"))
    report = Ingestor(db, analyzer).ingest(source)
    assert report.errors == []
    assert count(db, Post) == 13_416  # tweets whose picture is in images/
    assert 350 <= count(db, Picture) <= 412
    with db.reader() as session:
        events = set(session.scalars(select(Post.extra["event"].as_string()).distinct()))
        assert {"boston", "sandy"} <= {e.split("_")[0] for e in events}


def test_movielens_posters(db: Database, models: ModelCache, settings: Settings) -> None:
    source = MovieLensSource(shared_dataset("movielens-posters"))
    # the stored tasks only: faces and platform on 2,947 posters would add minutes
    report = Ingestor(db, build_analyzer(settings, models, STORED_TASKS)).ingest(source)
    assert report.errors == []
    assert count(db, Post) == 2947  # movies in movies.csv that have a poster
    assert count(db, Interaction) == 58_498  # the README's count of ratings on them
    assert count(db, User) == 610
    with db.reader() as session:
        toy_story = session.scalars(select(Post).where(Post.external_id == "1")).one()
        assert toy_story.caption == "Toy Story (1995)"
        assert "Animation" in toy_story.extra["genres"]
        first = session.scalar(select(func.min(Interaction.occurred_at)))
        assert first is not None and first.replace(tzinfo=UTC) < datetime(2000, 1, 1, tzinfo=UTC)
