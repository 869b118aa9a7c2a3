"""The contract of a per-picture task and what it is given to work on."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from postlens.config import Settings
from postlens.runtime.cache import ModelCache
from postlens.vision.images import LoadedImage

R = TypeVar("R")


@dataclass
class PictureContext:
    """One decoded picture on its way through the tasks.

    ``embedding`` and ``probabilities`` are the image encoder's outputs (batched across
    pictures); ``results`` holds the results of the tasks already run, by task name.
    """

    source: str
    data: bytes
    loaded: LoadedImage
    embedding: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    results: dict[str, Any] = field(default_factory=dict)


class PictureTask(ABC, Generic[R]):
    """One result about a picture. ``needs`` names the tasks whose results it reads;
    ``uses_encoder`` says it reads the image encoder's embedding or probabilities."""

    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    uses_encoder: ClassVar[bool] = False
    public: ClassVar[bool] = True  # part of the JSON answer (the embedding is not)

    @abstractmethod
    def run(self, picture: PictureContext) -> R: ...

    def to_json(self, result: R) -> Any:
        """The result as JSON-ready data (the API, the CLI and the store use this)."""
        return result


TaskFactory = Callable[[Settings, ModelCache], PictureTask[Any]]
