"""Taxonomies as data: the built-in ones and the validation of user-supplied files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postlens.errors import TaxonomyError
from postlens.interests.taxonomy import BUILTIN, builtin_name, load_taxonomy

SIZES = {"curlie-36": 36, "babelnet-34": 34, "content-categories": 12, "movielens-genres": 19}


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_taxonomies_are_complete(name: str) -> None:
    taxonomy = load_taxonomy(name)
    assert len(taxonomy) == SIZES[name]
    assert all(c.description and c.keywords for c in taxonomy.categories)
    assert len(set(taxonomy.ids)) == len(taxonomy)


def test_seed_papers_categories_are_there() -> None:
    curlie = {c.name for c in load_taxonomy("curlie-36").categories}
    assert {"Golf", "Food", "Music", "Football", "Pets", "Tattoo", "AI"} <= curlie
    babel = {c.name for c in load_taxonomy("babelnet-34").categories}
    assert {"Food and drink", "Sport and recreation", "Warfare and defense"} <= babel


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "mine.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def _category(i: int, **overrides: object) -> dict[str, object]:
    return {"id": f"c{i}", "name": f"Cat {i}", "description": f"things of kind {i}",
            "keywords": [f"k{i}"]} | overrides


def test_user_taxonomy_file_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, {"name": "mine", "categories": [_category(1), _category(2)]})
    taxonomy = load_taxonomy(path)
    assert taxonomy.name == "mine" and taxonomy.ids == ["c1", "c2"]
    assert taxonomy.categories[0].prompts()[0] == "Cat 1: things of kind 1"


@pytest.mark.parametrize(("document", "message"), [
    ("{not json", "not valid JSON"),
    ({"categories": [_category(1), _category(2)]}, "name: Field required"),
    ({"name": "x", "categories": [_category(1)]}, "categories: List should have at least 2"),
    ({"name": "x", "categories": [_category(1), _category(2, id="Bad Id")]},
     "categories[1].id"),
    ({"name": "x", "categories": [_category(1), _category(2, keywords="golf")]},
     "categories[1].keywords"),
    ({"name": "x", "categories": [_category(1), _category(2, description="")]},
     "categories[1].description"),
    ({"name": "x", "categories": [_category(1), _category(2, colour="red")]},
     "categories[1].colour: Extra inputs are not permitted"),
    ({"name": "x", "categories": [_category(1), _category(2, id="c1")]},
     "duplicate category id: c1"),
    ({"name": "x", "categories": [_category(1), _category(2, name="CAT 1")]},
     "duplicate category name: cat 1"),
])
def test_invalid_taxonomy_files_say_what_is_wrong(tmp_path: Path, document: object,
                                                  message: str) -> None:
    path = _write(tmp_path, document)
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_unknown_taxonomy_names_the_built_in_ones(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match="curlie-36"):
        load_taxonomy(tmp_path / "missing.json")
    with pytest.raises(TaxonomyError, match="unknown taxonomy"):
        builtin_name("/etc/passwd")
