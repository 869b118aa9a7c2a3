"""``embedding``: the image encoder's L2-normalised picture embedding."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from postlens.analysis.task import PictureContext, PictureTask
from postlens.errors import ModelError


class EmbeddingTask(PictureTask[np.ndarray]):
    name = "embedding"
    uses_encoder = True
    public: ClassVar[bool] = False

    def run(self, picture: PictureContext) -> np.ndarray:
        if picture.embedding is None:
            raise ModelError("the image encoder gave no embedding")
        return picture.embedding.copy()

    def to_json(self, result: np.ndarray) -> list[float]:
        return [round(float(x), 6) for x in result]
