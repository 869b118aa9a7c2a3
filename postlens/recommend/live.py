"""The recommender a server answers with: loaded or trained once, cached, fed by feedback.

Answers are cached per (user, request) and dropped when that user gives feedback or when a
retrained model is swapped in. Retraining builds a new model off to the side and swaps it
under a lock, so requests never see a half-trained model.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from postlens.config import Settings
from postlens.errors import NotFound
from postlens.recommend.base import Recommender, UnknownId
from postlens.recommend.service import load_trained, model_path, train
from postlens.store.db import Database

CACHE_SIZE = 4096


class LiveRecommender:
    def __init__(self, db: Database, settings: Settings, name: str = "hybrid") -> None:
        self.db = db
        self.settings = settings
        self.name = name
        self._model: Recommender | None = None
        self.version = "not-loaded-yet"  # loaded (or trained) on first use
        self._lock = threading.RLock()  # model() installs under the lock it holds
        self._retrain_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._cache: OrderedDict[tuple[Any, ...], tuple[list[int], list[float], list[str]]] = \
            OrderedDict()

    # -- the model ------------------------------------------------------------------------
    @property
    def model(self) -> Recommender:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        self._install(load_trained(self.settings, self.name))
                    except NotFound:
                        self._install(train(self.db, self.settings, self.name))
        assert self._model is not None
        return self._model

    def retrain_soon(self, delay: float = 30.0) -> None:
        """Coalesce retraining requests: one retrain ``delay`` seconds after the first."""
        with self._lock:
            if self._timer is not None and self._timer.is_alive():
                return
            self._timer = threading.Timer(delay, self.retrain)
            self._timer.daemon = True
            self._timer.start()

    def retrain(self) -> None:
        """Fit a fresh model on everything in the database and swap it in."""
        if not self._retrain_lock.acquire(blocking=False):
            return  # one retraining at a time; the running one will see the new data too
        try:
            self._install(train(self.db, self.settings, self.name))
        finally:
            self._retrain_lock.release()

    def _install(self, model: Recommender) -> None:
        path = model_path(self.settings, self.name)
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.exists() else "mem"
        with self._lock:
            self._model, self.version = model, f"{self.name}-{digest}"
            self._cache.clear()

    # -- answers --------------------------------------------------------------------------
    def recommend(self, user_id: int, n: int, *, diversity: float = 0.0,
                  freshness: float = 0.0) -> tuple[list[int], list[float], list[str]]:
        key = (self.version, user_id, n, diversity, freshness)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        model = self.model
        # scipy and numpy objects are not safe to read while feedback mutates them.
        with self._lock, threadpool_limits(1, "blas"):
            try:
                ids, scores, why = model.recommend(user_id, n=n, diversity=diversity,
                                                   freshness=freshness)
                answer = (ids.tolist(), scores.tolist(), list(why))
            except UnknownId:
                answer = self._trending(model, n)
        with self._lock:
            self._cache[key] = answer
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return answer

    def _trending(self, model: Recommender, n: int) -> tuple[list[int], list[float], list[str]]:
        """For someone the model has never seen: what is popular right now."""
        counts = np.asarray((model.user_items_ > 0).sum(axis=0)).ravel().astype(np.float32)
        top = np.argsort(-counts, kind="stable")[:n]
        return (model.item_ids_[top].tolist(), counts[top].tolist(),
                ["trending now (we do not know your taste yet)"] * len(top))

    def feedback(self, user_id: int, post_id: int, weight: float) -> None:
        """Fold a reaction into the live model and drop that user's cached answers."""
        if weight:
            # A post newer than the model raises UnknownId: the next retraining includes it.
            with self._lock, contextlib.suppress(UnknownId):
                self.model.update_user(user_id, [post_id], [weight])
        with self._lock:
            for key in [k for k in self._cache if k[1] == user_id]:
                del self._cache[key]

    def similar_to_post(self, post_id: int, n: int) -> tuple[list[int], list[float]]:
        with self._lock:
            ids, scores = self.model.similar_items(post_id, n=n)
        return ids.tolist(), scores.tolist()

    def similar_to_vector(self, embedding: np.ndarray, n: int,
                          exclude: int | None = None) -> tuple[list[int], list[float]]:
        """Nearest pictures to an embedding (e.g. a fresh upload) in the content index."""
        try:
            model = self.model
        except NotFound:  # nothing to train on yet: the first upload has no neighbours
            return [], []
        content = next((c for c in getattr(model, "components_", [model])
                        if c.name == "content"), None)
        if content is None:
            return [], []
        with self._lock:
            rows, scores = content.index_.search(embedding, n + 1)
        pairs = [(int(model.item_ids_[r]), float(s)) for r, s in zip(rows[0], scores[0],
                                                                     strict=True)
                 if r >= 0 and int(model.item_ids_[r]) != exclude][:n]
        return [p for p, _ in pairs], [s for _, s in pairs]
