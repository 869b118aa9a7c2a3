"""A demo database served in-process; built once per session, copied per test."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from postlens.analysis.registry import build_analyzer
from postlens.config import Settings
from postlens.core import Postlens
from postlens.demo import build_demo
from postlens.interests.space import TextSpace
from postlens.recommend.training import train
from postlens.runtime.cache import ModelCache
from postlens.service.app import create_app
from postlens.store.db import Database


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory: pytest.TempPathFactory, models: ModelCache) -> Path:
    home = tmp_path_factory.mktemp("demo-home")
    settings = Settings(home=home)
    db = Database.from_settings(settings)
    build_demo(home, db, build_analyzer(settings, models))
    train(db, settings, "hybrid")
    db.dispose()
    core = Postlens(settings, models=models)
    core.likes.train(core.likes.training_posts())  # on the demo's simulated likes
    core.close()
    return home


def serving_core(models: ModelCache, **settings: object) -> Postlens:
    """A server's core over a copied demo home, sharing the session's models."""
    return Postlens(Settings(**settings), models=models, serving=True)  # type: ignore[arg-type]


@pytest.fixture
def client_home(demo_home: Path, tmp_path: Path, model_dir: Path, text_space: TextSpace
                ) -> Path:
    home = tmp_path / "home"
    shutil.copytree(demo_home, home)
    for path in model_dir.iterdir():  # the session's exported ONNX models, read-only
        os.link(path, home / "models" / path.name)
    return home


@pytest.fixture
def client(client_home: Path, models: ModelCache) -> Iterator[TestClient]:
    core = serving_core(models, home=client_home, demo_login=True)
    with TestClient(create_app(core)) as test_client:
        yield test_client
    core.close()


@pytest.fixture
def keys(client_home: Path) -> dict[str, str]:
    keys: dict[str, str] = json.loads((client_home / "demo-keys.json").read_text())
    return keys


def user_id(client: TestClient, key: str) -> int:
    """Resolve a key's user through the API's own profile check."""
    for candidate in range(1, 200):
        response = client.get(f"/api/users/{candidate}/profile", headers={"X-API-Key": key})
        if response.status_code == 200:
            return candidate
    raise AssertionError("no user for key")
