"""New users: what to recommend before the model has seen them like anything.

In order of evidence: their first likes (folded in as feedback by
``LiveRecommender.refresh``, so they are no longer new), the pictures they posted since the
model was trained, the interests they stated at sign-up, then popularity (what
``Recommender.recommend`` serves to anyone it does not know). Pictures and stated interests
become *seed items*, folded into the model like light feedback that is not stored and does
not hide the seeds themselves: a posted picture picks its nearest pictures in the model's
content index; a stated interest in Football picks, among the model's most-liked posts,
those the interest model scores highest for Football.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select

from postlens.recommend.base import Recommender
from postlens.recommend.content import content_part
from postlens.store.db import Database
from postlens.store.schema import Analysis, Post, User

if TYPE_CHECKING:
    from postlens.interests.service import InterestService

CANDIDATES = 300  # the most-liked posts a stated interest picks its seeds from
PER_INTEREST = 5
SEED_WEIGHT = 0.5  # a seed counts as half a like
OWN_POSTS = 20
NEIGHBOURS = 5  # nearest pictures per posted picture
IMAGE_MODEL = "efficientnet-lite0"  # whose embeddings the content index holds


@dataclass
class Seeds:
    item_ids: list[int]
    weights: list[float]
    reason: str


class ColdStart:
    def __init__(self, db: Database, interests: Callable[[], InterestService]) -> None:
        self.db = db
        self.interests = interests
        self._lock = threading.Lock()
        # (the model it was computed for, items, scores, interest ids, interest names)
        self._matrix: tuple[weakref.ref[Recommender], np.ndarray, np.ndarray, list[str],
                            list[str]] | None = None

    def seeds(self, model: Recommender, user_id: int) -> Seeds | None:
        """Seed items for a user the model does not know; None: popularity it is."""
        with self.db.reader() as session:
            user = session.get(User, user_id)
            if user is None:
                return None
            own = session.scalars(
                select(Analysis.embedding).join(Post, Post.picture_id == Analysis.picture_id)
                .where(Post.author_id == user_id, Analysis.model == IMAGE_MODEL)
                .order_by(Post.id.desc())
                .limit(OWN_POSTS)).all()
            stated = list((user.attributes or {}).get("stated_interests", []))
        content = content_part(model)
        if own and content is not None:
            queries = np.stack([np.frombuffer(e, dtype="<f4") for e in own])
            rows, _ = content.index_.search(queries, NEIGHBOURS)
            near = list(dict.fromkeys(int(model.item_ids_[r]) for r in rows.ravel() if r >= 0))
            return Seeds(near, [1.0] * len(near), "like the pictures you posted")
        if not stated:
            return None
        items, scores, ids, names = self._interest_matrix(model)
        picked: dict[int, float] = {}
        chosen_names = []
        for interest in stated:
            if interest not in ids:
                continue
            column = scores[:, ids.index(interest)]
            chosen_names.append(names[ids.index(interest)])
            best = float(column.max()) if len(column) else 0.0
            for row in np.argsort(-column, kind="stable")[:PER_INTEREST]:
                if best > 0 and column[row] >= best / 2:  # the clear matches only
                    item = int(items[row])
                    picked[item] = max(picked.get(item, 0.0),
                                       SEED_WEIGHT * float(column[row]) / best)
        if not picked:
            return None
        return Seeds(list(picked), list(picked.values()),
                     "matches the interests you chose: " + ", ".join(chosen_names))

    def _interest_matrix(self, model: Recommender
                         ) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
        """(the model's most-liked items, their fused interest scores, interest ids and
        names), computed once per model."""
        from postlens.interests.posts import load_posts
        from postlens.text.minilm import MiniLMEncoder

        with self._lock:
            # A weak reference, not id(): a retrained model may reuse a freed one's address.
            if self._matrix is not None and self._matrix[0]() is model:
                return self._matrix[1:]
            counts = model.item_counts()
            order = np.argsort(-counts, kind="stable")[:CANDIDATES]
            service = self.interests()
            interest_model = service.model()
            encoder = service.encoder
            if not isinstance(encoder, MiniLMEncoder):
                raise TypeError("the interest service's encoder is not the text encoder")
            with self.db.transaction() as session:  # caches caption vectors
                posts = load_posts(session, [int(i) for i in model.item_ids_[order]], encoder,
                                   with_embedding=True)
            scores = np.nan_to_num(interest_model.score_posts([p.content for p in posts])
                                   .view("fused"))
            taxonomy = interest_model.taxonomy
            self._matrix = (weakref.ref(model), np.array([p.id for p in posts], np.int64),
                            scores, list(taxonomy.ids), [c.name for c in taxonomy.categories])
            return self._matrix[1:]
