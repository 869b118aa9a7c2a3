"""The analyzer: decode -> (batched) image encoder -> the asked-for tasks, in input order.

Decoding and preprocessing run in a small thread pool (Pillow releases the GIL while it
decodes) a few batches ahead of inference, so the CPU is never idle waiting for JPEGs. The
encoder runs only when a task reads its output.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from postlens.analysis.picture import (
    AnalysisFailure,
    AnalysisResult,
    PictureAnalysis,
    PictureInput,
)
from postlens.analysis.task import PictureContext, PictureTask
from postlens.errors import PostlensError
from postlens.vision.encoders import ImageEncoder
from postlens.vision.images import ImageLimits, read_bytes
from postlens.vision.images import load_image as decode


@dataclass
class StageTimes:
    """Seconds spent per stage (decode and preprocess are summed over worker threads)."""

    decode: float = 0.0
    preprocess: float = 0.0
    inference: float = 0.0
    count: int = 0


@dataclass
class _Decoded:
    context: PictureContext | None
    pixels: np.ndarray | None
    source: str
    error: PostlensError | None = None


class Analyzer:
    """Runs tasks over pictures; the image encoder's work is batched across pictures."""

    def __init__(self, encoder: ImageEncoder, tasks: Sequence[PictureTask[Any]], *,
                 limits: ImageLimits = ImageLimits(), batch_size: int = 16,
                 workers: int = 2) -> None:
        self.encoder = encoder
        self.tasks = list(tasks)
        self.limits = limits
        self.batch_size = batch_size
        self.workers = workers
        self.times = StageTimes()
        self._needs_encoder = any(task.uses_encoder for task in self.tasks)
        self._draft_size = round(encoder.input_size / 0.875)

    @property
    def task_names(self) -> list[str]:
        return [task.name for task in self.tasks]

    def analyze_one(self, source: str, content: bytes | Path) -> PictureAnalysis:
        """Analyse one picture or raise the :class:`PostlensError` that says what is wrong."""
        # Decoded in the calling thread: one picture gains nothing from the decode pool, and
        # a server already runs one request per thread.
        (result,) = list(self._flush([self._decode(source, content)]))
        if isinstance(result, AnalysisFailure):
            raise result.error
        return result

    def analyze_many(self, pictures: Iterable[PictureInput]) -> Iterator[AnalysisResult]:
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

    def _collect(self, item: _Decoded, batch: list[_Decoded]) -> Iterator[AnalysisResult]:
        batch.append(item)
        if len(batch) >= self.batch_size:
            yield from self._flush(batch)

    def _decode(self, source: str, content: bytes | Path) -> _Decoded:
        start = time.perf_counter()
        try:
            data = read_bytes(content, self.limits) if isinstance(content, Path) else content
            loaded = decode(data, limits=self.limits, draft_size=self._draft_size,
                            source=source)
        except PostlensError as exc:
            return _Decoded(None, None, source, exc)
        decoded = time.perf_counter()
        pixels = self.encoder.preprocess(loaded.image) if self._needs_encoder else None
        self.times.decode += decoded - start
        self.times.preprocess += time.perf_counter() - decoded
        return _Decoded(PictureContext(source, data, loaded), pixels, source)

    def _flush(self, batch: list[_Decoded]) -> Iterator[AnalysisResult]:
        good = [item.context for item in batch if item.context is not None]
        if good and self._needs_encoder:
            start = time.perf_counter()
            outputs = self.encoder.encode(np.stack([
                item.pixels for item in batch
                if item.context is not None and item.pixels is not None]))
            self.times.inference += time.perf_counter() - start
            for row, context in enumerate(good):
                context.embedding = outputs.embeddings[row]
                context.probabilities = (None if outputs.probabilities is None
                                         else outputs.probabilities[row])
        self.times.count += len(good)
        for item in batch:
            if item.context is None:
                yield AnalysisFailure(item.source, item.error or PostlensError(
                    "the picture could not be read"))
                continue
            try:
                yield self._build(item.context)
            except PostlensError as exc:
                yield AnalysisFailure(item.source, exc)
        batch.clear()

    def _build(self, context: PictureContext) -> PictureAnalysis:
        public: dict[str, Any] = {}
        for task in self.tasks:
            result = task.run(context)
            context.results[task.name] = result
            if task.public:
                public[task.name] = task.to_json(result)
        loaded = context.loaded
        return PictureAnalysis(
            context.source, loaded.sha256, loaded.format, loaded.width, loaded.height,
            loaded.n_bytes, loaded.container, self.encoder.name, self.encoder.version,
            context.results, public, context.data)
