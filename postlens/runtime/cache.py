"""The models a process holds: built once by name, shared, and unloaded when idle.

The factories come from the caller (``postlens.models`` lists the built-in ones), so the
runtime knows nothing about any particular model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from postlens.errors import InvalidInput
from postlens.runtime.base import InferenceModel

log = logging.getLogger(__name__)

ModelFactory = Callable[[], InferenceModel[Any, Any]]
M = TypeVar("M")


class ModelCache:
    def __init__(self, factories: Mapping[str, ModelFactory], idle_seconds: float = 0.0
                 ) -> None:
        self.factories = dict(factories)
        self.idle_seconds = idle_seconds
        self._models: dict[str, InferenceModel[Any, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None

    def get(self, name: str) -> InferenceModel[Any, Any]:
        """The shared instance of the model ``name`` (not loaded until first used)."""
        with self._lock:
            if name not in self._models:
                if name not in self.factories:
                    raise InvalidInput(f"unknown model {name!r}; available: "
                                       f"{', '.join(sorted(self.factories))}")
                self._models[name] = self.factories[name]()
                self._start_reaper()
            return self._models[name]

    def get_as(self, name: str, kind: type[M]) -> M:
        """:meth:`get`, checked to be a ``kind`` (a model named in the settings may not be)."""
        model = self.get(name)
        if not isinstance(model, kind):
            raise InvalidInput(f"model {name!r} is not a {kind.__name__}")
        return model

    def put(self, name: str, model: InferenceModel[Any, Any]) -> None:
        """Share an already built model under ``name`` (tests share one across cores)."""
        with self._lock:
            self._models[name] = model

    def loaded(self) -> list[str]:
        with self._lock:
            return sorted(name for name, model in self._models.items() if model.loaded)

    def unload_idle(self) -> list[str]:
        """Unload every model unused for ``idle_seconds``; the names of those unloaded."""
        with self._lock:
            models = list(self._models.items())
        return [name for name, model in models if model.unload_if_idle(self.idle_seconds)]

    def close(self) -> None:
        self._stop.set()

    def _start_reaper(self) -> None:
        if self.idle_seconds <= 0 or self._reaper is not None:
            return

        def sweep() -> None:
            while not self._stop.wait(max(1.0, self.idle_seconds / 4)):
                for name in self.unload_idle():
                    log.info("model %s idle for %.0f s: unloaded", name, self.idle_seconds)

        self._reaper = threading.Thread(target=sweep, name="model-reaper", daemon=True)
        self._reaper.start()
