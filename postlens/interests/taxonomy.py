"""Interest taxonomies as data: named categories with descriptions and keywords.

Built-in taxonomies live in ``postlens/taxonomy/*.json``; a user-supplied file in the same
format works the same way. Every file is validated on load and a problem is reported with
the file and the offending field, e.g. ``categories[3].keywords: expected a list``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from postlens.errors import TaxonomyError

BUILTIN = {
    "curlie-36": "curlie_interests.json",
    "babelnet-34": "babelnet_domains.json",
    "content-categories": "content_categories.json",
    "movielens-genres": "movielens_genres.json",
}
DEFAULT_TAXONOMY = "curlie-36"
MAX_CATEGORIES = 1000
_ID = re.compile(r"^[a-z0-9][a-z0-9_]{0,62}$")


class _CategoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = Field(min_length=1, max_length=100)
    description: str = Field(min_length=3, max_length=1000)
    keywords: list[str] = Field(default_factory=list, max_length=100)
    imagenet: str | None = None  # content categories: their ImageNet class indices

    @field_validator("id")
    @classmethod
    def _id_is_a_slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("must be lower-case letters, digits and _ (at most 63)")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords_are_words(cls, value: list[str]) -> list[str]:
        if any(not keyword.strip() for keyword in value):
            raise ValueError("keywords must not be empty")
        return [keyword.strip() for keyword in value]


class _TaxonomyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    version: int = 1
    title: str | None = None
    description: str | None = None
    source: str | None = None
    categories: list[_CategoryFile] = Field(min_length=2, max_length=MAX_CATEGORIES)


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    description: str
    keywords: tuple[str, ...]

    def prompts(self) -> list[str]:
        """Texts whose mean embedding stands for the category in the text space."""
        return [f"{self.name}: {self.description}", *(f"a post about {k}" for k in self.keywords)]


@dataclass(frozen=True)
class Taxonomy:
    name: str
    version: int
    categories: tuple[Category, ...]

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.categories]

    def __len__(self) -> int:
        return len(self.categories)

    def index(self, category_id: str) -> int:
        try:
            return self.ids.index(category_id)
        except ValueError:
            raise TaxonomyError(f"taxonomy {self.name!r} has no category {category_id!r}"
                                ) from None


def parse_taxonomy(text: str, source: str) -> Taxonomy:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaxonomyError(f"not valid JSON: {exc}", source=source) from None
    try:
        parsed = _TaxonomyFile.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(f"{_location(e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise TaxonomyError(problems, source=source) from None
    for field in ("id", "name"):
        values = [getattr(c, field).lower() for c in parsed.categories]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise TaxonomyError(f"duplicate category {field}: {', '.join(duplicates)}",
                                source=source)
    return Taxonomy(parsed.name, parsed.version, tuple(
        Category(c.id, c.name, c.description, tuple(c.keywords)) for c in parsed.categories))


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "file"


@lru_cache(maxsize=16)
def _builtin(name: str) -> Taxonomy:
    text = resources.files("postlens.taxonomy").joinpath(BUILTIN[name]).read_text("utf-8")
    return parse_taxonomy(text, BUILTIN[name])


def builtin_name(name: str) -> str:
    """``name`` if it is a built-in taxonomy; servers use this so clients never name files."""
    if name not in BUILTIN:
        raise TaxonomyError(f"unknown taxonomy {name!r}; built-in: {', '.join(BUILTIN)}")
    return name


def load_taxonomy(name_or_path: str | Path = DEFAULT_TAXONOMY) -> Taxonomy:
    """A built-in taxonomy by name (see ``BUILTIN``) or a taxonomy JSON file by path."""
    if str(name_or_path) in BUILTIN:
        return _builtin(str(name_or_path))
    path = Path(name_or_path)
    if not path.is_file():
        raise TaxonomyError(f"no built-in taxonomy or file named {str(name_or_path)!r}; "
                            f"built-in: {', '.join(BUILTIN)}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TaxonomyError(f"cannot read: {exc}", source=str(path)) from None
    return parse_taxonomy(text, str(path))
