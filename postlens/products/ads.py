"""Ads for a user (seed 003): ranked from their interests and what their own pictures show.

Real time: the user's stored interest profile (recomputed only when their activity changed),
the faces stored with their recent pictures and one matrix product over the catalogue.
Each ad shown is logged (``ad_impressions``) with its request, rank, score, explanation and
A/B arm; the same product is shown at most ``cap`` times a day to a user (frequency cap),
never again after they dismiss it, and never in a category they excluded. Clicks and
dismissals are idempotent. Arms: ``interests+faces`` (control) and ``interests`` (faces
ignored); ``postlens abtest --ads`` compares their click-through rates.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postlens.errors import Forbidden, InvalidInput, NotFound
from postlens.faces.attributes import FACE_TARGETS
from postlens.products.matching import Evidence, interest_vector, rank
from postlens.products.service import ProductService
from postlens.recommend.experiments import Experiment
from postlens.store.schema import AdImpression, Analysis, Post, Product, User

AD_ARMS = {"interests+faces": 1.0, "interests": 0.0}  # arm -> weight of face evidence
AD_EXPERIMENT = "ads"
RECENT_POSTS = 30
USER_SEEN = 0.25  # share of a user's face pictures that must show an attribute
PROFILE_INTERESTS = 10


class AdService:
    def __init__(self, products: ProductService, cap: int = 3,
                 experiment: Experiment | None = None) -> None:
        self.products = products
        self.db = products.db
        self.cap = cap
        self.experiment = experiment or Experiment(AD_EXPERIMENT, tuple(AD_ARMS))

    def face_shares(self, session: Session, user_id: int) -> tuple[np.ndarray, int]:
        """Per face target, the share of the user's recent pictures with faces that show it
        (probability >= 0.5), and how many such pictures there were."""
        rows = session.execute(
            select(Analysis.results).join(Post, Post.picture_id == Analysis.picture_id)
            .where(Post.author_id == user_id)
            .order_by(Post.posted_at.desc(), Post.id.desc()).limit(RECENT_POSTS)).all()
        shown = np.zeros(len(FACE_TARGETS))
        with_faces = 0
        for (results,) in rows:
            faces = (results or {}).get("faces") or []
            if not faces:
                continue
            with_faces += 1
            for n, target in enumerate(FACE_TARGETS):
                if any(float(f.get("attributes", {}).get(target, 0)) >= 0.5 for f in faces):
                    shown[n] += 1
        return (shown / with_faces if with_faces else shown), with_faces

    def excluded(self, session: Session, user: User, ids: np.ndarray, categories: list[str]
                 ) -> np.ndarray:
        since = datetime.now(UTC) - timedelta(days=1)
        capped = {pid for pid, n in session.execute(
            select(AdImpression.product_id, func.count()).where(
                AdImpression.user_id == user.id, AdImpression.created_at >= since)
            .group_by(AdImpression.product_id)).all() if n >= self.cap}
        dismissed = set(session.scalars(select(AdImpression.product_id).where(
            AdImpression.user_id == user.id, AdImpression.dismissed_at.is_not(None))))
        blocked = list((user.attributes or {}).get("ad_exclusions", []))
        out = np.isin(ids, np.fromiter(capped | dismissed, dtype=np.int64))
        if blocked:  # one pass over the catalogue in C, not a Python loop per request
            out |= np.isin(np.asarray(categories, dtype=object), blocked)
        return out

    def ads(self, user_id: int, k: int = 3, log: bool = True) -> dict[str, Any]:
        if not 1 <= k <= 20:
            raise InvalidInput("k must be between 1 and 20")
        matrix = self.products.matrix()
        arm = self.experiment.assign(user_id)
        with self.db.transaction() as session:
            user = session.get(User, user_id)
            if user is None:
                raise NotFound(f"unknown user id {user_id}")
            profile = self.products.interests.profile(session, user_id,
                                                      k=PROFILE_INTERESTS)["interests"]
            shares, pictures = self.face_shares(session, user_id)
            model = self.products.interests.model()
            evidence = Evidence(shares.astype(np.float32), interest_vector(
                {i["id"]: i["score"] for i in profile}, model.taxonomy.ids),
                [c.name for c in model.taxonomy.categories])
            exclude = self.excluded(session, user, matrix.ids, matrix.categories)
            matches = rank(matrix, evidence, k, exclude, face_weight=AD_ARMS[arm],
                           seen=USER_SEEN)
            request = str(uuid.uuid4())
            impressions = []
            if log:
                for position, match in enumerate(matches, start=1):
                    row = AdImpression(request_id=request, user_id=user_id,
                                       product_id=match.product_id, rank=position,
                                       score=match.score, explanation=match.explanation[:300],
                                       experiment=self.experiment.name, arm=arm)
                    session.add(row)
                    impressions.append(row)
                session.flush()
            described = self.products.describe(matches, session)
        ids = {row.product_id: row.id for row in impressions}
        for item in described:
            item["impression_id"] = ids.get(item["id"])
        return {"user_id": user_id, "request_id": request, "arm": arm,
                "pictures_with_faces": pictures, "ads": described}

    def react(self, user_id: int, impression_id: int, kind: str) -> dict[str, Any]:
        """Record a click or a dismissal of an ad the user was shown (idempotent)."""
        if kind not in ("click", "dismiss"):
            raise InvalidInput("an ad reaction is click or dismiss")
        with self.db.transaction() as session:
            row = session.get(AdImpression, impression_id)
            if row is None:
                raise NotFound(f"unknown ad impression {impression_id}")
            if row.user_id != user_id:
                raise Forbidden("that ad was shown to someone else")
            column = "clicked_at" if kind == "click" else "dismissed_at"
            if getattr(row, column) is None:
                setattr(row, column, datetime.now(UTC))
            product = session.get(Product, row.product_id)
            return {"impression_id": row.id, "kind": kind,
                    "product": product.name if product else None}
