"""``categories``: the 12 content categories with confidence, from the ImageNet labels'
full probability vector (mapping in ``taxonomy/content_categories.json``)."""

from __future__ import annotations

from typing import Any

from postlens.analysis.task import PictureContext, PictureTask
from postlens.vision.labels import category_scores


class CategoriesTask(PictureTask[list[dict[str, Any]]]):
    name = "categories"
    needs = ("labels",)
    uses_encoder = True

    def run(self, picture: PictureContext) -> list[dict[str, Any]]:
        if picture.probabilities is None:
            return []
        return category_scores(picture.probabilities)
