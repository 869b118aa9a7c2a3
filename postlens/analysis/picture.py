"""What analysing one picture gives: the file's facts and each task's typed result."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from postlens.errors import InvalidInput, PostlensError
from postlens.vision.container import Container

# A picture to analyse: a name for messages and either its bytes or a file path.
PictureInput = tuple[str, bytes | Path]


@dataclass
class PictureAnalysis:
    source: str
    sha256: str
    format: str
    width: int
    height: int
    n_bytes: int
    container: Container
    model: str  # the image encoder the results come from
    model_version: str
    results: dict[str, Any]  # task name -> that task's result
    public: dict[str, Any]  # task name -> its JSON form, for the tasks shown to people
    data: bytes = field(repr=False, default=b"")  # the original file, for the picture store

    def result(self, task: str) -> Any:
        if task not in self.results:
            raise InvalidInput(f"the analysis of {self.source} has no {task!r} result; "
                               f"it has: {', '.join(sorted(self.results))}")
        return self.results[task]

    @property
    def embedding(self) -> np.ndarray:
        embedding: np.ndarray = self.result("embedding")
        return embedding

    @property
    def labels(self) -> list[dict[str, Any]]:
        return list(self.results.get("labels", []))

    @property
    def categories(self) -> list[dict[str, Any]]:
        return list(self.results.get("categories", []))

    def to_dict(self, *, include_embedding: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "path": self.source, "sha256": self.sha256, "format": self.format,
            "width": self.width, "height": self.height, "bytes": self.n_bytes,
            **self.public, "model": {"name": self.model, "version": self.model_version},
        }
        if include_embedding and "embedding" in self.results:
            body["embedding"] = [round(float(x), 6) for x in self.embedding]
        return body


@dataclass
class AnalysisFailure:
    source: str
    error: PostlensError

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.source, "error": self.error.message, "code": self.error.code}


AnalysisResult = PictureAnalysis | AnalysisFailure
