"""Product catalogues: records, readers (CSV, JSON lines, the H&M sample) and the store.

A catalogue row has ``sku`` and ``name`` (required), ``category``, ``description``,
``price``, ``currency``, ``picture``, ``tags``, ``target_attributes`` (face attributes the
product is for: see :data:`FACE_TARGETS`) and ``target_interests`` (interest ids). In CSV the
list fields are ``|``-separated. Every bad row is named by file and line, and a file with any
bad row stores nothing. Imports are idempotent: a row updates the product with its ``sku``.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from postlens.errors import InvalidInput
from postlens.faces.attributes import FACE_TARGETS

MAX_PRICE = 1e9
LIST_FIELDS = ("tags", "target_attributes", "target_interests")
FIELDS = ("sku", "name", "category", "description", "price", "currency", "picture",
          *LIST_FIELDS)


@dataclass
class ProductRecord:
    sku: str
    name: str
    category: str = "other"
    description: str = ""
    price: float | None = None
    currency: str | None = None
    picture: str | None = None
    tags: list[str] = field(default_factory=list)
    target_attributes: list[str] = field(default_factory=list)
    target_interests: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """What the interest model reads to find the product's interests."""
        return ". ".join(part for part in (self.name, self.category, self.description,
                                           ", ".join(self.tags)) if part)


def _text(value: Any, name: str, limit: int, where: str, required: bool = False) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{where}: {name} is required")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise InvalidInput(f"{where}: {name} must be text")
    text = str(value).strip()
    if len(text) > limit:
        raise InvalidInput(f"{where}: {name} is longer than {limit} characters")
    return text


def _list(value: Any, name: str, where: str) -> list[str]:
    if value is None or value == "":
        return []
    items = value.split("|") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise InvalidInput(f"{where}: {name} must be a list of texts (or a|b|c in CSV)")
    return [i.strip() for i in items if i.strip()][:50]


def validate(row: dict[str, Any], where: str, interest_ids: Iterable[str] = ()) -> ProductRecord:
    """A checked record from one row; ``where`` is "file:line" for the error messages."""
    if not isinstance(row, dict):
        raise InvalidInput(f"{where}: expected an object with sku and name")
    unknown = sorted(set(row) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"{where}: unknown field(s) {', '.join(unknown)}; fields: "
                           f"{', '.join(FIELDS)}")
    price: float | None = None
    if row.get("price") not in (None, ""):
        try:
            price = float(row["price"])
        except (TypeError, ValueError):
            raise InvalidInput(f"{where}: price {row['price']!r} is not a number") from None
        if not math.isfinite(price) or not 0 <= price <= MAX_PRICE:
            raise InvalidInput(f"{where}: price must be between 0 and {MAX_PRICE:.0e}")
    currency = _text(row.get("currency"), "currency", 3, where).upper() or None
    if currency is not None and (len(currency) != 3 or not currency.isalpha()):
        raise InvalidInput(f"{where}: currency must be a 3-letter code like EUR")
    targets = _list(row.get("target_attributes"), "target_attributes", where)
    bad = [t for t in targets if t not in FACE_TARGETS]
    if bad:
        raise InvalidInput(f"{where}: unknown target attribute {bad[0]!r}; known: "
                           f"{', '.join(FACE_TARGETS)}")
    interests = _list(row.get("target_interests"), "target_interests", where)
    known = set(interest_ids)
    if known and any(i not in known for i in interests):
        missing = next(i for i in interests if i not in known)
        raise InvalidInput(f"{where}: unknown interest {missing!r}")
    return ProductRecord(
        sku=_text(row.get("sku"), "sku", 120, where, required=True),
        name=_text(row.get("name"), "name", 200, where, required=True),
        category=_text(row.get("category"), "category", 80, where) or "other",
        description=_text(row.get("description"), "description", 4000, where),
        price=price, currency=currency,
        picture=_text(row.get("picture"), "picture", 500, where) or None,
        tags=_list(row.get("tags"), "tags", where),
        target_attributes=targets, target_interests=interests)


def read_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """("file:line", row) for each product of a .csv, .jsonl/.ndjson or .json file."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as handle:
                reader = csv.DictReader(handle)
                for row in reader:
                    if None in row:
                        raise InvalidInput(f"{path}:{reader.line_num}: more values than "
                                           f"columns")
                    yield f"{path}:{reader.line_num}", dict(row)
        elif suffix in (".jsonl", ".ndjson"):
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        try:
                            yield f"{path}:{number}", json.loads(line)
                        except json.JSONDecodeError as exc:
                            raise InvalidInput(f"{path}:{number}: not JSON: {exc.msg}") from None
        elif suffix == ".json":
            items = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(items, list):
                raise InvalidInput(f"{path}: expected a JSON list of products")
            for number, item in enumerate(items, start=1):
                yield f"{path}: item {number}", item
        else:
            raise InvalidInput(f"{path}: catalogues are .csv, .jsonl or .json files "
                               f"(or the H&M sample folder)")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read it: {exc.strerror}") from None


def read_catalogue(path: Path, interest_ids: Iterable[str] = ()) -> list[ProductRecord]:
    """Every product of a catalogue file, all checked before any is kept (the H&M sample
    folder: :func:`postlens.products.hm.read_hm`)."""
    ids = list(interest_ids)
    records: list[ProductRecord] = []
    seen: dict[str, str] = {}
    for where, row in read_rows(path):
        record = validate(row, where, ids)
        if record.sku in seen:
            raise InvalidInput(f"{where}: sku {record.sku!r} already on {seen[record.sku]}")
        seen[record.sku] = where
        records.append(record)
    if not records:
        raise InvalidInput(f"{path}: no products")
    return records


def default_catalogue() -> list[ProductRecord]:
    """The small catalogue postlens starts with: hats, eyewear, beard care and more."""
    source = resources.files("postlens.products") / "default-catalogue.json"
    items = json.loads(source.read_text(encoding="utf-8"))
    return [validate(item, f"default-catalogue.json: item {n}")
            for n, item in enumerate(items, start=1)]
