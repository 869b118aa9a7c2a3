"""Products in the store: idempotent imports (by sku) and the catalogue as matrices.

Target interests not given by the catalogue are derived from the product's text with the
interest model (its top interests with their probabilities). The in-memory
:class:`CatalogueMatrix` holds what ranking needs (one row per active product).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.faces.attributes import FACE_TARGETS
from postlens.products.catalogue import ProductRecord
from postlens.store.schema import Product

InterestsOfTexts = Callable[[list[str]], list[dict[str, float]]]
LOOKUP_CHUNK = 1000


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    source: str


def import_products(session: Session, records: Sequence[ProductRecord], source: str,
                    interests_of: InterestsOfTexts | None = None) -> ImportReport:
    """Add or update ``records`` (matched by sku) in the caller's transaction."""
    texts = [r.text for r in records if not r.target_interests]
    derived = iter(interests_of(texts) if interests_of and texts else [])
    existing: dict[str, Product] = {}
    skus = [r.sku for r in records]
    for start in range(0, len(skus), LOOKUP_CHUNK):  # bounded IN lists (SQLite's limit)
        existing.update((p.sku, p) for p in session.scalars(
            select(Product).where(Product.sku.in_(skus[start:start + LOOKUP_CHUNK]))))
    added = updated = 0
    for record in records:
        given = {i: 1.0 for i in record.target_interests}
        fields = {"name": record.name, "category": record.category,
                  "description": record.description, "price": record.price,
                  "currency": record.currency, "picture": record.picture, "tags": record.tags,
                  "target_attributes": record.target_attributes,
                  "target_interests": given or next(derived, {}), "source": source,
                  "active": True}
        product = existing.get(record.sku)
        if product is None:
            session.add(Product(sku=record.sku, **fields))
            added += 1
        else:
            for key, value in fields.items():
                setattr(product, key, value)
            updated += 1
    session.flush()
    return ImportReport(added, updated, source)


@dataclass
class CatalogueMatrix:
    """Active products as rows: ids, what they target, and the text of each."""

    ids: np.ndarray  # (p,) product ids
    names: list[str]
    categories: list[str]
    interests: np.ndarray  # (p, n interests) target weights
    attributes: np.ndarray  # (p, len(FACE_TARGETS)) 1 where the product targets it
    interest_ids: list[str]

    @classmethod
    def load(cls, session: Session, interest_ids: Sequence[str]) -> CatalogueMatrix:
        rows = session.execute(select(
            Product.id, Product.name, Product.category, Product.target_interests,
            Product.target_attributes).where(Product.active.is_(True))
            .order_by(Product.id)).all()
        index = {i: n for n, i in enumerate(interest_ids)}
        interests = np.zeros((len(rows), len(interest_ids)), dtype=np.float32)
        attributes = np.zeros((len(rows), len(FACE_TARGETS)), dtype=np.float32)
        for r, row in enumerate(rows):
            for interest, weight in (row.target_interests or {}).items():
                if interest in index:
                    interests[r, index[interest]] = float(weight)
            for target in row.target_attributes or []:
                if target in FACE_TARGETS:
                    attributes[r, FACE_TARGETS.index(target)] = 1.0
        return cls(np.array([row.id for row in rows], dtype=np.int64),
                   [row.name for row in rows], [row.category for row in rows],
                   interests, attributes, list(interest_ids))

    def __len__(self) -> int:
        return len(self.ids)
