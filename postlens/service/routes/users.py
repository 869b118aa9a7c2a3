"""A user's private data: recommendations (the feed) and interest profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from postlens.errors import NotFound
from postlens.profiles import activity_counts, category_rows
from postlens.recommend.feedback import ShownItem, log_recommendations
from postlens.service.deps import CurrentUser, KeyDep, SessionDep, StateDep, require_self
from postlens.service.schemas import (
    Page,
    ProfilePublic,
    average_categories,
    items,
    json_response,
)
from postlens.service.state import ARMS, AppState
from postlens.store.schema import User

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
def profile(user_id: int, state: StateDep, session: SessionDep, user: CurrentUser,
            key: KeyDep) -> ProfilePublic:
    """Your top interests from your recent posts and likes, with confidence."""
    require_self(user_id, user, state, key)
    target = session.get(User, user_id)
    if target is None:
        raise NotFound(f"unknown user id {user_id}")
    posts, interactions = activity_counts(session, user_id)
    return ProfilePublic(user_id=target.id, handle=target.handle,
                         display_name=target.display_name,
                         interests=average_categories(category_rows(session, user_id)),
                         posts=posts, interactions=interactions)
