"""Reactions to what was shown."""

from __future__ import annotations

from fastapi import APIRouter

from postlens.service.deps import StateDep, Writer
from postlens.service.schemas import FeedbackCreate, FeedbackPublic

router = APIRouter(prefix="/api", tags=["feedback"])


@router.post("/feedback", response_model=FeedbackPublic, status_code=201)
def create_feedback(body: FeedbackCreate, state: StateDep, user: Writer) -> FeedbackPublic:
    """Record an impression, click, like or dislike (as yourself). Likes and dislikes
    change your very next recommendations; repeats of the same reaction count once."""
    weight = state.core.feedback(user.id, body.post_id, body.kind, body.recommendation_id)
    return FeedbackPublic(post_id=body.post_id, kind=body.kind, weight=weight)
