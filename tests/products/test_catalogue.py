"""Catalogue files: checked rows (file:line errors, nothing stored), idempotent imports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from postlens.core import Postlens
from postlens.errors import InvalidInput
from postlens.products.catalogue import default_catalogue, read_catalogue
from postlens.products.hm import read_hm
from postlens.store.schema import Product
from tests.conftest import shared_dataset

HEADER = "sku,name,category,description,price,currency,tags,target_attributes,target_interests\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def count(core: Postlens) -> int:
    with core.db.reader() as session:
        return session.scalar(select(func.count(Product.id))) or 0


@pytest.mark.parametrize("row, message", [
    (",Beanie,hats,,10,EUR,,hat,\n", "sku is required"),
    ("b1,Beanie,hats,,ten,EUR,,hat,\n", "price 'ten' is not a number"),
    ("b1,Beanie,hats,,-3,EUR,,hat,\n", "price must be between"),
    ("b1,Beanie,hats,,1e400,EUR,,hat,\n", "price must be between"),
    ("b1,Beanie,hats,,10,EURO,,hat,\n", "currency is longer than 3"),
    ("b1,Beanie,hats,,10,EUR,,helmet,\n", "unknown target attribute 'helmet'"),
    ("b1,Beanie,hats,,10,EUR,,hat,knitting\n", "unknown interest 'knitting'"),
    ("b1,Beanie,hats,,10,EUR,,hat,,extra\n", "more values than columns"),
])
def test_a_bad_row_is_named_by_file_and_line_and_nothing_is_stored(
        core: Postlens, tmp_path: Path, row: str, message: str) -> None:
    good = "ok1,Cap,hats,A cap,12,EUR,cap,hat,baseball\n"
    path = write(tmp_path / "catalogue.csv", HEADER + good + row)
    with pytest.raises(InvalidInput) as error:
        core.products.import_catalogue(path)
    assert f"{path}:3" in str(error.value) and message in str(error.value)
    assert count(core) == 0


def test_duplicate_skus_and_bad_json_lines_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "c.jsonl", '{"sku": "a", "name": "A"}\n{"sku": "a", "name": "B"}\n')
    with pytest.raises(InvalidInput, match=r"c.jsonl:2: sku 'a' already on .*c.jsonl:1"):
        read_catalogue(path)
    path = write(tmp_path / "d.jsonl", '{"sku": "a", "name": "A"}\n{"sku": \n')
    with pytest.raises(InvalidInput, match=r"d.jsonl:2: not JSON"):
        read_catalogue(path)
    path = write(tmp_path / "e.jsonl", '{"sku": "a", "name": "A", "colour": "red"}\n')
    with pytest.raises(InvalidInput, match=r"e.jsonl:1: unknown field\(s\) colour"):
        read_catalogue(path)
    with pytest.raises(InvalidInput, match=r"catalogues are \.csv"):
        read_catalogue(write(tmp_path / "f.txt", "sku,name\n"))


def test_import_is_idempotent_and_derives_interests_from_text(core: Postlens,
                                                              tmp_path: Path) -> None:
    rows = [{"sku": "tent", "name": "Two-person tent",
             "description": "A light tent for hiking and camping trips in the mountains."},
            {"sku": "cap", "name": "Cap", "target_attributes": ["hat"],
             "target_interests": ["baseball"]}]
    path = write(tmp_path / "c.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    first = core.products.import_catalogue(path)
    again = core.products.import_catalogue(path)
    assert (first.added, first.updated, again.added, again.updated) == (2, 0, 0, 2)
    assert count(core) == 2
    with core.db.reader() as session:
        tent = session.scalar(select(Product).where(Product.sku == "tent"))
        cap = session.scalar(select(Product).where(Product.sku == "cap"))
        assert tent is not None and cap is not None
        assert max(tent.target_interests, key=tent.target_interests.get) == "camping"
        assert cap.target_interests == {"baseball": 1.0}


def test_default_catalogue_covers_hats_eyewear_and_beard_care() -> None:
    products = default_catalogue()
    targets = {t for p in products for t in p.target_attributes}
    assert {"hat", "eyewear", "beard"} <= targets
    assert len({p.sku for p in products}) == len(products)


@pytest.mark.realdata
def test_hm_sample_imports_with_face_targets(core: Postlens) -> None:
    folder = shared_dataset("hm-products")
    records = read_hm(folder)
    assert len(records) == 1000
    hats = [r for r in records if "hat" in r.target_attributes]
    assert hats and all(r.category in ("Hat/beanie", "Hat/brim", "Cap/peaked") for r in hats)
    assert sum(r.picture is not None for r in records) == 100


def test_large_imports_update_by_sku_across_lookup_chunks(core: Postlens) -> None:
    from postlens.products.catalogue import ProductRecord
    from postlens.products.store import LOOKUP_CHUNK, import_products

    records = [ProductRecord(sku=f"s{n}", name=f"P{n}", target_interests=["golf"])
               for n in range(2 * LOOKUP_CHUNK + 5)]
    with core.db.transaction() as session:
        first = import_products(session, records, "big")
    with core.db.transaction() as session:
        again = import_products(session, records, "big")
    assert (first.added, again.added, again.updated) == (len(records), 0, len(records))
    assert count(core) == len(records)


def test_concurrent_first_uses_store_the_default_catalogue_once(core: Postlens) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: core.products.matrix(), range(4)))
    assert count(core) == len(default_catalogue())
