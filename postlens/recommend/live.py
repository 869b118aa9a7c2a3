"""The recommender a server (or a CLI run) answers with: loaded once, kept current, swapped.

* Requests never fit a model. The saved model is loaded on first use; when there is none,
  a background worker trains one while requests are answered from what is popular in the
  store. Retraining (after uploads) runs on the same worker and swaps the new model in
  atomically under the lock.
* Feedback is folded in from the store, not from the request: :meth:`refresh` reads every
  interaction newer than the model's watermark (the highest interaction id it has seen)
  and folds it in. That is idempotent, catches up a freshly loaded or retrained model, and
  picks up reactions recorded by other processes.
* Answers are cached per (model version, user, request) and dropped for the users whose
  interactions were folded in, and entirely on a swap.
* Several workers (processes or hosts) share one database and one model folder. With
  ``check_seconds`` > 0 each one looks, at most that often and on the request path, for a
  model another worker saved (a new file version: loaded and swapped in), for feedback
  other workers stored (folded in, those users' answers dropped) and for posts published or
  hidden elsewhere. A change reaches every worker within ``check_seconds`` of its next
  request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from functools import partial

import numpy as np
from sqlalchemy import func, select
from threadpoolctl import threadpool_limits

from postlens.errors import ModelError, NotFound, PostlensError
from postlens.recommend.base import POPULAR, Recommender
from postlens.recommend.cold_start import ColdStart
from postlens.recommend.content import content_part
from postlens.recommend.data import interaction_weight
from postlens.recommend.neighbours import PostNeighbours
from postlens.recommend.versions import file_version
from postlens.store.db import Database
from postlens.store.schema import Interaction, Post

log = logging.getLogger(__name__)

CACHE_SIZE = 4096
Answer = tuple[list[int], list[float], list[str]]
TRENDING = POPULAR
__all__ = ["TRENDING", "LiveRecommender", "file_version"]


class LiveRecommender:
    def __init__(self, db: Database, name: str, load: Callable[[], Recommender],
                 fit: Callable[[], Recommender], version_of: Callable[[], str], *,
                 train_when_missing: bool = True, cold_start: ColdStart | None = None,
                 check_seconds: float = 0.0) -> None:
        """``load`` reads the saved model (NotFound when none), ``fit`` trains and saves a
        new one, ``version_of`` names the saved file's version. Without a saved model, a
        server (``train_when_missing``) trains one in the background and answers with
        trending posts meanwhile; otherwise the NotFound is raised. ``cold_start`` seeds
        users the model does not know from their posts and stated interests."""
        self.train_when_missing = train_when_missing
        self.db = db
        self.name = name
        self._load, self._fit, self._version_of = load, fit, version_of
        self._model: Recommender | None = None
        self.version = "not-loaded-yet"
        self._lock = threading.RLock()
        self._loaded_once = False
        self._cache: OrderedDict[tuple[object, ...], Answer] = OrderedDict()
        self._wake = threading.Event()
        self._delay = 0.0
        self._closed = threading.Event()
        self._worker: threading.Thread | None = None
        self.retrainings = 0
        self._hidden: list[int] = []  # posts not public: never in anyone's list
        self._hidden_set: frozenset[int] = frozenset()
        self.cold_start = cold_start
        self._seeded: dict[int, str] = {}  # user -> why their seeds were chosen
        self.check_seconds = check_seconds
        self._checked_at = time.monotonic()
        self.neighbours = PostNeighbours.open(db)  # pgvector, when on PostgreSQL

    # -- the model ------------------------------------------------------------------------
    def current(self) -> Recommender | None:
        """The serving model, loaded on first use; None while none has been trained."""
        if not self._loaded_once:
            with self._lock:
                if not self._loaded_once:
                    self._loaded_once = True
                    try:
                        self.install(self._load())
                    except NotFound:
                        if not self.train_when_missing:
                            self._loaded_once = False
                            raise
                        log.info("no trained %s recommender yet: training in the background",
                                 self.name)
                        self.retrain_soon(0.0)
                    except ModelError:
                        log.exception("the saved %s recommender cannot be read: retraining",
                                      self.name)
                        self.retrain_soon(0.0)
        return self._model

    def retrain_soon(self, delay: float = 30.0) -> None:
        """Ask the background worker for one retraining ``delay`` seconds from now; requests
        made while one is pending share it."""
        with self._lock:
            if self._wake.is_set():
                return
            self._delay = delay
            self._wake.set()
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="retrain",
                                                daemon=True)
                self._worker.start()

    def retrain(self) -> None:
        """Fit a fresh model now, off to the side, and swap it in."""
        model = self._fit()
        self.retrainings += 1
        self.install(model)

    def close(self) -> None:
        self._closed.set()
        self._wake.set()

    def _work(self) -> None:
        while True:
            self._wake.wait()
            if self._closed.is_set() or self._closed.wait(self._delay):
                return
            with self._lock:
                self._wake.clear()
            try:
                self.retrain()
            except NotFound:
                log.info("nothing to train the %s recommender on yet", self.name)
            except PostlensError:
                log.exception("retraining the %s recommender failed", self.name)

    def install(self, model: Recommender) -> None:
        """Swap ``model`` in atomically and catch it up with the store's newer feedback."""
        version = f"{self.name}-{self._version_of()}"  # hashes the file: not under the lock
        with self._lock:
            self._model, self.version = model, version
            self._seeded.clear()  # the new model has no seeds: newcomers are seeded again
            self.refresh_hidden()
            self.refresh()

    def refresh_hidden(self) -> None:
        """Re-read which posts are not public (after a post is published or hidden)."""
        with self.db.reader() as session:
            hidden = sorted(session.scalars(select(Post.id).where(Post.visibility != "public")))
        if hidden != self._hidden:
            with self._lock:
                self._hidden, self._hidden_set = hidden, frozenset(hidden)
                self._cache.clear()

    # -- feedback -------------------------------------------------------------------------
    def refresh(self) -> int:
        """Fold every interaction stored since the model's watermark into it; the number of
        interactions folded. Users' cached answers are dropped."""
        with self._lock:
            model = self._model
            if model is None:
                return 0
            with self.db.reader() as session:
                rows = session.execute(
                    select(Interaction.id, Interaction.user_id, Interaction.post_id,
                           Interaction.kind, Interaction.weight, Interaction.value)
                    .where(Interaction.id > model.watermark_).order_by(Interaction.id)).all()
            if not rows:
                return 0
            by_user: dict[int, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
            for row in rows:
                weight = interaction_weight(row.kind, row.weight, row.value)
                # A post newer than the model is unknown to it: the next retraining has it.
                # A zero weight (a 2.5-star rating) still marks the post as seen.
                if model.knows_item(row.post_id):
                    by_user[row.user_id][0].append(row.post_id)
                    by_user[row.user_id][1].append(weight)
            for user_id, (items, weights) in by_user.items():
                model.update_user(user_id, items, weights)
                self._seeded.pop(user_id, None)  # their own taste explains from now on
            model.watermark_ = int(rows[-1].id)
            for key in [k for k in self._cache if k[1] in by_user]:
                del self._cache[key]
            return len(rows)

    # -- answers --------------------------------------------------------------------------
    def check_for_updates(self, *, force: bool = False) -> bool:
        """Pick up what other workers did (see the module's notes); whether anything was
        looked at. Cheap when nothing changed: a stat of the model file and two indexed
        queries."""
        now = time.monotonic()
        if not force and (self.check_seconds <= 0 or now - self._checked_at
                          < self.check_seconds or not self._loaded_once):
            return False
        self._checked_at = now
        if self._model is not None and f"{self.name}-{self._version_of()}" != self.version:
            try:
                self.install(self._load())  # refreshes hidden posts and feedback too
                return True
            except (NotFound, ModelError):
                log.exception("another worker's %s recommender cannot be loaded", self.name)
        self.refresh_hidden()
        self.refresh()
        return True

    def recommend(self, user_id: int, n: int, *, diversity: float = 0.0,
                  freshness: float = 0.0, novelty: float = 0.0, max_popular: float = 1.0
                  ) -> Answer:
        model = self.current()
        if self.check_for_updates():
            model = self.current()
        if model is None:
            return self._trending_in_store(n)
        key = (self.version, user_id, n, diversity, freshness, novelty, max_popular)
        # scipy and numpy objects are not safe to read while feedback mutates them.
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
            with threadpool_limits(1, "blas"):
                self._seed(model, user_id)
                ids, scores, why = model.recommend(user_id, n=n, diversity=diversity,
                                                   freshness=freshness, novelty=novelty,
                                                   max_popular=max_popular,
                                                   exclude=self._hidden or None)
                if user_id in self._seeded:
                    why = [self._seeded[user_id]] * len(ids)
                answer = (ids.tolist(), scores.tolist(), list(why))
            self._cache[key] = answer
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return answer

    def _seed(self, model: Recommender, user_id: int) -> None:
        """Fold a new user's seeds (their posts, stated interests) into the model, once."""
        if self.cold_start is None or model.knows_user(user_id):
            return
        try:
            seeds = self.cold_start.seeds(model, user_id)
        except Exception:  # seeding is a bonus: popularity serves them without it
            log.exception("no cold-start seeds for user %s", user_id)
            return
        if seeds is not None:
            model.update_user(user_id, seeds.item_ids, seeds.weights, mark_seen=False)
            self._seeded[user_id] = seeds.reason

    def _trending_in_store(self, n: int) -> Answer:
        """Before any model exists: the most liked posts, then the newest."""
        with self.db.reader() as session:
            liked = session.execute(
                select(Interaction.post_id, func.count())
                .join(Post, Post.id == Interaction.post_id)
                .where(Interaction.weight > 0, Post.visibility == "public")
                .group_by(Interaction.post_id).order_by(func.count().desc(),
                                                        Interaction.post_id).limit(n)).all()
            ids = [int(p) for p, _ in liked]
            scores = [float(c) for _, c in liked]
            if len(ids) < n:
                newest = session.scalars(select(Post.id).where(
                    Post.id.not_in(ids), Post.visibility == "public")
                    .order_by(Post.id.desc()).limit(n - len(ids)))
                for post_id in newest:
                    ids.append(int(post_id))
                    scores.append(0.0)
        return ids, scores, [TRENDING] * len(ids)

    def similar_to_post(self, post_id: int, n: int) -> tuple[list[int], list[float]]:
        model = self.current()
        if model is None or not model.knows_item(post_id):
            return [], []
        def search(k: int) -> tuple[list[int], list[float]]:
            with self._lock:
                ids, scores = model.similar_items(post_id, n=k)
            return ids.tolist(), scores.tolist()

        return self._visible(search, n, self._hidden_set)

    def similar_to_vector(self, embedding: np.ndarray, n: int,
                          exclude: int | None = None) -> tuple[list[int], list[float]]:
        """Nearest pictures to an embedding (e.g. a fresh upload): in the database's pgvector
        table on PostgreSQL, else in the trained model's content index."""
        skip = self._hidden_set if exclude is None else self._hidden_set | {exclude}
        if self.neighbours is not None:
            self.neighbours.sync()
            return self._visible(partial(self.neighbours.search, embedding), n, skip)
        model = self.current()
        if model is None:  # nothing trained yet: the first upload has no neighbours
            return [], []
        content = content_part(model)
        if content is None:
            return [], []
        def search(k: int) -> tuple[list[int], list[float]]:
            with self._lock:
                rows, scores = content.index_.search(embedding, k)
            found = [(int(model.item_ids_[r]), float(v))
                     for r, v in zip(rows[0], scores[0], strict=True) if r >= 0]
            return [i for i, _ in found], [v for _, v in found]

        return self._visible(search, n, skip)

    @staticmethod
    def _visible(search: Callable[[int], tuple[list[int], list[float]]], n: int,
                 skip: frozenset[int]) -> tuple[list[int], list[float]]:
        """The first ``n`` neighbours not in ``skip``: searches a little deeper than ``n``,
        and deeper again only when hidden posts crowd the top (not ``n`` + all hidden)."""
        k = n + 8
        while True:
            ids, scores = search(k)
            pairs = [(i, v) for i, v in zip(ids, scores, strict=True) if i not in skip][:n]
            if len(pairs) >= n or len(ids) < k:
                return [i for i, _ in pairs], [v for _, v in pairs]
            k *= 4
