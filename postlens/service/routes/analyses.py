"""Upload a picture, get its analysis at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from postlens.errors import ImageTooLarge, InvalidInput
from postlens.interests.model import PostContent
from postlens.service.deps import CurrentUser, SessionDep, StateDep
from postlens.service.schemas import (
    AnalysisPublic,
    CategoryScore,
    InterestScore,
    Scored,
    items,
)
from postlens.service.state import AppState
from postlens.store.schema import User
from postlens.uploads import store_upload

router = APIRouter(prefix="/api", tags=["analyses"])


async def read_limited(upload: UploadFile, limit: int) -> bytes:
    """Read at most ``limit`` bytes; refuse a larger upload without reading it all."""
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise ImageTooLarge(f"upload is larger than the limit of {limit} bytes")
    if not data:
        raise InvalidInput("the upload is empty")
    return data


@router.post("/analyses", response_model=AnalysisPublic, status_code=201)
async def create_analysis(state: StateDep, session: SessionDep, user: CurrentUser,
                          background: BackgroundTasks, file: UploadFile,
                          caption: Annotated[str | None, Form(max_length=2200)] = None
                          ) -> AnalysisPublic:
    """Store the picture as your post and return its labels, content categories with
    confidence, interests and the most similar pictures. The type is sniffed from the
    content; the file name is never used as a path."""
    data = await read_limited(file, state.settings.max_image_bytes)
    # Decoding, inference and the database are blocking work: off the event loop.
    body = await run_in_threadpool(_analyse, state, session, user, data, caption,
                                   file.filename)
    # The new picture becomes recommendable at the next retraining; bursts share one.
    background.add_task(state.live.retrain_soon, state.settings.retrain_delay_seconds)
    return body


def _analyse(state: AppState, session: Session, user: User, data: bytes,
             caption: str | None, filename: str | None) -> AnalysisPublic:
    stored = store_upload(state.db, state.analyzer, user, data, caption, filename)
    result = stored.analysis
    similar_ids, similar_scores = state.live.similar_to_vector(result.embedding, 6,
                                                               exclude=stored.post_id)
    interests = state.interests.for_post(PostContent(caption=caption, labels=result.labels,
                                                     embedding=result.embedding),
                                         k=3)
    return AnalysisPublic(
        post_id=stored.post_id, sha256=result.sha256, width=result.width, height=result.height,
        format=result.format,
        labels=[Scored(label=x["label"], score=x["score"]) for x in result.labels],
        categories=[CategoryScore(**c) for c in result.categories],
        interests=[InterestScore(**i) for i in interests["fused"]],
        similar=items(session, similar_ids, similar_scores, ["looks similar"] * len(similar_ids)),
        model=f"{result.model}/{result.model_version}")
