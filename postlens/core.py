"""``Postlens(settings)``: the one object every entry point builds and calls.

It owns the database, the model cache, the analyzer and the services. The CLI, the web app
and API (``create_app(core)``), the demo and batch jobs all go through it, so a capability is
written once, here or below, and the edges only parse, call and format. Parts are built
lazily (``analyze`` never opens the database; ``stats`` never loads a model) and at most once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from postlens.config import Settings
from postlens.errors import NotFound
from postlens.insights import PostInsights, post_insights, stored_post_insights
from postlens.models import TEXT_ENCODER, model_cache, text_encoding
from postlens.runtime.cache import ModelCache

# The parts are imported where they are built: `postlens analyze` should not pay for
# scikit-learn, SciPy, SQLAlchemy or the recommenders (process start is part of its latency).
if TYPE_CHECKING:
    from postlens.analysis.analyzer import Analyzer
    from postlens.engagement.service import LikesService
    from postlens.ingest.pipeline import IngestReport
    from postlens.interests.model import PostContent
    from postlens.interests.service import InterestService
    from postlens.maintenance import Maintenance
    from postlens.privacy import Privacy
    from postlens.products.ads import AdService
    from postlens.products.service import ProductService
    from postlens.recommend.base import Recommender
    from postlens.recommend.experiments import Experiment
    from postlens.recommend.feed import FeedPage, FeedService
    from postlens.recommend.live import LiveRecommender
    from postlens.sign_in import Accounts
    from postlens.store.db import Database
    from postlens.store.schema import User
    from postlens.uploads import StoredUpload

log = logging.getLogger(__name__)
T = TypeVar("T")


class Postlens:
    def __init__(self, settings: Settings | None = None, *, models: ModelCache | None = None,
                 serving: bool = False) -> None:
        """``serving``: a long-running server, which trains a missing recommender in the
        background (answering with trending posts meanwhile); a CLI run reports it instead."""
        self.settings = settings or Settings()
        self.serving = serving
        self.models = models or model_cache(self.settings)
        self._parts: dict[str, Any] = {}
        self._lock = threading.RLock()

    def _part(self, name: str, build: Callable[[], T]) -> T:
        if name not in self._parts:
            with self._lock:
                if name not in self._parts:
                    self._parts[name] = build()
        part: T = self._parts[name]
        return part

    # -- parts ----------------------------------------------------------------------------
    @property
    def db(self) -> Database:
        from postlens.store.db import Database

        return self._part("db", lambda: Database.from_settings(self.settings))

    @property
    def analyzer(self) -> Analyzer:
        """The analyzer every stored picture goes through (the stored tasks at least)."""
        from postlens.analysis.registry import STORED_TASKS

        names = list(dict.fromkeys([*STORED_TASKS, *self.settings.analysis_tasks]))
        return self._part("analyzer", lambda: self.analyzer_for(names))

    def analyzer_for(self, tasks: Iterable[str] | None = None, top_k: int | None = None
                     ) -> Analyzer:
        """An analyzer running just ``tasks`` (default: the settings'), sharing the models."""
        from postlens.analysis.registry import build_analyzer

        settings = self.settings if top_k is None else self.settings.model_copy(
            update={"top_k_labels": top_k})
        return build_analyzer(settings, self.models, tasks)

    @property
    def interests(self) -> InterestService:
        from postlens.interests.service import InterestService
        from postlens.interests.space import TextSpace
        from postlens.text.minilm import MiniLMEncoder

        def build() -> InterestService:
            encoder = self.models.get(TEXT_ENCODER)
            if not isinstance(encoder, MiniLMEncoder):
                raise TypeError(f"model {TEXT_ENCODER} is not the text encoder")
            return InterestService(self.settings, TextSpace(encoder, self.settings.model_dir))
        return self._part("interests", build)

    @property
    def recommender(self) -> LiveRecommender:
        """The live recommender the feed serves."""
        return self.live(self.settings.served_model)

    def live(self, name: str) -> LiveRecommender:
        """The live recommender for the trained model ``name``."""
        from postlens.recommend.cold_start import ColdStart
        from postlens.recommend.live import LiveRecommender
        from postlens.recommend.training import load_trained, model_path, model_version, train

        return self._part(f"live:{name}", lambda: LiveRecommender(
            self.db, name, load=lambda: load_trained(self.settings, name, self.db),
            fit=lambda: train(self.db, self.settings, name, None, text_encoding(self.models)),
            version_of=model_version(self.db, name, model_path(self.settings, name)),
            train_when_missing=self.serving, cold_start=ColdStart(self.db, lambda: self.interests),
            check_seconds=self.settings.model_check_seconds if self.serving else 0.0))

    @property
    def accounts(self) -> Accounts:
        from postlens.sign_in import Accounts

        return self._part("accounts", lambda: Accounts(self.db))

    @property
    def privacy(self) -> Privacy:
        from postlens.privacy import Privacy

        def build() -> Privacy:
            return Privacy(self.db, self.settings.served_dir, self.settings.image_limits,
                           self._visibility_changed)
        return self._part("privacy", build)

    def _visibility_changed(self) -> None:
        for live in self._lives():
            live.refresh_hidden()

    def _lives(self) -> list[LiveRecommender]:
        """The live recommenders built so far (one per model served or asked for)."""
        return [part for key, part in list(self._parts.items()) if key.startswith("live:")]

    @property
    def products(self) -> ProductService:
        from postlens.products.service import ProductService

        return self._part("products", lambda: ProductService(self.db, self.interests))

    @property
    def ads(self) -> AdService:
        from postlens.products.ads import AdService

        return self._part("ads", lambda: AdService(self.products))

    @property
    def likes(self) -> LikesService:
        from postlens.engagement.service import LikesService

        return self._part("likes", lambda: LikesService(
            self.settings, lambda: self.db, self.analyzer_for, lambda: self.interests.encoder))

    @property
    def maintenance(self) -> Maintenance:
        from postlens.maintenance import Maintenance

        return self._part("maintenance", lambda: Maintenance(self.db, self.settings))

    @property
    def experiment(self) -> Experiment:
        from postlens.recommend.experiments import FEED_ARMS, Experiment

        return self._part("experiment",
                          lambda: Experiment(self.settings.experiment, tuple(FEED_ARMS)))

    def feed(self, model: str | None = None) -> FeedService:
        from postlens.recommend.feed import FeedService

        name = model or self.settings.served_model
        return self._part(f"feed:{name}", lambda: FeedService(self.db, self.live(name),
                                                               self.experiment))

    # -- pictures and posts ---------------------------------------------------------------
    def ingest(self, format_name: str, path: Path, *, commit_every: int | None = None,
               on_post: Callable[[], None] | None = None) -> IngestReport:
        from postlens.ingest import open_source
        from postlens.ingest.pipeline import Ingestor

        source = open_source(format_name, path)
        key = self.settings.pseudonymise_key
        ingestor = Ingestor(self.db, self.analyzer, on_post=on_post,
                            pseudonymise_key=key.get_secret_value() if key else None)
        return ingestor.ingest(source, commit_every=commit_every)

    def upload(self, user: User, data: bytes, caption: str | None = None,
               filename: str | None = None) -> StoredUpload:
        """Analyse and store a user's picture; it becomes recommendable at the next
        retraining, which the background worker runs (bursts of uploads share one)."""
        from postlens.uploads import store_upload

        stored = store_upload(self.db, self.analyzer, user, data, caption, filename)
        if self.serving:
            self.recommender.retrain_soon(self.settings.retrain_delay_seconds)
        return stored

    def insights(self, post_id: int, content: PostContent) -> PostInsights:
        """What a post page and an upload answer show beside the picture's own analysis."""
        return post_insights(post_id, content, self.recommender, self.interests)

    def post_insights(self, post_id: int) -> PostInsights:
        """:meth:`insights` of a stored post (its caption's embedding is cached on the way)."""
        return stored_post_insights(post_id, self.db, self.recommender, self.interests)

    def captions(self, post_ids: list[int]) -> dict[int, str | None]:
        from postlens.store.stats import captions

        with self.db.reader() as session:
            return captions(session, post_ids)

    # -- users ----------------------------------------------------------------------------
    def user(self, ref: str | int) -> User:
        """A user by database id (42 or "42") or handle ("instagram:natgeo")."""
        from sqlalchemy import select

        from postlens.store.db import valid_id
        from postlens.store.schema import User

        with self.db.reader() as session:
            text = str(ref)
            found = session.get(User, int(text)) if text.isdigit() and valid_id(int(text)) \
                else session.scalar(select(User).where(User.handle == text))
        if found is None:
            raise NotFound(f"unknown user {ref!r}")
        return found

    def profile(self, user_id: int, taxonomy: str | Path = "curlie-36", k: int = 5,
                recent: int = 20) -> dict[str, Any]:
        """The user's stored interest profile (refreshed when their activity changed), with
        how many posts and interactions they have in all."""
        from postlens.interests.service import activity_counts

        with self.db.transaction() as session:
            body = self.interests.profile(session, user_id, taxonomy, k, recent)
            posts, interactions = activity_counts(session, user_id)
        return {**body, "posts": posts, "interactions": interactions}

    # -- recommendations ------------------------------------------------------------------
    def recommend(self, user_id: int, limit: int = 10, offset: int = 0,
                  model: str | None = None) -> FeedPage:
        """A page of the user's feed (A/B arm, trending for strangers, impressions logged)."""
        return self.feed(model).page(user_id, limit, offset)

    def similar(self, post_id: int, n: int = 10, model: str | None = None
                ) -> tuple[list[int], list[float]]:
        return self.live(model or self.settings.served_model).similar_to_post(post_id, n)

    def feedback(self, user_id: int, post_id: int, kind: str,
                 recommendation_id: int | None = None) -> float:
        """Store a reaction idempotently and fold it into the live models; its weight."""
        from postlens.recommend.feedback import record_feedback

        with self.db.transaction() as session:
            weight = record_feedback(session, user_id, post_id, kind, recommendation_id)
        if weight:
            for live in self._lives():
                live.refresh()
        return weight

    def train(self, model: str | None = None, source: str | None = None) -> Recommender:
        """Fit a recommender on the store and save it; the served one is swapped in."""
        from postlens.recommend.training import train
        model = model or self.settings.served_model
        fitted = train(self.db, self.settings, model, source, text_encoding(self.models))
        if source is None and f"live:{model}" in self._parts:
            self.live(model).install(fitted)
        return fitted

    # -- reports --------------------------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        from postlens.store.stats import database_stats

        with self.db.reader() as session:
            return database_stats(session)

    def abtest_report(self, experiment: str | None = None) -> list[dict[str, Any]]:
        from postlens.evaluation.abtest import experiment_report

        with self.db.reader() as session:
            return experiment_report(session, experiment or self.experiment.name)

    def latest_evaluation(self) -> dict[str, Any] | None:
        """The last `postlens evaluate recommend` table, for the overview page."""
        path = self.evaluation_path("recommend")
        try:
            body: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return body

    def evaluation_path(self, name: str) -> Path:
        return self.settings.home / "evaluations" / f"{name}.json"

    def demo_keys(self) -> dict[str, str]:
        """Demo users' API keys, only when demo sign-in is on."""
        path = self.settings.home / "demo-keys.json"
        if not self.settings.demo_login or not path.exists():
            return {}
        keys: dict[str, str] = json.loads(path.read_text())
        return keys

    def close(self) -> None:
        if "maintenance" in self._parts:
            self.maintenance.stop()
        for live in self._lives():
            live.close()
        self.models.close()
        if "db" in self._parts:
            self.db.dispose()
