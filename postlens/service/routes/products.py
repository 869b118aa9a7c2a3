"""Products for a picture, ads for a user, reactions to ads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from postlens.products.service import PRODUCT_TASKS
from postlens.service.deps import CurrentUser, StateDep, Uploader, UserId, Writer, require_self
from postlens.service.product_schemas import (
    AdReaction,
    AdReactionPublic,
    AdsPublic,
    PictureProductsPublic,
    ProductPublic,
    products_public,
)
from postlens.service.routes.analyses import read_limited
from postlens.service.state import AppState
from postlens.store.db import MAX_ID

router = APIRouter(prefix="/api", tags=["products"])


@router.post("/products/recommendations", response_model=PictureProductsPublic)
async def picture_products(state: StateDep, user: Uploader, file: UploadFile,
                           caption: Annotated[str | None, Form(max_length=2200)] = None,
                           k: Annotated[int, Form(ge=1, le=20)] = 5) -> PictureProductsPublic:
    """Products for a picture (not stored): its faces and what they wear, its interests,
    and the catalogue ranked with a score and the reasons ("wearing a hat -> Wool beanie")."""
    data = await read_limited(file, state.core.settings.max_image_bytes)
    body = await run_in_threadpool(_products, state, data, caption, k, file.filename)
    return PictureProductsPublic(**body)


def _products(state: AppState, data: bytes, caption: str | None, k: int,
              filename: str | None) -> dict[str, Any]:
    analysis = state.core.analyzer_for(PRODUCT_TASKS).analyze_one((filename or "upload")[:200],
                                                                  data)
    return state.core.products.for_analysis(analysis, caption, k)


@router.get("/products", response_model=list[ProductPublic])
async def catalogue(state: StateDep, limit: Annotated[int, Query(ge=1, le=200)] = 50,
                    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0
                    ) -> list[ProductPublic]:
    """The product catalogue (the default one until a catalogue is imported)."""
    return products_public(await run_in_threadpool(state.core.products.catalogue_page,
                                                   limit, offset))


@router.get("/users/{user_id}/ads", response_model=AdsPublic)
async def ads(user_id: UserId, state: StateDep, user: CurrentUser,
              k: Annotated[int, Query(ge=1, le=20)] = 3) -> AdsPublic:
    """Your ads: ranked from your interests and what your pictures show, each with its
    explanation and impression id. Shown at most 3 times a day each; dismissed ones never
    again."""
    require_self(user_id, user)
    return AdsPublic(**await run_in_threadpool(state.core.ads.ads, user_id, k))


@router.post("/ads/{impression_id}/reactions", response_model=AdReactionPublic)
async def react(impression_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: AdReaction,
                state: StateDep, user: Writer) -> AdReactionPublic:
    """Click or dismiss an ad you were shown (idempotent)."""
    return AdReactionPublic(**await run_in_threadpool(state.core.ads.react, user.id,
                                                      impression_id, body.kind))
