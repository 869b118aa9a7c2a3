"""Picture analysis: decode -> encode -> labels and categories, batched and pipelined.

Decoding and preprocessing run in a small thread pool (Pillow releases the GIL while it
decodes) a few batches ahead of inference, so the CPU is never idle waiting for JPEGs.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from postlens.config import Settings
from postlens.errors import PostlensError
from postlens.vision.encoders import ImageEncoder, create_encoder
from postlens.vision.images import ImageLimits, LoadedImage, load_image, read_bytes
from postlens.vision.labels import category_scores, top_labels

# A picture to analyse: a name for messages and either its bytes or a file path.
PictureInput = tuple[str, bytes | Path]


@dataclass
class Analysis:
    source: str
    sha256: str
    format: str
    width: int
    height: int
    n_bytes: int
    embedding: np.ndarray
    labels: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    model: str
    model_version: str
    data: bytes = field(repr=False, default=b"")  # the original file, for the picture store

    def to_dict(self, *, include_embedding: bool = False) -> dict[str, Any]:
        body: dict[str, Any] = {
            "path": self.source, "sha256": self.sha256, "format": self.format,
            "width": self.width, "height": self.height, "bytes": self.n_bytes,
            "labels": self.labels, "categories": self.categories,
            "model": {"name": self.model, "version": self.model_version},
        }
        if include_embedding:
            body["embedding"] = [round(float(x), 6) for x in self.embedding]
        return body


@dataclass
class AnalysisFailure:
    source: str
    error: PostlensError

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.source, "error": self.error.message, "code": self.error.code}


Result = Analysis | AnalysisFailure


@dataclass
class StageTimes:
    """Seconds spent per stage (decode and preprocess are summed over worker threads)."""

    decode: float = 0.0
    preprocess: float = 0.0
    inference: float = 0.0
    count: int = 0


@dataclass
class _Decoded:
    source: str
    loaded: LoadedImage | None
    pixels: np.ndarray | None
    data: bytes
    error: PostlensError | None = None


class Analyzer:
    """Runs an :class:`ImageEncoder` over pictures and turns its outputs into analyses."""

    def __init__(self, encoder: ImageEncoder, *, limits: ImageLimits = ImageLimits(),
                 top_k: int = 5, batch_size: int = 16, workers: int = 2) -> None:
        self.encoder = encoder
        self.limits = limits
        self.top_k = top_k
        self.batch_size = batch_size
        self.workers = workers
        self.times = StageTimes()
        input_size = getattr(encoder, "input_size", 224)
        self._draft_size = round(input_size / 0.875)

    @classmethod
    def from_settings(cls, settings: Settings, encoder: ImageEncoder | None = None) -> Analyzer:
        return cls(encoder or create_encoder(settings),
                   limits=ImageLimits(settings.max_image_bytes, settings.max_image_pixels),
                   top_k=settings.top_k_labels, batch_size=settings.batch_size,
                   workers=settings.decode_workers)

    def analyze_one(self, source: str, content: bytes | Path) -> Analysis:
        """Analyse one picture or raise the :class:`PostlensError` that says what is wrong."""
        # Decoded in the calling thread: one picture gains nothing from the decode pool, and
        # a server already runs one request per thread.
        decoded = self._decode(source, content)
        if decoded.error is not None:
            raise decoded.error
        (result,) = list(self._flush([decoded]))
        if isinstance(result, AnalysisFailure):
            raise result.error
        return result

    def analyze_many(self, pictures: Iterable[PictureInput]) -> Iterator[Result]:
        """Analyse pictures in input order; a bad one yields an AnalysisFailure, not an error."""
        window = self.batch_size * 3
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="decode") as pool:
            pending: deque[Future[_Decoded]] = deque()
            batch: list[_Decoded] = []
            for source, content in pictures:
                pending.append(pool.submit(self._decode, source, content))
                while len(pending) >= window:
                    yield from self._collect(pending.popleft().result(), batch)
            while pending:
                yield from self._collect(pending.popleft().result(), batch)
            yield from self._flush(batch)

    def _collect(self, item: _Decoded, batch: list[_Decoded]) -> Iterator[Result]:
        batch.append(item)
        if len(batch) >= self.batch_size:
            yield from self._flush(batch)

    def _decode(self, source: str, content: bytes | Path) -> _Decoded:
        start = time.perf_counter()
        try:
            data = read_bytes(content, self.limits) if isinstance(content, Path) else content
            loaded = load_image(data, limits=self.limits, draft_size=self._draft_size,
                                source=source)
        except PostlensError as exc:
            return _Decoded(source, None, None, b"", exc)
        decoded = time.perf_counter()
        pixels = self.encoder.preprocess(loaded.image)
        self.times.decode += decoded - start
        self.times.preprocess += time.perf_counter() - decoded
        return _Decoded(source, loaded, pixels, data)

    def _flush(self, batch: list[_Decoded]) -> Iterator[Result]:
        good = [item for item in batch if item.error is None]
        outputs = None
        if good:
            start = time.perf_counter()
            outputs = self.encoder.encode(np.stack([item.pixels for item in good]))  # type: ignore[misc]
            self.times.inference += time.perf_counter() - start
            self.times.count += len(good)
        row = 0
        for item in batch:
            if item.error is not None or item.loaded is None:
                assert item.error is not None
                yield AnalysisFailure(item.source, item.error)
                continue
            assert outputs is not None
            yield self._build(item, outputs.embeddings[row],
                              None if outputs.probabilities is None
                              else outputs.probabilities[row])
            row += 1
        batch.clear()

    def _build(self, item: _Decoded, embedding: np.ndarray,
               probabilities: np.ndarray | None) -> Analysis:
        loaded = item.loaded
        assert loaded is not None
        labels = top_labels(probabilities, self.top_k) if probabilities is not None else []
        categories = category_scores(probabilities) if probabilities is not None else []
        return Analysis(item.source, loaded.sha256, loaded.format, loaded.width, loaded.height,
                        loaded.n_bytes, embedding.copy(), labels, categories,
                        self.encoder.name, self.encoder.version, item.data)
