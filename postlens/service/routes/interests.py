"""Interests of a text, without storing anything."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from postlens.interests.model import PostContent
from postlens.interests.taxonomy import builtin_name
from postlens.service.deps import StateDep
from postlens.service.schemas import InterestsPublic, InterestsQuery

router = APIRouter(prefix="/api", tags=["interests"])


@router.post("/interests", response_model=InterestsPublic)
async def text_interests(query: InterestsQuery, state: StateDep) -> InterestsPublic:
    """Top interests of a caption or any text over a built-in taxonomy, with calibrated
    confidence (hashtags are segmented: #golflife -> "golf life")."""
    body = await run_in_threadpool(state.core.interests.for_post, PostContent(caption=query.text),
                                   builtin_name(query.taxonomy), query.k)
    return InterestsPublic(**body)
