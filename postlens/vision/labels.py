"""ImageNet-1k label names and the content categories derived from the label distribution.

``taxonomy/imagenet_classes.tsv`` lists the 1000 classes in model output order with their
WordNet lemmas and definitions. ``taxonomy/content_categories.json`` assigns each class to
at most one content category; a category's confidence is the sum of its classes'
probabilities, i.e. the model's probability that the picture's ImageNet class falls in that
category. When the class probabilities are calibrated, so are these sums.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from postlens.errors import InvalidInput

N_CLASSES = 1000


@dataclass(frozen=True)
class ImageNetClass:
    index: int
    wnid: str
    name: str  # the first lemma, e.g. "tabby"
    lemmas: tuple[str, ...]
    definition: str


@dataclass(frozen=True)
class ContentCategory:
    id: str
    name: str
    description: str
    class_indices: tuple[int, ...]


def _taxonomy_text(filename: str) -> str:
    return resources.files("postlens.taxonomy").joinpath(filename).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def imagenet_classes() -> tuple[ImageNetClass, ...]:
    rows = csv.DictReader(_taxonomy_text("imagenet_classes.tsv").splitlines(), delimiter="\t")
    classes = []
    for row in rows:
        lemmas = tuple(lemma.strip() for lemma in row["lemmas"].split(","))
        classes.append(ImageNetClass(int(row["index"]), row["wnid"], lemmas[0], lemmas,
                                     row["definition"]))
    return tuple(classes)


def parse_index_list(spec: str, *, n: int = N_CLASSES) -> tuple[int, ...]:
    """Parse "0-3,7,9-10" into (0, 1, 2, 3, 7, 9, 10), checking bounds."""
    indices: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            start, stop = int(low), int(high or low)
        except ValueError:
            raise InvalidInput(f"bad class index range {part!r}") from None
        if not 0 <= start <= stop < n:
            raise InvalidInput(f"class index range {part!r} is outside 0-{n - 1}")
        indices.extend(range(start, stop + 1))
    return tuple(indices)


def parse_categories(document: dict[str, Any]) -> tuple[ContentCategory, ...]:
    """Validate a content-category document: unique ids, each class in one category."""
    seen: dict[int, str] = {}
    categories = []
    for entry in document.get("categories", []):
        try:
            category = ContentCategory(entry["id"], entry["name"], entry.get("description", ""),
                                       parse_index_list(entry["imagenet"]))
        except KeyError as exc:
            raise InvalidInput(f"content category {entry!r} lacks the field {exc}") from None
        for index in category.class_indices:
            if index in seen:
                raise InvalidInput(f"ImageNet class {index} is in both {seen[index]!r} "
                                   f"and {category.id!r}")
            seen[index] = category.id
        categories.append(category)
    if len({c.id for c in categories}) != len(categories) or not categories:
        raise InvalidInput("content categories must be a non-empty list with unique ids")
    return tuple(categories)


@lru_cache(maxsize=1)
def content_categories() -> tuple[ContentCategory, ...]:
    return parse_categories(json.loads(_taxonomy_text("content_categories.json")))


@lru_cache(maxsize=1)
def category_matrix() -> np.ndarray:
    """(1000, n_categories) 0/1 matrix: probabilities @ matrix = category confidences."""
    categories = content_categories()
    matrix = np.zeros((N_CLASSES, len(categories)), dtype=np.float32)
    for column, category in enumerate(categories):
        matrix[list(category.class_indices), column] = 1.0
    return matrix


def top_labels(probabilities: np.ndarray, k: int) -> list[dict[str, Any]]:
    """The k most probable ImageNet classes of one picture, best first."""
    classes = imagenet_classes()
    order = np.argsort(probabilities)[::-1][:k]
    return [{"label": classes[i].name, "index": int(i), "score": round(float(probabilities[i]), 6)}
            for i in order]


def category_scores(probabilities: np.ndarray) -> list[dict[str, Any]]:
    """Every content category of one picture with its confidence, best first."""
    scores = probabilities @ category_matrix()
    ranked = sorted(zip(content_categories(), scores, strict=True), key=lambda pair: -pair[1])
    return [{"category": c.name, "id": c.id, "score": round(float(min(s, 1.0)), 6)}
            for c, s in ranked]
