"""Likes predictions for pictures before posting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from postlens.errors import InvalidInput
from postlens.service.deps import StateDep, Uploader
from postlens.service.likes_schemas import LikesPredictionPublic
from postlens.service.routes.analyses import read_limited
from postlens.service.state import AppState
from postlens.store.schema import User

router = APIRouter(prefix="/api", tags=["likes"])
MAX_CANDIDATES = 10


@router.post("/likes/predictions", response_model=list[LikesPredictionPublic])
async def predict_likes(state: StateDep, user: Uploader,
                        files: Annotated[list[UploadFile], File(description="1 to 10 pictures")],
                        caption: Annotated[str | None, Form(max_length=2200)] = None,
                        account: Annotated[str | None, Form(max_length=200)] = None,
                        posted_at: Annotated[datetime | None, Form()] = None
                        ) -> list[LikesPredictionPublic]:
    """How many likes each candidate picture would get if posted by ``account`` (default:
    you) with ``caption``: likes, an interval, the strongest reasons, best first. Nothing
    is stored. Another account's level is read from its public posts only."""
    if not 1 <= len(files) <= MAX_CANDIDATES:
        raise InvalidInput(f"send 1 to {MAX_CANDIDATES} pictures, got {len(files)}")
    limit = state.core.settings.max_image_bytes
    pictures = [((f.filename or f"picture {i}")[:200], await read_limited(f, limit))
                for i, f in enumerate(files, start=1)]
    ranked = await run_in_threadpool(_predict, state, user, pictures, caption, account,
                                     posted_at)
    return [LikesPredictionPublic(**answer) for answer in ranked]


def _predict(state: AppState, user: User, pictures: list[tuple[str, bytes]],
             caption: str | None, account: str | None, posted_at: datetime | None
             ) -> list[dict[str, Any]]:
    return state.core.likes.predict(pictures, account=account or user.handle,
                                    caption=caption, posted_at=posted_at,
                                    public_only=account not in (None, user.handle))
