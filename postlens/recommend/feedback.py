"""The feedback loop: log what was shown, record reactions, fold them into the live model.

Every recommendation shown is logged with the model, its version and the A/B arm. A click,
like or dislike is stored twice: as feedback on that logged recommendation (for A/B reports)
and as an interaction (for the next full retraining); :func:`record_feedback` returns the
weight to fold into the in-memory model at once with ``Recommender.update_user``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from postlens.errors import InvalidInput, NotFound
from postlens.store.db import insert_ignoring_duplicates, valid_id
from postlens.store.schema import (
    DEFAULT_WEIGHTS,
    Feedback,
    Interaction,
    Post,
    Recommendation,
    User,
    utcnow,
)

FEEDBACK_KINDS = ("impression", "click", "like", "dislike", "share", "save", "comment")


@dataclass
class ShownItem:
    post_id: int
    score: float
    explanation: str


def log_recommendations(session: Session, user_id: int, items: Sequence[ShownItem], *,
                        model: str, model_version: str, experiment: str | None = None,
                        arm: str | None = None) -> tuple[str, list[int]]:
    """Store one response's items; returns its request id and the logged row ids."""
    request_id = str(uuid.uuid4())
    if not items:
        return request_id, []
    now = utcnow()
    rows = [{"request_id": request_id, "user_id": user_id, "post_id": item.post_id,
             "rank": rank, "score": float(item.score), "explanation": item.explanation[:300],
             "model": model, "model_version": model_version, "experiment": experiment,
             "arm": arm, "created_at": now}
            for rank, item in enumerate(items, start=1)]
    # Core INSERT ... RETURNING: one statement for the whole page, no ORM bookkeeping.
    ids = session.scalars(insert(Recommendation).returning(Recommendation.id,
                                                           sort_by_parameter_order=True),
                          rows).all()
    return request_id, list(ids)


def record_feedback(session: Session, user_id: int, post_id: int, kind: str,
                    recommendation_id: int | None = None) -> float:
    """Store a reaction idempotently; returns the interaction weight it adds (0 for views)."""
    if kind not in FEEDBACK_KINDS:
        raise InvalidInput(f"unknown feedback kind {kind!r}; one of {', '.join(FEEDBACK_KINDS)}")
    if not valid_id(user_id) or session.get(User, user_id) is None:
        raise NotFound(f"unknown user id {user_id}")
    if not valid_id(post_id) or session.get(Post, post_id) is None:
        raise NotFound(f"unknown post id {post_id}")
    if recommendation_id is not None:
        shown = (session.get(Recommendation, recommendation_id)
                 if valid_id(recommendation_id) else None)
        if shown is None:
            raise NotFound(f"unknown recommendation id {recommendation_id}")
        if (shown.user_id, shown.post_id) != (user_id, post_id):
            raise InvalidInput("that recommendation was shown to another user or for another post")
        already = session.scalar(select(Feedback.id).where(
            Feedback.recommendation_id == recommendation_id, Feedback.kind == kind))
        if already is not None:
            return 0.0  # a repeated click or like counts once
    try:
        with session.begin_nested():  # a concurrent duplicate loses the race harmlessly
            session.add(Feedback(recommendation_id=recommendation_id, user_id=user_id,
                                 post_id=post_id, kind=kind))
    except IntegrityError:
        return 0.0
    if kind == "impression":
        return 0.0
    # A reaction to a post counts once, however often it is sent (with or without the
    # recommendation it answers): likes must not stack into an ever heavier interaction.
    already_reacted = session.scalar(select(Interaction.id).where(
        Interaction.user_id == user_id, Interaction.post_id == post_id,
        Interaction.kind == kind).limit(1))
    if already_reacted is not None:
        return 0.0
    weight = DEFAULT_WEIGHTS[kind]
    insert_ignoring_duplicates(session, Interaction.__table__, [
        {"user_id": user_id, "post_id": post_id, "kind": kind, "weight": weight,
         "value": None, "occurred_at": utcnow()}])
    session.flush()
    return weight


def prune_recommendation_log(session: Session, older_than_days: float) -> int:
    """Delete logged recommendations older than the retention period (feedback on them
    stays, unlinked); the number of rows removed."""
    cutoff = utcnow() - timedelta(days=older_than_days)
    result = session.execute(delete(Recommendation).where(Recommendation.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
