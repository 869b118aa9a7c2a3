"""The model runtime: lazy locked loading, concurrent predictions, idle unloading."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from postlens.errors import InvalidInput
from postlens.runtime.base import InferenceModel, ModelSession
from postlens.runtime.cache import ModelCache


class DoublingSession:
    """A ModelSession that doubles its input, slowly enough to overlap threads."""

    def run(self, output_names: list[str] | None, input_feed: dict[str, Any]) -> list[Any]:
        time.sleep(0.02)
        return [input_feed["x"] * 2]

    def get_inputs(self) -> list[Any]:
        return ["x"]


class Doubler(InferenceModel[np.ndarray, np.ndarray]):
    name = "doubler"
    version = "1"
    _session: ModelSession

    def __init__(self, cache_dir: Path) -> None:
        super().__init__(cache_dir)
        self.loads = 0

    def _check(self, inputs: np.ndarray) -> None:
        if inputs.ndim != 1:
            raise InvalidInput("one-dimensional input only")

    def _load(self) -> None:
        time.sleep(0.05)  # long enough for racing threads to pile up on the lock
        self.loads += 1
        self._session = DoublingSession()

    def _predict(self, inputs: np.ndarray) -> np.ndarray:
        (out,) = self._session.run(None, {"x": inputs})
        return np.asarray(out)


def test_loads_once_under_concurrent_first_use(tmp_path: Path) -> None:
    model = Doubler(tmp_path)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(model.predict(np.ones(3))))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert model.loads == 1 and len(results) == 8
    assert all(np.array_equal(r, [2, 2, 2]) for r in results)


def test_bad_input_is_refused_before_loading(tmp_path: Path) -> None:
    model = Doubler(tmp_path)
    with pytest.raises(InvalidInput):
        model.predict(np.ones((2, 2)))
    assert not model.loaded


def test_idle_models_are_unloaded_and_load_again_on_use(tmp_path: Path) -> None:
    model = Doubler(tmp_path)
    model.predict(np.ones(1))
    assert not model.unload_if_idle(60.0)  # just used
    assert model.unload_if_idle(60.0, now=time.monotonic() + 61)
    assert not model.loaded and "_session" not in model.__dict__
    assert np.array_equal(model.predict(np.ones(1)), [2.0]) and model.loads == 2


def test_a_model_is_not_unloaded_while_it_predicts(tmp_path: Path) -> None:
    model = Doubler(tmp_path)
    model.load()
    started = threading.Event()

    class Slow(DoublingSession):
        def run(self, output_names: list[str] | None, input_feed: dict[str, Any]) -> list[Any]:
            started.set()
            time.sleep(0.3)
            return super().run(output_names, input_feed)

    model._session = Slow()
    worker = threading.Thread(target=model.predict, args=(np.ones(1),))
    worker.start()
    assert started.wait(2)
    assert not model.unload()  # busy
    worker.join()
    assert model.unload()


def test_cache_builds_each_model_once_and_reaps_idle_ones(tmp_path: Path) -> None:
    built: list[Doubler] = []

    def factory() -> Doubler:
        built.append(Doubler(tmp_path))
        return built[-1]

    cache = ModelCache({"doubler": factory}, idle_seconds=0.2)
    first = cache.get("doubler")
    assert cache.get("doubler") is first and len(built) == 1
    first.predict(np.ones(1))
    assert cache.loaded() == ["doubler"]
    deadline = time.monotonic() + 5
    while cache.loaded():  # the reaper thread wakes every max(1 s, idle / 4)
        assert time.monotonic() < deadline, "idle model never unloaded"
        time.sleep(0.05)
    cache.close()
    with pytest.raises(InvalidInput, match="unknown model 'nope'; available: doubler"):
        cache.get("nope")


def test_get_as_checks_the_kind_of_model(tmp_path: Path) -> None:
    cache = ModelCache({"doubler": lambda: Doubler(tmp_path)})
    assert isinstance(cache.get_as("doubler", Doubler), Doubler)
    with pytest.raises(InvalidInput, match="model 'doubler' is not a ModelCache"):
        cache.get_as("doubler", ModelCache)
