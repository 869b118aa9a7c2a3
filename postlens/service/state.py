"""What a running server holds: settings, database, analyzer, interest models and the live
recommender."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from postlens.analysis import Analyzer
from postlens.config import Settings
from postlens.evaluation.abtest import Experiment
from postlens.interests.service import InterestService
from postlens.recommend.live import LiveRecommender
from postlens.service.schemas import PostCache
from postlens.store.db import Database
from postlens.store.schema import User

# The A/B arms are recommender configurations served from the same trained model.
ARMS = {"hybrid": {"diversity": 0.0, "freshness": 0.0},
        "hybrid-diverse": {"diversity": 0.3, "freshness": 0.5}}


@dataclass
class AppState:
    settings: Settings
    db: Database
    live: LiveRecommender
    experiment: Experiment
    posts: PostCache = field(default_factory=PostCache)
    key_cache: dict[str, tuple[User, float]] = field(default_factory=dict)
    _analyzer: Analyzer | None = None
    _interests: InterestService | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def create(cls, settings: Settings) -> AppState:
        db = Database.from_settings(settings)
        return cls(settings, db, LiveRecommender(db, settings),
                   Experiment(settings.experiment, tuple(ARMS)))

    @property
    def analyzer(self) -> Analyzer:
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    self._analyzer = Analyzer.from_settings(self.settings)
        return self._analyzer

    @property
    def interests(self) -> InterestService:
        if self._interests is None:
            with self._lock:
                if self._interests is None:
                    self._interests = InterestService(self.settings)
        return self._interests
