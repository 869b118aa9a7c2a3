"""The product side of postlens: the catalogue, products for a picture, ads for a user.

One :class:`ProductService` per process (``core.Postlens.products``). The catalogue matrix is
loaded once and reloaded after an import (and at most every ``RELOAD_SECONDS`` otherwise, so
that an import by another process shows up). The default catalogue is stored on first use
when the store has no products at all.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from postlens.analysis.picture import PictureAnalysis
from postlens.errors import InvalidInput
from postlens.interests.model import PostContent
from postlens.interests.service import InterestService
from postlens.products.catalogue import ProductRecord, default_catalogue, read_catalogue
from postlens.products.hm import read_hm
from postlens.products.matching import Evidence, Match, rank
from postlens.products.store import CatalogueMatrix, ImportReport, import_products
from postlens.store.db import Database
from postlens.store.schema import Product

PRODUCT_TASKS = ["embedding", "labels", "categories", "faces"]  # what for_analysis reads
log = logging.getLogger(__name__)
RELOAD_SECONDS = 60.0
DERIVED_INTERESTS = 3  # a product's top interests kept when derived from its text
MIN_DERIVED_SCORE = 0.1
DEFAULT_SOURCE = "default"


class ProductService:
    def __init__(self, db: Database, interests: InterestService) -> None:
        self.db = db
        self.interests = interests
        self._lock = threading.Lock()
        self._default_lock = threading.Lock()
        self._has_products = False
        self._matrix: CatalogueMatrix | None = None
        self._loaded_at = 0.0

    # --- the catalogue ------------------------------------------------------------------
    def interests_of_texts(self, texts: list[str]) -> list[dict[str, float]]:
        """Each product text's top interests (probability >= 0.1, at most 3)."""
        model = self.interests.model()
        scores = model.score_posts([PostContent(caption=text) for text in texts])
        out = []
        for row in scores.view("text"):
            ranked = model.ranked(row, DERIVED_INTERESTS)
            out.append({r["id"]: r["score"] for r in ranked if r["score"] >= MIN_DERIVED_SCORE}
                       or {ranked[0]["id"]: ranked[0]["score"]})
        return out

    def import_catalogue(self, path: Path) -> ImportReport:
        """Read and check a whole catalogue file, then store it in one transaction."""
        records = read_hm(path) if path.is_dir() else read_catalogue(
            path, self.interests.model().taxonomy.ids)
        return self.store(records, "hm" if path.is_dir() else path.name[:40])

    def store(self, records: Sequence[ProductRecord], source: str) -> ImportReport:
        with self.db.transaction() as session:
            report = import_products(session, records, source, self.interests_of_texts)
        self.invalidate()
        return report

    def ensure_default(self) -> None:
        """Store the default catalogue if the store has no products. Concurrent first uses
        (several uploads at once) store it once: one thread at a time here, and a race lost
        to another process is the same outcome (its rows are there)."""
        with self._default_lock:
            if self._has_products:
                return
            with self.db.reader() as reader:
                empty = not reader.scalar(select(func.count(Product.id)))
            if empty:
                try:
                    self.store(default_catalogue(), DEFAULT_SOURCE)
                except IntegrityError:
                    log.info("the default catalogue was stored by another process")
            self._has_products = True

    def invalidate(self) -> None:
        with self._lock:
            self._matrix = None

    def matrix(self) -> CatalogueMatrix:
        with self._lock:
            fresh = time.monotonic() - self._loaded_at < RELOAD_SECONDS
            if self._matrix is not None and fresh:
                return self._matrix
        self.ensure_default()
        ids = self.interests.model().taxonomy.ids
        with self.db.reader() as session:
            matrix = CatalogueMatrix.load(session, ids)
        with self._lock:
            self._matrix, self._loaded_at = matrix, time.monotonic()
        return matrix

    def catalogue_page(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        self.ensure_default()
        with self.db.reader() as session:
            rows = session.scalars(select(Product).where(Product.active.is_(True))
                                   .order_by(Product.id).offset(offset).limit(limit)).all()
            return [product_json(p) for p in rows]

    # --- products for a picture ---------------------------------------------------------
    def evidence(self, faces: Sequence[dict[str, Any]], interests: Sequence[dict[str, Any]]
                 ) -> Evidence:
        model = self.interests.model()
        return Evidence.build([face.get("attributes", {}) for face in faces],
                              {i["id"]: i["score"] for i in interests}, model.taxonomy.ids,
                              [c.name for c in model.taxonomy.categories])

    def for_picture(self, faces: Sequence[dict[str, Any]], interests: Sequence[dict[str, Any]],
                    k: int = 5) -> list[dict[str, Any]]:
        """Ranked products for what a picture shows (its faces' attributes, its interests)."""
        if not 1 <= k <= 100:
            raise InvalidInput("k must be between 1 and 100")
        matches = rank(self.matrix(), self.evidence(faces, interests), k)
        return self.describe(matches)

    def for_analysis(self, analysis: PictureAnalysis, caption: str | None = None, k: int = 5
                     ) -> dict[str, Any]:
        """Faces, interests (picture and caption) and ranked products of one analysed
        picture; its analysis must include the ``faces`` task."""
        content = PostContent(caption=caption, labels=analysis.labels or None,
                              embedding=analysis.results.get("embedding"))
        interests = self.interests.for_post(content, k=5)["fused"]
        faces = analysis.public.get("faces") or []
        return {"faces": faces, "interests": interests,
                "products": self.for_picture(faces, interests, k)}

    def describe(self, matches: list[Match], session: Session | None = None
                 ) -> list[dict[str, Any]]:
        """The matched products as JSON, best first (in ``session`` when one is open)."""
        if not matches:
            return []
        if session is None:
            with self.db.reader() as reader:
                return self.describe(matches, reader)
        found = {p.id: p for p in session.scalars(
            select(Product).where(Product.id.in_([m.product_id for m in matches])))}
        return [{**product_json(found[m.product_id]), "score": m.score, "reasons": m.reasons}
                for m in matches if m.product_id in found]


def product_json(product: Product) -> dict[str, Any]:
    return {"id": product.id, "sku": product.sku, "name": product.name,
            "category": product.category, "description": product.description,
            "price": product.price, "currency": product.currency, "picture": product.picture,
            "tags": product.tags, "target_attributes": product.target_attributes,
            "target_interests": product.target_interests}

