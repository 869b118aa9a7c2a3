"""Posts, their pictures and similar posts (public)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse
from sqlalchemy import select

from postlens.errors import NotFound
from postlens.service.deps import PostId, SessionDep, StateDep
from postlens.service.schemas import (
    ItemPublic,
    Page,
    PostPublic,
    items,
    json_response,
    posts_by_id,
)
from postlens.store.schema import Picture, Post
from postlens.vision.images import MIME_TYPES

router = APIRouter(tags=["posts"])
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=10_000)]


@router.get("/api/posts", response_model=Page)
def list_posts(session: SessionDep, state: StateDep, limit: Limit = 20, offset: Offset = 0
               ) -> Response:
    """Newest posts first, paginated."""
    ids = list(session.scalars(select(Post.id).order_by(Post.id.desc())
                               .offset(offset).limit(limit)))
    return json_response(Page(items=items(session, ids, [0.0] * len(ids), cache=state.posts),
                              offset=offset, limit=limit))


@router.get("/api/posts/{post_id}", response_model=PostPublic)
def get_post(post_id: PostId, session: SessionDep) -> PostPublic:
    """One post with its picture's labels and content categories."""
    found = posts_by_id(session, [post_id])
    if post_id not in found:
        raise NotFound(f"unknown post id {post_id}")
    return found[post_id]


@router.get("/api/posts/{post_id}/similar", response_model=list[ItemPublic])
def similar_posts(post_id: PostId, session: SessionDep, state: StateDep,
                  limit: Limit = 10) -> Response:
    """Posts whose pictures look most alike."""
    if session.get(Post, post_id) is None:
        raise NotFound(f"unknown post id {post_id}")
    ids, scores = state.core.similar(post_id, limit)
    return json_response(items(session, ids, scores, ["looks similar"] * len(ids),
                               cache=state.posts))


@router.get("/pictures/{post_id}", include_in_schema=False)
def picture_file(post_id: PostId, session: SessionDep, state: StateDep) -> FileResponse:
    row = session.execute(select(Picture).join(Post, Post.picture_id == Picture.id)
                          .where(Post.id == post_id)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no picture for post {post_id}")
    return FileResponse(state.core.db.blobs.path(row.path), media_type=MIME_TYPES[row.format],
                        headers={"Cache-Control": "public, max-age=86400",
                                 "X-Content-Type-Options": "nosniff"})
