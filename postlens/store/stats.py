"""Counts of what the database holds, for `postlens stats` and the overview page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postlens.store.schema import (
    AdImpression,
    Analysis,
    Follow,
    Interaction,
    Picture,
    Post,
    Product,
    User,
)


def database_stats(session: Session) -> dict[str, Any]:
    totals = {
        "users": session.scalar(select(func.count()).select_from(User)) or 0,
        "posts": session.scalar(select(func.count()).select_from(Post)) or 0,
        "pictures": session.scalar(select(func.count()).select_from(Picture)) or 0,
        "analyses": session.scalar(select(func.count()).select_from(Analysis)) or 0,
        "interactions": session.scalar(select(func.count()).select_from(Interaction)) or 0,
        "follows": session.scalar(select(func.count()).select_from(Follow)) or 0,
        "products": session.scalar(select(func.count()).select_from(Product)) or 0,
        "ad_impressions": session.scalar(select(func.count()).select_from(AdImpression)) or 0,
    }
    by_source = dict(session.execute(
        select(Post.source, func.count()).group_by(Post.source).order_by(Post.source)).all())
    by_kind = dict(session.execute(
        select(Interaction.kind, func.count()).group_by(Interaction.kind)).all())
    return {"totals": totals, "posts_by_source": by_source, "interactions_by_kind": by_kind,
            "pictures_by_platform": pictures_by_platform(session),
            "pictures_by_faces": pictures_by_faces(session)}


def pictures_by_faces(session: Session) -> dict[str, int]:
    """Analysed pictures by how many faces they show (``not analysed``: no faces task)."""
    counts: dict[str, int] = {}
    for (results,) in session.execute(select(Analysis.results)):
        faces = (results or {}).get("faces")
        key = "not analysed" if faces is None else ("3+" if len(faces) >= 3 else str(len(faces)))
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items()))


def pictures_by_platform(session: Session) -> dict[str, int]:
    """Pictures per detected source platform (``not identified``: analysed before the
    platform task existed, or with it switched off)."""
    name = Analysis.results["platform"]["name"].as_string()
    rows = session.execute(select(name, func.count(func.distinct(Analysis.picture_id)))
                           .group_by(name)).all()
    counts = {(platform or "not identified"): int(n) for platform, n in rows}
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def captions(session: Session, post_ids: list[int]) -> dict[int, str | None]:
    return {int(i): c for i, c in session.execute(
        select(Post.id, Post.caption).where(Post.id.in_(post_ids)))}
