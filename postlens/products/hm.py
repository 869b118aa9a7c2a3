"""The H&M sample (``articles_sample.parquet`` + ``images/<article_id>.jpg``) as products.

H&M's product types that a face shows map to face targets (a beanie is for people seen in
hats, sunglasses for people in eyewear...); every article's text (name, type, colour,
department, description) goes to the interest model like any other product.
"""

from __future__ import annotations

from pathlib import Path

from postlens.errors import InvalidInput
from postlens.products.catalogue import ProductRecord, validate

ARTICLES = "articles_sample.parquet"
TYPE_TARGETS = {
    "Hat/beanie": ["hat"], "Hat/brim": ["hat"], "Cap/peaked": ["hat"],
    "Sunglasses": ["eyewear"], "Earring": ["earrings"], "Earrings": ["earrings"],
    "Necklace": ["necklace"], "Tie": ["necktie"],
}
COLUMNS = ["article_id", "prod_name", "product_type_name", "product_group_name",
           "colour_group_name", "department_name", "index_name", "detail_desc"]


def read_hm(folder: Path) -> list[ProductRecord]:
    source = folder / ARTICLES
    if not source.is_file():
        raise InvalidInput(f"{folder}: not the H&M sample (no {ARTICLES})")
    try:
        import pyarrow.parquet as pq

        rows = pq.read_table(source, columns=COLUMNS).to_pylist()
    except (OSError, ValueError, KeyError) as exc:  # pyarrow's errors subclass these
        raise InvalidInput(f"{source}: cannot read it as H&M articles: {exc}") from None
    records = []
    for number, row in enumerate(rows, start=1):
        article = f"{int(row['article_id']):010d}" if row.get("article_id") is not None else ""
        picture = folder / "images" / f"{article}.jpg"
        kind = row.get("product_type_name") or ""
        records.append(validate({
            "sku": f"hm:{article}", "name": row.get("prod_name"),
            "category": kind or row.get("product_group_name"),
            "description": row.get("detail_desc") or "",
            "picture": str(picture) if picture.is_file() else None,
            "tags": [t for t in (row.get("product_group_name"), row.get("colour_group_name"),
                                 row.get("department_name"), row.get("index_name")) if t],
            "target_attributes": TYPE_TARGETS.get(kind, []),
        }, f"{source}: row {number}"))
    if not records:
        raise InvalidInput(f"{source}: no articles")
    return records
