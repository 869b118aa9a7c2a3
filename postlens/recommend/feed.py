"""A user's feed, one page at a time: the one path the API, the web page and the CLI use.

It assigns the user's A/B arm, asks the live recommender for enough items (which falls back
to trending posts for users it does not know yet), cuts the page and logs every item shown
with the model version and arm, so that feedback can name the recommendation it answers.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from postlens.recommend.experiments import FEED_ARMS, Experiment
from postlens.recommend.feedback import ShownItem, log_recommendations
from postlens.recommend.live import LiveRecommender
from postlens.store.db import Database

MAX_DEPTH = 500  # offset + limit
MAX_REMEMBERED = 50_000  # pages remembered for de-duplicating repeated impressions


@dataclass
class FeedItem:
    post_id: int
    score: float
    explanation: str
    recommendation_id: int | None


@dataclass
class FeedPage:
    user_id: int
    arm: str
    model_version: str
    offset: int
    limit: int
    items: list[FeedItem]


class FeedService:
    def __init__(self, db: Database, live: LiveRecommender, experiment: Experiment,
                 arms: dict[str, dict[str, float]] | None = None, *,
                 repeat_seconds: float = 600.0) -> None:
        """``repeat_seconds``: the same page shown again to the same user within this time
        is one impression (its logged rows are reused), so a client that reloads or polls
        does not grow the log."""
        self.db = db
        self.live = live
        self.experiment = experiment
        self.arms = arms or FEED_ARMS
        self.repeat_seconds = repeat_seconds
        self._shown: OrderedDict[tuple[object, ...], tuple[float, list[int | None]]] = \
            OrderedDict()
        self._lock = threading.Lock()

    def page(self, user_id: int, limit: int = 10, offset: int = 0, *, log: bool = True
             ) -> FeedPage:
        """Items ``offset`` .. ``offset + limit`` of the user's feed, logged as shown."""
        limit = max(1, min(limit, MAX_DEPTH))
        offset = max(0, min(offset, MAX_DEPTH - limit))
        arm = self.experiment.assign(user_id)
        ids, scores, why = self.live.recommend(user_id, offset + limit, **self.arms[arm])
        shown = [ShownItem(i, s, w) for i, s, w in zip(ids[offset:], scores[offset:],
                                                       why[offset:], strict=True)]
        logged: list[int | None] = [None] * len(shown)
        if log and shown:
            logged = self._log(user_id, arm, offset, shown)
        items = [FeedItem(item.post_id, float(item.score), item.explanation, rec)
                 for item, rec in zip(shown, logged, strict=True)]
        return FeedPage(user_id, arm, self.live.version, offset, limit, items)

    def _log(self, user_id: int, arm: str, offset: int, shown: list[ShownItem]
             ) -> list[int | None]:
        key = (user_id, arm, self.live.version, offset, tuple(i.post_id for i in shown))
        now = time.monotonic()
        with self._lock:
            seen = self._shown.get(key)
            if seen is not None and now - seen[0] < self.repeat_seconds:
                return seen[1]
        with self.db.transaction() as session:
            _, row_ids = log_recommendations(
                session, user_id, shown, model=self.live.name,
                model_version=self.live.version, experiment=self.experiment.name, arm=arm)
        logged: list[int | None] = list(row_ids)
        with self._lock:
            self._shown[key] = (now, logged)
            while len(self._shown) > MAX_REMEMBERED:
                self._shown.popitem(last=False)
        return logged
