"""The base every model in postlens is built on (Immich machine-learning's habit).

The public :meth:`InferenceModel.load` and :meth:`InferenceModel.predict` own locking,
lazy loading, logging and idle unloading; subclasses write only ``_load`` (build the session)
and ``_predict`` (run it). The runtime session is anything with ``run`` and ``get_inputs``
(:class:`ModelSession`): an ONNX Runtime session, or a fake one in a test.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out")


class ModelSession(Protocol):
    """What a model needs from its runtime (ONNX Runtime's ``InferenceSession`` has it)."""

    def run(self, output_names: list[str] | None, input_feed: dict[str, Any]) -> list[Any]: ...

    def get_inputs(self) -> list[Any]: ...


class InferenceModel(ABC, Generic[In, Out]):
    """A model that loads on first use, serves many threads and can be unloaded when idle.

    ``predict`` may run concurrently (ONNX Runtime sessions are thread-safe); ``load`` and
    ``unload`` are serialised, and a model is never unloaded while a prediction runs.
    """

    name: str = ""
    version: str = ""

    def __init__(self, cache_dir: Path, threads: int = 0) -> None:
        self.cache_dir = cache_dir
        self.threads = threads
        self._lock = threading.Lock()
        self._loaded = False
        self._active = 0
        self.last_used = 0.0
        self.load_seconds = 0.0

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        """Build the model now (exporting it once if needed); a no-op when loaded."""
        if self._loaded:
            return
        with self._lock:
            if not self._loaded:
                start = time.perf_counter()
                self._load()
                self.load_seconds = time.perf_counter() - start
                self._loaded = True
                self.last_used = time.monotonic()
                log.info("loaded model %s/%s in %.2f s", self.name, self.version,
                         self.load_seconds)

    def predict(self, inputs: In) -> Out:
        self._check(inputs)
        with self._lock:
            self._active += 1
        try:
            self.load()
            return self._predict(inputs)
        finally:
            with self._lock:
                self._active -= 1
                self.last_used = time.monotonic()

    def unload(self) -> bool:
        """Free the model's memory unless a prediction is running; True if it was freed."""
        with self._lock:
            if not self._loaded or self._active:
                return False
            self._unload()
            self._loaded = False
        log.info("unloaded model %s/%s", self.name, self.version)
        return True

    def unload_if_idle(self, idle_seconds: float, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self._loaded and now - self.last_used >= idle_seconds:
            return self.unload()
        return False

    def _check(self, inputs: In) -> None:
        """Raise a typed error for inputs the model cannot take (before loading it)."""
        return None

    @abstractmethod
    def _load(self) -> None: ...

    @abstractmethod
    def _predict(self, inputs: In) -> Out: ...

    def _unload(self) -> None:
        """Drop the session and anything else ``_load`` built."""
        self.__dict__.pop("_session", None)
