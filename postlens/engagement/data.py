"""Posts with likes as :class:`LikesInput`: from a folder (a likes folder, an Instaloader
download), from the store, or from one picture about to be posted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import func, select

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.appearance import appearance
from postlens.analysis.picture import AnalysisFailure, PictureAnalysis
from postlens.engagement.features import LikesInput
from postlens.errors import InvalidInput
from postlens.ingest.records import PostRecord
from postlens.interests.model import caption_text
from postlens.interests.posts import text_vectors
from postlens.store.db import Database
from postlens.store.schema import Analysis, Picture, Post, User
from postlens.text.minilm import MiniLMEncoder
from postlens.vision.images import ImageLimits, load_image

LIKES_TASKS = ("embedding", "categories", "faces", "appearance")


def caption_vectors(encoder: MiniLMEncoder, captions: Sequence[str | None]) -> np.ndarray:
    """Caption embeddings as the store keeps them: an empty caption is a zero vector."""
    texts = [caption_text(c) for c in captions]
    vectors = np.zeros((len(texts), encoder.embedding_dim), dtype=np.float32)
    filled = [i for i, text in enumerate(texts) if text]
    if filled:
        vectors[filled] = encoder.encode([texts[i] for i in filled])
    return vectors


def picture_input(analysis: PictureAnalysis, text_vector: np.ndarray, *, account: str,
                  caption: str | None = None, posted_at: datetime | None = None,
                  followers: int | None = None, likes: int | None = None) -> LikesInput:
    return LikesInput(
        account=account, embedding=analysis.embedding, text_embedding=text_vector,
        caption=caption or "", posted_at=posted_at,
        categories=analysis.public.get("categories", []),
        faces=analysis.public.get("faces", []), appearance=analysis.public.get("appearance", {}),
        size=(analysis.width, analysis.height), followers=followers, likes=likes,
        name=analysis.source)


def with_ages(items: list[LikesInput]) -> list[LikesInput]:
    """Each post's age when its likes were counted, taken as the time to the account's
    newest post (the snapshot time of a download is not recorded)."""
    newest: dict[str, datetime] = {}
    for item in items:
        if item.posted_at is not None:
            newest[item.account] = max(newest.get(item.account, item.posted_at), item.posted_at)
    for item in items:
        if item.posted_at is not None and item.age_days is None:
            item.age_days = (newest[item.account] - item.posted_at).total_seconds() / 86400
    return items


def inputs_from_records(records: Iterable[PostRecord], analyzer: Analyzer,
                        encoder: MiniLMEncoder, source: str) -> list[LikesInput]:
    """Analyse the pictures of a folder's posts that have likes (nothing is stored)."""
    chosen = [r for r in records if r.likes is not None and r.picture is not None]
    if not chosen:
        raise InvalidInput("no posts with likes and a picture", source=source)
    texts = caption_vectors(encoder, [r.caption for r in chosen])
    items = []
    pictures = [(f"{r.external_id}", r.picture) for r in chosen]
    for record, text, result in zip(chosen, texts, analyzer.analyze_many(pictures),  # type: ignore[arg-type]
                                    strict=True):
        if isinstance(result, AnalysisFailure):
            raise InvalidInput(f"{result.source}: {result.error.message}", source=source)
        followers = record.author_attributes.get("followers")
        items.append(picture_input(
            result, text, account=f"{source}:{record.author}", caption=record.caption,
            posted_at=record.posted_at, likes=record.likes,
            followers=followers if isinstance(followers, int) else None))
    return with_ages(items)


def inputs_from_store(db: Database, encoder: MiniLMEncoder, limits: ImageLimits,
                      account: str | None = None, *, public_only: bool = False,
                      post_ids: list[int] | None = None) -> list[LikesInput]:
    """Every stored post with likes and an analysed picture (of one account if given, public
    ones only if asked); or the given posts, with or without likes."""
    with db.transaction() as session:
        query = (select(Post.id, Post.caption, Post.posted_at, Post.likes, User.handle,
                        User.attributes, Analysis, Picture)
                 .join(User, User.id == Post.author_id)
                 .join(Picture, Picture.id == Post.picture_id)
                 .join(Analysis, Analysis.picture_id == Picture.id)
                 .order_by(Post.id, Analysis.id))
        if post_ids is not None:
            query = query.where(Post.id.in_(post_ids))
        else:
            query = query.where(Post.likes.is_not(None))
        if account is not None:
            query = query.where(User.handle == account)
        if public_only:
            query = query.where(Post.visibility == "public")
        rows: dict[int, Any] = {}
        for row in session.execute(query):
            rows[row[0]] = row  # the newest analysis of each post wins
        vectors = text_vectors(session, [(i, rows[i][1]) for i in rows], encoder)
        items = [_stored_input(db, row, vectors[post_id], limits)
                 for post_id, row in rows.items()]
    return with_ages(items)


def history_key(db: Database, account: str, public_only: bool) -> tuple[int, int | None]:
    """How many stored posts with likes the account has, and the newest one's id (read-only:
    a changed key means the account's level must be read again)."""
    query = (select(func.count(Post.id), func.max(Post.id)).join(User, User.id == Post.author_id)
             .where(User.handle == account, Post.likes.is_not(None)))
    if public_only:
        query = query.where(Post.visibility == "public")
    with db.reader() as session:
        count, newest = session.execute(query).one()
    return int(count), newest


def _stored_input(db: Database, row: Any, text: np.ndarray, limits: ImageLimits
                  ) -> LikesInput:
    post_id, caption, posted_at, likes, handle, attributes, analysis, picture = row
    results = analysis.results or {}
    looks = results.get("appearance")
    if looks is None:  # analysed before the appearance task existed: read the picture
        data = db.blobs.read(picture.path)
        looks = appearance(load_image(data, limits=limits, draft_size=512).image)
    followers = (attributes or {}).get("followers")
    return LikesInput(
        account=handle, embedding=np.frombuffer(analysis.embedding, dtype="<f4"),
        text_embedding=text, caption=caption or "", posted_at=posted_at,
        categories=analysis.categories or [], faces=results.get("faces", []),
        appearance=looks, size=(picture.width, picture.height),
        followers=followers if isinstance(followers, int) else None, likes=likes,
        name=f"post {post_id}")


def by_account(items: list[LikesInput]) -> dict[str, list[LikesInput]]:
    groups: dict[str, list[LikesInput]] = defaultdict(list)
    for item in items:
        groups[item.account].append(item)
    return dict(groups)

