"""`postlens likes` end to end on a seed-001 likes folder whose likes follow a known rule,
and the folder's errors named with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from postlens.cli import app
from postlens.errors import MalformedRecord
from postlens.ingest.folder import LikesFolderSource

runner = CliRunner()


def picture(path: Path, brightness: float, seed: int) -> None:
    """A textured picture of the given mean brightness (0..1)."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 60, size=(96, 128, 3)).astype(np.float32)
    pixels = np.clip(base + brightness * 190, 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, "JPEG", quality=90)


@pytest.fixture
def likes_folder(tmp_path: Path) -> Path:
    """Brighter pictures get more likes: log1p(likes) = 4 + 2 * brightness."""
    folder = tmp_path / "mila"
    folder.mkdir()
    lines = []
    for number, brightness in enumerate(np.linspace(0.05, 0.95, 12), start=1):
        picture(folder / f"{number}.jpg", float(brightness), number)
        lines.append(f"{number}: {int(np.expm1(4 + 2 * brightness))}")
    (folder / "y_likes_data.txt").write_text("\n".join(lines) + "\n")
    return folder


def test_train_report_and_rank_candidates(likes_folder: Path, tmp_path: Path,
                                          cli_env: dict[str, str]) -> None:
    report = tmp_path / "report"
    trained = runner.invoke(app, ["likes", "train", str(likes_folder), "--report", str(report),
                                  "--json"], env=cli_env)
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.output)
    assert summary["posts"] == 12 and summary["accounts"] == 1
    for name in ("report.md", "learning_curve.png", "predicted_vs_actual.png"):
        assert (report / name).stat().st_size > 0
    picture(tmp_path / "dark.jpg", 0.1, 50)
    picture(tmp_path / "bright.jpg", 0.9, 51)
    predicted = runner.invoke(app, ["likes", "predict", str(tmp_path / "dark.jpg"),
                                    str(tmp_path / "bright.jpg"), "--account", "mila",
                                    "--caption", "new", "--json"], env=cli_env)
    assert predicted.exit_code == 0, predicted.output
    ranked = json.loads(predicted.output)
    assert [Path(r["path"]).name for r in ranked] == ["bright.jpg", "dark.jpg"]
    assert [r["rank"] for r in ranked] == [1, 2]
    for answer in ranked:
        assert answer["low"] <= answer["likes"] <= answer["high"]
        assert "history (12 posts)" in answer["basis"] and answer["drivers"]
    # one account's model cannot speak for a new account
    alone = runner.invoke(app, ["likes", "predict", str(tmp_path / "dark.jpg")], env=cli_env)
    assert alone.exit_code != 0 and "new one" in alone.output


def test_predict_without_a_model_says_how_to_train(tmp_path: Path,
                                                   cli_env: dict[str, str]) -> None:
    picture(tmp_path / "a.jpg", 0.5, 1)
    result = runner.invoke(app, ["likes", "predict", str(tmp_path / "a.jpg")], env=cli_env)
    assert result.exit_code != 0 and "postlens likes train" in result.output


@pytest.mark.parametrize(("lines", "remove", "message"), [
    ("1: 10\n2: 20\n3: 30\n", "2.jpg", r"y_likes_data.txt:2.*no 2.jpg"),
    ("1: 10\n2: lots\n3: 30\n", None, r"y_likes_data.txt:2.*lots"),
    ("1: 10\n2: 20\n", None, r"y_likes_data.txt.*2 likes lines for 3 numbered pictures.*3.jpg"),
])
def test_likes_folder_errors_name_file_and_line(tmp_path: Path, lines: str,
                                                remove: str | None, message: str) -> None:
    for number in (1, 2, 3):
        picture(tmp_path / f"{number}.jpg", 0.5, number)
    if remove:
        (tmp_path / remove).unlink()
    (tmp_path / "y_likes_data.txt").write_text(lines)
    with pytest.raises(MalformedRecord) as error:
        list(LikesFolderSource(tmp_path).posts())
    assert error.match(message)
