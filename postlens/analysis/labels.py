"""``labels``: the picture's top-k ImageNet labels with probabilities."""

from __future__ import annotations

from typing import Any

from postlens.analysis.task import PictureContext, PictureTask
from postlens.vision.labels import top_labels


class LabelsTask(PictureTask[list[dict[str, Any]]]):
    name = "labels"
    uses_encoder = True

    def __init__(self, top_k: int = 5) -> None:
        self.top_k = top_k

    def run(self, picture: PictureContext) -> list[dict[str, Any]]:
        if picture.probabilities is None:  # an encoder without a classifier head
            return []
        return top_labels(picture.probabilities, self.top_k)
