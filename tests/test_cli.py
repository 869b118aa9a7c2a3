"""The command line, run in-process with Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from postlens.cli import app

runner = CliRunner()


def test_analyze_json_lines(tmp_path: Path, cat_jpeg: bytes, cli_env: dict[str, str]) -> None:
    (tmp_path / "cat.jpg").write_bytes(cat_jpeg)
    (tmp_path / "fake.jpg").write_text("not a picture")
    result = runner.invoke(app, ["analyze", str(tmp_path / "cat.jpg"), str(tmp_path / "fake.jpg"),
                                 "--json", "--top-k", "3"], env=cli_env)
    assert result.exit_code == 1  # one file failed
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    cat, fake = lines
    assert {"path", "sha256", "width", "height", "labels", "categories"} <= set(cat)
    assert len(cat["labels"]) == 3
    assert {"tabby", "tiger cat", "Egyptian cat"} & {label["label"] for label in cat["labels"]}
    assert cat["categories"][0] == {"category": "animals & pets", "id": "animals_pets",
                                    "score": cat["categories"][0]["score"]}
    assert "error" in fake and fake["path"].endswith("fake.jpg")


def test_analyze_folder_human_output(tmp_path: Path, coffee_jpeg: bytes,
                                     cli_env: dict[str, str]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "coffee.jpg").write_bytes(coffee_jpeg)
    result = runner.invoke(app, ["analyze", str(tmp_path)], env=cli_env)
    assert result.exit_code == 0, result.output
    assert "espresso" in result.stdout and "food & drink" in result.stdout


def test_ingest_then_stats(tmp_path: Path, cat_jpeg: bytes, cli_env: dict[str, str]) -> None:
    (tmp_path / "cat.jpg").write_bytes(cat_jpeg)
    (tmp_path / "m.csv").write_text("path,user,likes\ncat.jpg,ana,5\n")
    result = runner.invoke(app, ["ingest", "manifest", str(tmp_path / "m.csv")], env=cli_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["posts_added"] == 1
    stats = runner.invoke(app, ["stats", "--json"], env=cli_env)
    assert json.loads(stats.stdout)["totals"]["posts"] == 1


def test_ingest_unknown_format_is_a_clear_error(tmp_path: Path, cli_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["ingest", "myspace", str(tmp_path)], env=cli_env)
    assert result.exit_code == 2
    assert "unknown format 'myspace'" in result.output
