"""Train, store and query recommenders against the database: what the CLI and API call."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.config import Settings
from postlens.errors import NotFound
from postlens.recommend.base import Recommender
from postlens.recommend.data import load_dataset
from postlens.recommend.registry import recommender_class
from postlens.store.db import Database
from postlens.store.schema import Post, User


def model_path(settings: Settings, name: str) -> Path:
    return settings.model_dir / f"recommender-{name}.npz"


def train(db: Database, settings: Settings, name: str = "hybrid", source: str | None = None,
          **params: Any) -> Recommender:
    with db.reader() as session:
        dataset = load_dataset(session, source=source)
    if len(dataset.interactions) == 0 and dataset.features is None:
        raise NotFound("nothing to train on: ingest posts and interactions first")
    model = recommender_class(name)(**params).fit(dataset)
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    model.save(model_path(settings, name))
    return model


def load_trained(settings: Settings, name: str = "hybrid") -> Recommender:
    path = model_path(settings, name)
    if not path.exists():
        raise NotFound(f"no trained {name} recommender: run `postlens train --model {name}`")
    return Recommender.load(path)


def fold_feedback(settings: Settings, name: str, user_id: int, post_id: int, weight: float
                  ) -> None:
    """Update the saved model with one reaction, so the next recommendation reflects it."""
    path = model_path(settings, name)
    if not path.exists():
        return  # nothing trained yet; the next `postlens train` includes the interaction
    model = Recommender.load(path)
    model.update_user(user_id, [post_id], [weight])
    model.save(path)


def resolve_user(session: Session, user: str) -> User:
    """A user by database id ("42") or handle ("instagram:natgeo")."""
    found = session.get(User, int(user)) if user.isdigit() else session.scalar(
        select(User).where(User.handle == user))
    if found is None:
        raise NotFound(f"unknown user {user!r}")
    return found


@dataclass
class RecommendedPost:
    post_id: int
    score: float
    explanation: str
    caption: str | None
    picture_path: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"post_id": self.post_id, "score": round(self.score, 5),
                "explanation": self.explanation, "caption": self.caption}


def describe(session: Session, ids: list[int], scores: list[float],
             explanations: list[str]) -> list[RecommendedPost]:
    posts = {p.id: p for p in session.scalars(select(Post).where(Post.id.in_(ids)))}
    out = []
    for post_id, score, why in zip(ids, scores, explanations, strict=True):
        post = posts.get(post_id)
        out.append(RecommendedPost(post_id, float(score), why, post.caption if post else None,
                                   post.picture.path if post and post.picture else None))
    return out
