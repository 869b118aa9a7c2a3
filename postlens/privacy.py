"""A person's control over their data: who sees each post, pictures served without their
metadata, and downloading or deleting everything that is theirs."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select

from postlens.errors import Forbidden, NotFound
from postlens.fileio import atomic_write_bytes
from postlens.store.access import check_visibility, visible_post
from postlens.store.db import Database
from postlens.store.schema import (
    ApiKey,
    Interaction,
    InterestProfile,
    Picture,
    Post,
    User,
)
from postlens.vision.images import ImageLimits, load_image

SERVED_SIDE = 2048  # longest side of a served picture
SERVED_QUALITY = 88


class Privacy:
    def __init__(self, db: Database, served_dir: Path, limits: ImageLimits,
                 on_change: Callable[[], None]) -> None:
        """``on_change`` runs after visibility changes or deletions (the live
        recommender re-reads what it may show)."""
        self.db = db
        self.served_dir = served_dir
        self.limits = limits
        self.on_change = on_change

    def set_visibility(self, user: User, post_id: int, visibility: str) -> None:
        """The author publishes a post (public, or for followers) or makes it private."""
        check_visibility(visibility)
        with self.db.transaction() as session:
            post = visible_post(session, post_id, user.id)
            if post.author_id != user.id:
                raise Forbidden("only its author can change who sees a post")
            post.visibility = visibility
        self.on_change()

    def served_picture(self, post_id: int, viewer_id: int | None, operator: bool = False
                       ) -> Path:
        """The picture as it is shown: re-encoded without EXIF, GPS, XMP or IPTC (the
        original, kept for analysis, is never served), at most 2048 px, made once."""
        with self.db.reader() as session:
            post = visible_post(session, post_id, viewer_id, operator=operator)
            picture = session.get(Picture, post.picture_id) if post.picture_id else None
            if picture is None:
                raise NotFound(f"no picture for post {post_id}")
        target = self._served_path(picture.sha256)
        if not target.exists():
            # Decoded no larger than needed (JPEG draft, early shrink), then resized.
            loaded = load_image(self.db.blobs.read(picture.path),
                                limits=self.limits, draft_size=SERVED_SIDE)
            image = loaded.image
            image.thumbnail((SERVED_SIDE, SERVED_SIDE))
            buffer = io.BytesIO()
            # A fresh encode carries no metadata unless asked: only the pixels go out.
            image.save(buffer, "JPEG", quality=SERVED_QUALITY, optimize=True)
            atomic_write_bytes(target, buffer.getvalue())
        return target

    def _served_path(self, sha256: str) -> Path:
        return self.served_dir / sha256[:2] / f"{sha256}.jpg"

    def export(self, user_id: int) -> bytes:
        """A ZIP of everything stored about the user: account, posts (with their
        analyses), original pictures, interactions, interest profiles and key labels."""
        with self.db.reader() as session:
            user = session.get(User, user_id)
            posts = list(session.scalars(select(Post).where(Post.author_id == user_id)))
            pictures = {p.id: p for p in session.scalars(select(Picture).where(
                Picture.id.in_([p.picture_id for p in posts if p.picture_id])))}
            body: dict[str, Any] = {
                "user": _row(user, exclude={"password_hash"}) if user else None,
                "posts": [_row(p) for p in posts],
                "interactions": [_row(i) for i in session.scalars(
                    select(Interaction).where(Interaction.user_id == user_id))],
                "interest_profiles": [_row(p) for p in session.scalars(
                    select(InterestProfile).where(InterestProfile.user_id == user_id))],
                "api_keys": [_row(k, exclude={"key_hash"}) for k in session.scalars(
                    select(ApiKey).where(ApiKey.user_id == user_id))]}
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            out.writestr("postlens-export.json", json.dumps(body, indent=2, default=str))
            for post in posts:
                picture = pictures.get(post.picture_id or -1)
                if picture is not None:
                    out.writestr(f"pictures/{post.id}.{Path(picture.path).suffix[1:]}",
                                 self.db.blobs.read(picture.path))
        return archive.getvalue()

    def delete_user(self, user_id: int) -> dict[str, int]:
        """Delete the user and everything theirs: posts (and others' reactions to them),
        pictures nobody else posted (files included), interactions, profiles, keys,
        sessions. Counts of what went."""
        with self.db.transaction() as session:
            post_ids = list(session.scalars(select(Post.id).where(Post.author_id == user_id)))
            picture_ids = set(session.scalars(select(Post.picture_id).where(
                Post.id.in_(post_ids), Post.picture_id.is_not(None))))
            session.execute(delete(Post).where(Post.id.in_(post_ids)))
            shared = set(session.scalars(select(Post.picture_id).where(
                Post.picture_id.in_(picture_ids))))
            gone = [p for p in session.scalars(select(Picture).where(
                Picture.id.in_(picture_ids - shared)))]
            files = [p.path for p in gone]
            served = [self._served_path(p.sha256) for p in gone]
            session.execute(delete(Picture).where(Picture.id.in_([p.id for p in gone])))
            interactions = session.scalar(select(func.count()).select_from(Interaction)
                                          .where(Interaction.user_id == user_id)) or 0
            session.execute(delete(User).where(User.id == user_id))
        for relative in files:
            self.db.blobs.delete(relative)
        for path in served:
            path.unlink(missing_ok=True)
        self.on_change()
        return {"posts": len(post_ids), "pictures": len(files), "interactions": interactions}


def _row(obj: Any, exclude: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in obj.__table__.columns
            if c.key not in exclude and not isinstance(getattr(obj, c.key), bytes)}

