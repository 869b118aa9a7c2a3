"""ImageNet names and the documented content-category mapping."""

from __future__ import annotations

import numpy as np
import pytest

from postlens.errors import InvalidInput
from postlens.vision.labels import (
    category_matrix,
    category_scores,
    content_categories,
    imagenet_classes,
    parse_categories,
    parse_index_list,
    top_labels,
)

REQUIRED = {"people & selfies", "fashion & beauty", "food & drink", "nature & landscape",
            "travel & places", "animals & pets", "sports & fitness", "vehicles", "technology",
            "art & architecture", "events & news", "text & screenshots"}


def test_imagenet_classes_are_complete_and_ordered() -> None:
    classes = imagenet_classes()
    assert len(classes) == 1000
    assert classes[281].name == "tabby" and classes[967].name == "espresso"
    assert all(c.index == i for i, c in enumerate(classes))


def test_the_required_categories_exist_and_classes_are_disjoint() -> None:
    assert {c.name for c in content_categories()} == REQUIRED
    matrix = category_matrix()
    assert matrix.sum(axis=1).max() == 1.0  # no class in two categories
    assert matrix.sum() > 600  # most classes are covered


def test_category_scores_sum_class_probabilities() -> None:
    probabilities = np.zeros(1000, dtype=np.float32)
    probabilities[281] = 0.6  # tabby
    probabilities[967] = 0.3  # espresso
    probabilities[999] = 0.1  # toilet tissue: in no category
    scores = {c["category"]: c["score"] for c in category_scores(probabilities)}
    assert scores["animals & pets"] == pytest.approx(0.6)
    assert scores["food & drink"] == pytest.approx(0.3)
    assert sum(scores.values()) == pytest.approx(0.9)
    assert top_labels(probabilities, 2)[0] == {"label": "tabby", "index": 281, "score": 0.6}


def test_index_lists_are_validated() -> None:
    assert parse_index_list("0-2, 7") == (0, 1, 2, 7)
    with pytest.raises(InvalidInput, match="outside"):
        parse_index_list("995-1000")
    with pytest.raises(InvalidInput, match="bad class index"):
        parse_index_list("a-b")


def test_a_class_in_two_categories_is_an_error() -> None:
    document = {"categories": [{"id": "a", "name": "A", "imagenet": "1-3"},
                               {"id": "b", "name": "B", "imagenet": "3"}]}
    with pytest.raises(InvalidInput, match="ImageNet class 3"):
        parse_categories(document)
    with pytest.raises(InvalidInput, match="lacks the field"):
        parse_categories({"categories": [{"id": "a"}]})
