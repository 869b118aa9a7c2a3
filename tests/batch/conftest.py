"""A real Spark (local[2], a real JVM) shared by the batch tests; skipped without Java."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from postlens.config import Settings
from postlens.vision.efficientnet import EfficientNetLite0


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17 (make install-test installs it as root)")
    from postlens.batch.session import spark_session

    session = spark_session("local[2]", "postlens tests")
    yield session
    session.stop()


@pytest.fixture
def batch_settings(tmp_path: Path, model_dir: Path, encoder: EfficientNetLite0) -> Settings:
    """Settings whose model cache is the test session's (the executors load from it)."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "models").symlink_to(model_dir, target_is_directory=True)
    return Settings(home=home, analysis_tasks=["embedding", "labels", "categories",
                                               "platform"])
