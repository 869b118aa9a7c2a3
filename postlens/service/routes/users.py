"""A user's private data: recommendations (the feed) and interest profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from postlens.interests.taxonomy import builtin_name
from postlens.service.deps import CurrentUser, SessionDep, StateDep, UserId, require_self
from postlens.service.schemas import (
    DeletedPublic,
    Page,
    ProfilePublic,
    StatedInterests,
    TaxonomyName,
    export_response,
    feed_public,
    json_response,
)

router = APIRouter(prefix="/api/users", tags=["users"])


@router.get("/{user_id}/recommendations", response_model=Page)
def recommendations(user_id: UserId, state: StateDep, session: SessionDep, user: CurrentUser,
                    limit: Annotated[int, Query(ge=1, le=100)] = 10,
                    offset: Annotated[int, Query(ge=0, le=400)] = 0) -> Response:
    """Your feed: ranked posts with scores and explanations. Every item shown is logged
    with the model version and A/B arm; send feedback with its recommendation_id."""
    require_self(user_id, user)
    page = state.core.recommend(user_id, limit, offset)
    return json_response(feed_public(session, page, state.posts))


@router.get("/{user_id}/profile", response_model=ProfilePublic)
async def profile(user_id: UserId, state: StateDep, user: CurrentUser,
                  taxonomy: Annotated[TaxonomyName, Query(description="A built-in taxonomy.")
                                      ] = "curlie-36",
                  k: Annotated[int, Query(ge=1, le=50)] = 5) -> ProfilePublic:
    """Your top interests from your 20 most recent posts and likes (newer counts more), with
    confidence, the picture-only and text-only confidences, and the posts behind each."""
    require_self(user_id, user)
    body = await run_in_threadpool(state.core.profile, user_id, builtin_name(taxonomy), k)
    return ProfilePublic(**body)


@router.put("/{user_id}/interests", response_model=ProfilePublic)
async def state_interests(user_id: UserId, body: StatedInterests, state: StateDep,
                          user: CurrentUser) -> ProfilePublic:
    """Say which curlie-36 interests you have (replaces the ones stated before; [] clears
    them). They lead a new profile and fade as your own posts and likes speak. Answers the
    refreshed profile."""
    require_self(user_id, user)
    await run_in_threadpool(state.core.accounts.state_interests, user_id, body.interests)
    return ProfilePublic(**await run_in_threadpool(state.core.profile, user_id))


@router.get("/{user_id}/export", response_class=Response,
            responses={200: {"content": {"application/zip": {}},
                             "description": "A ZIP: postlens-export.json and pictures/"}})
async def export(user_id: UserId, state: StateDep, user: CurrentUser) -> Response:
    """Download everything stored about you: account, posts with their analyses, original
    pictures, interactions, interest profiles and your API keys' labels."""
    require_self(user_id, user)
    return export_response(await run_in_threadpool(state.core.privacy.export, user_id))


@router.delete("/{user_id}", response_model=DeletedPublic)
def delete_account(user_id: UserId, state: StateDep, user: CurrentUser) -> DeletedPublic:
    """Delete your account and everything in it (posts, pictures nobody else posted,
    interactions, profiles, keys, sessions). It cannot be undone."""
    require_self(user_id, user)
    counts = state.core.privacy.delete_user(user_id)
    state.key_cache.clear()
    return DeletedPublic(**counts)
