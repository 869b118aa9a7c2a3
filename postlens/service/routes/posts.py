"""Posts, their pictures and similar posts: what the asker may see (public posts, their
own, and posts for followers of people they follow)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import FileResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from postlens.service.deps import OptionalUser, PostId, SessionDep, StateDep, Writer
from postlens.service.schemas import (
    ItemPublic,
    Page,
    PostPublic,
    VisibilityUpdate,
    items,
    json_response,
    posts_by_id,
)
from postlens.store.access import visible_post, visible_to
from postlens.store.schema import Post

router = APIRouter(tags=["posts"])
Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=10_000)]


@router.get("/api/posts", response_model=Page)
def list_posts(session: SessionDep, state: StateDep, user: OptionalUser, limit: Limit = 20,
               offset: Offset = 0) -> Response:
    """Newest posts first, paginated: public ones, and yours when you are signed in."""
    viewer = user.id if user else None
    ids = list(session.scalars(select(Post.id).where(visible_to(viewer))
                               .order_by(Post.id.desc()).offset(offset).limit(limit)))
    return json_response(Page(items=items(session, ids, [0.0] * len(ids), cache=state.posts),
                              offset=offset, limit=limit))


@router.get("/api/posts/{post_id}", response_model=PostPublic)
def get_post(post_id: PostId, session: SessionDep, user: OptionalUser) -> PostPublic:
    """One post with its picture's labels and content categories."""
    visible_post(session, post_id, user.id if user else None)
    return posts_by_id(session, [post_id])[post_id]


@router.put("/api/posts/{post_id}/visibility", response_model=PostPublic)
def set_visibility(post_id: PostId, body: VisibilityUpdate, session: SessionDep,
                   state: StateDep, user: Writer) -> PostPublic:
    """Publish your post (public, or for your followers) or make it private again; only
    public posts are recommended to others or listed as similar."""
    state.core.privacy.set_visibility(user, post_id, body.visibility)
    state.posts.forget(post_id)
    session.expire_all()
    return posts_by_id(session, [post_id])[post_id]


@router.get("/api/posts/{post_id}/similar", response_model=list[ItemPublic])
def similar_posts(post_id: PostId, session: SessionDep, state: StateDep, user: OptionalUser,
                  limit: Limit = 10) -> Response:
    """Public posts whose pictures look most alike."""
    visible_post(session, post_id, user.id if user else None)
    ids, scores = state.core.similar(post_id, limit)
    return json_response(items(session, ids, scores, ["looks similar"] * len(ids),
                               cache=state.posts))


@router.get("/pictures/{post_id}", include_in_schema=False)
async def picture_file(post_id: PostId, state: StateDep, user: OptionalUser) -> FileResponse:
    """The picture without its metadata (never the uploaded original)."""
    path = await run_in_threadpool(state.core.privacy.served_picture, post_id,
                                   user.id if user else None)
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=3600",
                                 "X-Content-Type-Options": "nosniff"})
