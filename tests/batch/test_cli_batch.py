"""`postlens batch` on the command line: the export that feeds `batch train`, a full
analyze -> load round trip through the CLI, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from postlens.cli import app
from postlens.config import Settings
from postlens.core import Postlens
from postlens.runtime.cache import ModelCache
from postlens.samples import write_samples
from postlens.store.schema import DEFAULT_WEIGHTS, Post

runner = CliRunner()


def test_export_writes_the_stores_interactions(cli_env: dict[str, str], models: ModelCache,
                                               tmp_path: Path) -> None:
    core = Postlens(Settings(home=Path(cli_env["POSTLENS_HOME"])), models=models)
    folder = tmp_path / "pics"
    write_samples(folder, ["astronaut", "coffee"])
    (folder / "posts.csv").write_text("path,user\nastronaut.jpg,ana\ncoffee.jpg,bo\n")
    core.ingest("manifest", folder / "posts.csv")
    ana, bo = core.user("manifest:ana"), core.user("manifest:bo")
    with core.db.reader() as session:
        post = session.scalar(select(Post.id).where(Post.author_id == bo.id))
    assert post is not None
    core.feedback(ana.id, post, "like")
    core.close()
    result = runner.invoke(app, ["batch", "export", str(tmp_path / "likes.parquet")],
                           env=cli_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["interactions"] == 1
    rows = pq.read_table(tmp_path / "likes.parquet").to_pylist()
    assert rows[0]["user_id"] == ana.id and rows[0]["post_id"] == post
    assert rows[0]["weight"] == DEFAULT_WEIGHTS["like"] and rows[0]["id"] >= 1


def test_load_without_analyses_is_a_clear_error(cli_env: dict[str, str], tmp_path: Path
                                                ) -> None:
    result = runner.invoke(app, ["batch", "load", str(tmp_path)], env=cli_env)
    assert result.exit_code == 2
    assert "holds no batch analyses" in " ".join(result.output.split())


@pytest.mark.slow
def test_analyze_then_load_from_the_command_line(spark: Any, cli_env: dict[str, str],
                                                 tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    write_samples(folder, ["astronaut", "coffee"])
    (folder / "posts.csv").write_text("path,user\nastronaut.jpg,ana\ncoffee.jpg,bo\n")
    env = {**cli_env, "POSTLENS_ANALYSIS_TASKS": '["embedding","labels","categories"]'}
    result = runner.invoke(app, ["batch", "analyze", str(folder / "posts.csv"), "--out",
                                 str(tmp_path / "out"), "--master", "local[2]"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["analysed"] == 2
    result = runner.invoke(app, ["batch", "load", str(tmp_path / "out")], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["posts_added"] == 2
