"""Who may see a post: its author always; everyone when it is public; the author's
followers when it is for followers. Everything else answers as if the post did not exist."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from postlens.errors import InvalidInput, NotFound
from postlens.store.db import valid_id
from postlens.store.schema import VISIBILITIES, Follow, Post


def visible_to(viewer_id: int | None) -> ColumnElement[bool]:
    """A WHERE clause: the posts ``viewer_id`` (None: anyone) may see."""
    public = Post.visibility == "public"
    if viewer_id is None:
        return public
    follows_author = exists(select(Follow.follower_id).where(
        Follow.follower_id == viewer_id, Follow.followee_id == Post.author_id))
    return or_(public, Post.author_id == viewer_id,
               and_(Post.visibility == "followers", follows_author))


def visible_post(session: Session, post_id: int, viewer_id: int | None,
                 *, operator: bool = False) -> Post:
    """The post if the viewer may see it, else NotFound (the same answer as for no post)."""
    query = select(Post).where(Post.id == post_id)
    if not operator:
        query = query.where(visible_to(viewer_id))
    post = session.scalar(query) if valid_id(post_id) else None
    if post is None:
        raise NotFound(f"unknown post id {post_id}")
    return post


def check_visibility(value: str) -> str:
    if value not in VISIBILITIES:
        raise InvalidInput(f"visibility must be one of {', '.join(VISIBILITIES)}")
    return value
