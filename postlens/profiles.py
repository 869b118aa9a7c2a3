"""A user's content profile: category confidences of the pictures they post and engage with.

Recent activity counts more: the latest ``recent`` posts and positive interactions are
averaged with their interaction weights (an own post weighs 1). This is the picture-only
profile; text and fused interest models build on the same aggregation.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postlens.store.schema import Analysis, Interaction, Post


def category_rows(session: Session, user_id: int, recent: int = 20
                  ) -> list[tuple[list[dict[str, Any]], float]]:
    own = session.execute(
        select(Analysis.categories).join(Post, Post.picture_id == Analysis.picture_id)
        .where(Post.author_id == user_id).order_by(Post.posted_at.desc(), Post.id.desc())
        .limit(recent)).scalars().all()
    engaged = session.execute(
        select(Analysis.categories, Interaction.weight)
        .join(Post, Post.id == Interaction.post_id)
        .join(Analysis, Analysis.picture_id == Post.picture_id)
        .where(Interaction.user_id == user_id, Interaction.weight > 0)
        .order_by(Interaction.occurred_at.desc()).limit(recent)).all()
    return [(c, 1.0) for c in own] + [(c, float(w)) for c, w in engaged]


def activity_counts(session: Session, user_id: int) -> tuple[int, int]:
    posts = session.scalar(select(func.count()).select_from(Post)
                           .where(Post.author_id == user_id)) or 0
    interactions = session.scalar(select(func.count()).select_from(Interaction)
                                  .where(Interaction.user_id == user_id)) or 0
    return posts, interactions
