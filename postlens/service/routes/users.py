"""A user's private data: recommendations (the feed) and interest profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from postlens.interests.service import activity_counts
from postlens.interests.taxonomy import builtin_name
from postlens.recommend.feedback import ShownItem, log_recommendations
from postlens.service.deps import CurrentUser, KeyDep, SessionDep, StateDep, require_self
from postlens.service.schemas import (
    Page,
    ProfilePublic,
    items,
    json_response,
)
from postlens.service.state import ARMS, AppState

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("/{user_id}/recommendations", response_model=Page)
def recommendations(user_id: int, state: StateDep, session: SessionDep, user: CurrentUser,
                    key: KeyDep, limit: Annotated[int, Query(ge=1, le=100)] = 10,
                    offset: Annotated[int, Query(ge=0, le=400)] = 0) -> Response:
    """Your feed: ranked posts with scores and explanations. Every item shown is logged
    with the model version and A/B arm; send feedback with its recommendation_id."""
    require_self(user_id, user, state, key)
    return json_response(build_feed(state, session, user_id, limit, offset))


def build_feed(state: AppState, session: Session, user_id: int, limit: int, offset: int
               ) -> Page:
    """One page of a user's feed, each item logged with the model version and A/B arm."""
    arm = state.experiment.assign(user_id)
    ids, scores, why = state.live.recommend(user_id, offset + limit, **ARMS[arm])
    ids, scores, why = ids[offset:], scores[offset:], why[offset:]
    with state.db.transaction() as writer:
        _, logged = log_recommendations(
            writer, user_id, [ShownItem(i, s, w) for i, s, w in zip(ids, scores, why,
                                                                     strict=True)],
            model=state.live.name, model_version=state.live.version,
            experiment=state.experiment.name, arm=arm)
    return Page(items=items(session, ids, scores, why, logged, cache=state.posts),
                offset=offset, limit=limit)


@router.get("/{user_id}/profile", response_model=ProfilePublic)
def profile(user_id: int, state: StateDep, user: CurrentUser, key: KeyDep,
            taxonomy: Annotated[str, Query(description="A built-in taxonomy name.")] = "curlie-36",
            k: Annotated[int, Query(ge=1, le=50)] = 5) -> ProfilePublic:
    """Your top interests from your 20 most recent posts and likes (newer counts more), with
    confidence, the picture-only and text-only confidences, and the posts behind each."""
    require_self(user_id, user, state, key)
    with state.db.transaction() as writer:  # the profile is stored and refreshed
        body = state.interests.profile(writer, user_id, builtin_name(taxonomy), k)
        posts, interactions = activity_counts(writer, user_id)
    return ProfilePublic(**body, posts=posts, interactions=interactions)

