"""What recommenders learn from: interactions, item embeddings and the follow graph.

Ids are the database's own user and post ids. Interaction weights are implicit-feedback
strengths: positive for engagement (view < like < save/share), negative for dislikes. A star
rating r becomes r - 2.5, so 4 and 5 stars are positive and 1 or 2 stars negative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.store.schema import Analysis, Follow, Interaction, Post

RATING_CENTRE = 2.5
AUTHORED_WEIGHT = 1.0


@dataclass
class Interactions:
    user_ids: np.ndarray  # int64
    item_ids: np.ndarray  # int64
    weights: np.ndarray  # float32, negative = dislike
    times: np.ndarray  # float64 Unix seconds

    def __post_init__(self) -> None:
        self.user_ids = np.asarray(self.user_ids, dtype=np.int64)
        self.item_ids = np.asarray(self.item_ids, dtype=np.int64)
        self.weights = np.asarray(self.weights, dtype=np.float32)
        self.times = np.asarray(self.times, dtype=np.float64)
        n = len(self.user_ids)
        if not (len(self.item_ids) == len(self.weights) == len(self.times) == n):
            raise ValueError("interaction arrays must have the same length")

    def __len__(self) -> int:
        return len(self.user_ids)

    def subset(self, mask: np.ndarray) -> Interactions:
        return Interactions(self.user_ids[mask], self.item_ids[mask], self.weights[mask],
                            self.times[mask])

    def concat(self, other: Interactions) -> Interactions:
        return Interactions(np.concatenate([self.user_ids, other.user_ids]),
                            np.concatenate([self.item_ids, other.item_ids]),
                            np.concatenate([self.weights, other.weights]),
                            np.concatenate([self.times, other.times]))


@dataclass
class ItemFeatures:
    """Item embeddings (L2-normalised rows), optional captions for explanations and optional
    text embeddings of what is known about each item before anyone sees it (caption,
    hashtags, genres), rows aligned with ``item_ids``."""

    item_ids: np.ndarray
    vectors: np.ndarray
    titles: dict[int, str] = field(default_factory=dict)
    text_vectors: np.ndarray | None = None
    descriptions: dict[int, str] = field(default_factory=dict)  # what text_vectors encode


@dataclass
class Dataset:
    interactions: Interactions
    features: ItemFeatures | None = None
    follows: dict[int, np.ndarray] = field(default_factory=dict)  # follower -> followees
    all_item_ids: np.ndarray | None = None  # the catalogue, including never-seen items
    item_times: dict[int, float] = field(default_factory=dict)  # post id -> posted (Unix s)
    # The highest interaction id read from the store: anything newer is folded in later.
    watermark: int = 0

    def with_interactions(self, interactions: Interactions) -> Dataset:
        return Dataset(interactions, self.features, self.follows, self.all_item_ids,
                       self.item_times, self.watermark)

    def item_times_for(self, item_ids: np.ndarray) -> np.ndarray | None:
        if not self.item_times:
            return None
        return np.array([self.item_times.get(int(i), np.nan) for i in item_ids], np.float64)

    def catalogue(self) -> np.ndarray:
        pools = [self.interactions.item_ids]
        if self.features is not None:
            pools.append(self.features.item_ids)
        if self.all_item_ids is not None:
            pools.append(self.all_item_ids)
        return np.unique(np.concatenate(pools))


def description(caption: str | None, extra: dict[str, Any] | None) -> str:
    """What is known about a post before anyone interacts with it: its caption (hashtags
    included) and the genres or keywords its source gives. User-applied tags are left out:
    they exist only once people have seen the item."""
    extra = extra or {}
    words = [str(w) for key in ("genres", "keywords") for w in (extra.get(key) or [])]
    return " ".join(p for p in [caption or "", ", ".join(words)] if p).strip()


def with_text_vectors(dataset: Dataset, encode: Callable[[Sequence[str]], np.ndarray]
                      ) -> Dataset:
    """The dataset with its items' descriptions encoded (e.g. by the MiniLM text encoder)."""
    features = dataset.features
    if features is None or not features.descriptions:
        return dataset
    texts = [features.descriptions.get(int(i), "") for i in features.item_ids]
    features = replace(features, text_vectors=np.asarray(encode(texts), dtype=np.float32))
    return replace(dataset, features=features)


def interaction_weight(kind: str, weight: float, value: float | None) -> float:
    if kind == "rating" and value is not None:
        return value - RATING_CENTRE
    return weight


def load_dataset(session: Session, *, source: str | None = None,
                 model: str = "efficientnet-lite0") -> Dataset:
    """Everything a recommender needs, read from the database (optionally one source)."""
    query = select(Interaction.id, Interaction.user_id, Interaction.post_id, Interaction.kind,
                   Interaction.weight, Interaction.value, Interaction.occurred_at)
    posts_query = select(Post.id, Post.caption, Post.extra, Post.author_id, Post.posted_at,
                         Post.created_at, Analysis.embedding).join(
        Analysis, (Analysis.picture_id == Post.picture_id) & (Analysis.model == model))
    if source is not None:
        query = query.join(Post, Post.id == Interaction.post_id).where(Post.source == source)
        posts_query = posts_query.where(Post.source == source)
    rows = session.execute(query).all()
    interactions = Interactions(
        np.array([r.user_id for r in rows], dtype=np.int64),
        np.array([r.post_id for r in rows], dtype=np.int64),
        np.array([interaction_weight(r.kind, r.weight, r.value) for r in rows], np.float32),
        np.array([r.occurred_at.timestamp() for r in rows], dtype=np.float64))
    post_rows = session.execute(posts_query.order_by(Post.id)).all()
    item_times = {r.id: (r.posted_at or r.created_at).timestamp() for r in post_rows}
    authored = [r for r in post_rows if r.author_id is not None]
    if authored:
        # Posting a picture says something about taste: it is a cold-start user's first
        # signal, and it keeps the author's own posts out of their recommendations.
        interactions = interactions.concat(Interactions(
            np.array([r.author_id for r in authored], dtype=np.int64),
            np.array([r.id for r in authored], dtype=np.int64),
            np.full(len(authored), AUTHORED_WEIGHT, dtype=np.float32),
            np.array([item_times[r.id] for r in authored], dtype=np.float64)))
    features = None
    if post_rows:
        features = ItemFeatures(
            np.array([r.id for r in post_rows], dtype=np.int64),
            np.stack([np.frombuffer(r.embedding, dtype="<f4") for r in post_rows]),
            {r.id: (r.caption or f"post {r.id}")[:80] for r in post_rows},
            descriptions={r.id: description(r.caption, r.extra) for r in post_rows})
    follows: dict[int, list[int]] = {}
    for follower, followee in session.execute(select(Follow.follower_id, Follow.followee_id)):
        follows.setdefault(follower, []).append(followee)
    return Dataset(interactions, features,
                   {k: np.array(v, dtype=np.int64) for k, v in follows.items()},
                   item_times=item_times, watermark=max((r.id for r in rows), default=0))
