"""Posts as the interest model sees them: caption, top labels, cached caption embedding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.interests.model import PostContent, caption_text
from postlens.store.db import insert_ignoring_duplicates
from postlens.store.schema import Analysis, Post, TextEmbedding
from postlens.text.minilm import MiniLMEncoder


@dataclass
class StoredPost:
    id: int
    content: PostContent


def text_vectors(session: Session, posts: Sequence[tuple[int, str | None]],
                 encoder: MiniLMEncoder) -> dict[int, np.ndarray]:
    """Caption embeddings of (post id, caption) pairs: read from the cache, else computed
    and stored (an empty caption is stored as an empty vector, i.e. "no text")."""
    ids = [post_id for post_id, _ in posts]
    cached: dict[int, np.ndarray] = {}
    for start in range(0, len(ids), 500):
        for post_id, blob in session.execute(
                select(TextEmbedding.post_id, TextEmbedding.embedding)
                .where(TextEmbedding.post_id.in_(ids[start:start + 500]),
                       TextEmbedding.model == encoder.name,
                       TextEmbedding.model_version == encoder.version)):
            cached[post_id] = _vector(blob, encoder.embedding_dim)
    missing = [(post_id, caption) for post_id, caption in posts if post_id not in cached]
    if missing:
        texts = [caption_text(caption) for _, caption in missing]
        vectors = encoder.encode(texts)
        rows = []
        for (post_id, _), text, vector in zip(missing, texts, vectors, strict=True):
            cached[post_id] = vector
            rows.append({"post_id": post_id, "model": encoder.name,
                         "model_version": encoder.version,
                         "embedding": vector.astype("<f4").tobytes() if text else b""})
        insert_ignoring_duplicates(session, TextEmbedding.__table__, rows)
    return cached


def _vector(blob: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4").copy() if blob else np.zeros(dim, np.float32)


def load_posts(session: Session, post_ids: Sequence[int], encoder: MiniLMEncoder,
               *, with_embedding: bool = False) -> list[StoredPost]:
    """The given posts (in that order) with their newest picture analysis and text vector."""
    rows: dict[int, tuple[str | None, list | None, bytes | None]] = {}
    for start in range(0, len(post_ids), 500):
        chunk = list(post_ids[start:start + 500])
        query = (select(Post.id, Post.caption, Analysis.labels, Analysis.embedding)
                 .outerjoin(Analysis, Analysis.picture_id == Post.picture_id)
                 .where(Post.id.in_(chunk)).order_by(Analysis.id))
        for post_id, caption, labels, embedding in session.execute(query):
            rows[post_id] = (caption, labels, embedding)
    vectors = text_vectors(session, [(i, rows[i][0]) for i in post_ids if i in rows], encoder)
    out = []
    for post_id in post_ids:
        if post_id not in rows:
            continue
        caption, labels, embedding = rows[post_id]
        picture = (np.frombuffer(embedding, dtype="<f4")
                   if with_embedding and embedding else None)
        out.append(StoredPost(post_id, PostContent(caption, labels or None, picture,
                                                   vectors[post_id])))
    return out
