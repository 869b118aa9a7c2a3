"""Upload a picture, get its analysis at once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, UploadFile
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from postlens.engagement.data import caption_vectors
from postlens.errors import ImageTooLarge, InvalidInput
from postlens.interests.model import PostContent
from postlens.service.deps import SessionDep, StateDep, Uploader
from postlens.service.likes_schemas import LikesPredictionPublic
from postlens.service.schemas import (
    AnalysisPublic,
    CategoryScore,
    FacePublic,
    InterestScore,
    ProductPublic,
    Scored,
    items,
    platform_public,
)
from postlens.service.state import AppState
from postlens.store.schema import User

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
async def create_analysis(state: StateDep, session: SessionDep, user: Uploader,
                          file: UploadFile,
                          caption: Annotated[str | None, Form(max_length=2200)] = None
                          ) -> AnalysisPublic:
    """Store the picture as your post and return its labels, content categories with
    confidence, interests and the most similar pictures. The type is sniffed from the
    content; the file name is never used as a path."""
    data = await read_limited(file, state.core.settings.max_image_bytes)
    # Decoding, inference and the database are blocking work: off the event loop.
    return await run_in_threadpool(_analyse, state, session, user, data, caption,
                                   file.filename)


def _analyse(state: AppState, session: Session, user: User, data: bytes,
             caption: str | None, filename: str | None) -> AnalysisPublic:
    stored = state.core.upload(user, data, caption, filename)
    result = stored.analysis
    # The caption is embedded once, for both its interests and the likes prediction.
    text = caption_vectors(state.core.interests.encoder, [caption])[0]
    insights = state.core.insights(stored.post_id, PostContent(
        caption=caption, labels=result.labels, embedding=result.embedding, text_vector=text))
    faces = result.public.get("faces") or []
    products = state.core.products.for_picture(faces, insights.interests) if "faces" in \
        result.public else []
    likes = state.core.likes.for_upload(result, user.handle, caption, text)
    return AnalysisPublic(
        post_id=stored.post_id, faces=[FacePublic(**f) for f in faces],
        predicted_likes=LikesPredictionPublic(**likes) if likes else None,
        products=[ProductPublic(**p) for p in products], sha256=result.sha256,
        width=result.width, height=result.height,
        format=result.format,
        labels=[Scored(label=x["label"], score=x["score"]) for x in result.labels],
        categories=[CategoryScore(**c) for c in result.categories],
        interests=[InterestScore(**i) for i in insights.interests],
        similar=items(session, insights.similar_ids, insights.similar_scores,
                      ["looks similar"] * len(insights.similar_ids)),
        platform=platform_public(result.public.get("platform")),
        model=f"{result.model}/{result.model_version}")
