"""``analyze`` gives the platform, ``stats`` counts pictures per platform, and
``train-provenance`` writes a model the classifier loads."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from postlens.cli import app
from postlens.provenance.features import FEATURE_NAMES
from postlens.provenance.model import PlatformClassifier, read_metadata
from postlens.provenance.platforms import PIPELINES
from postlens.provenance.simulate import procedural_image, through_pipeline

runner = CliRunner()


def whatsapp_file(folder: Path) -> Path:
    rng = random.Random(21)
    pipeline = next(p for p in PIPELINES if p.platform == "whatsapp")
    made = through_pipeline(pipeline, procedural_image(rng, 800, 600), (4000, 3000), rng)
    path = folder / "IMG-20240102-WA0007.jpg"
    path.write_bytes(made.data)
    return path


def test_analyze_json_and_stats_give_the_platform(tmp_path: Path,
                                                  cli_env: dict[str, str]) -> None:
    path = whatsapp_file(tmp_path)
    result = runner.invoke(app, ["analyze", str(path), "--json", "--tasks", "platform"],
                           env=cli_env)
    assert result.exit_code == 0, result.output
    platform = json.loads(result.stdout)["platform"]
    assert platform["name"] == "whatsapp", platform
    assert set(platform) == {"name", "confidence", "scores", "evidence"}
    assert any("WhatsApp" in line for line in platform["evidence"])

    human = runner.invoke(app, ["analyze", str(path), "--tasks", "platform"], env=cli_env)
    assert "Probably downloaded from WhatsApp" in human.stdout

    (tmp_path / "m.csv").write_text(f"path,user\n{path.name},ana\n")
    assert runner.invoke(app, ["ingest", "manifest", str(tmp_path / "m.csv")],
                         env=cli_env).exit_code == 0
    stats = json.loads(runner.invoke(app, ["stats", "--json"], env=cli_env).stdout)
    assert stats["pictures_by_platform"] == {"whatsapp": 1}


@pytest.mark.slow
def test_train_provenance_writes_a_model_that_loads(tmp_path: Path,
                                                    cli_env: dict[str, str]) -> None:
    target = tmp_path / "platform.onnx"
    result = runner.invoke(app, ["train-provenance", "--per-pipeline", "6", "--output",
                                 str(target), "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["examples"]["whatsapp"]["simulated"] > 0
    assert read_metadata(target)["features"] == FEATURE_NAMES
    model = PlatformClassifier(tmp_path)  # the retrained file takes precedence
    assert model.path == target
    probabilities = model.predict(np.zeros((2, len(FEATURE_NAMES)), dtype=np.float32))
    assert probabilities.shape == (2, 9) and np.allclose(probabilities.sum(axis=1), 1)


def test_train_provenance_refuses_a_missing_data_folder(tmp_path: Path,
                                                        cli_env: dict[str, str]) -> None:
    result = runner.invoke(app, ["train-provenance", "--data", str(tmp_path / "nope")],
                           env=cli_env)
    assert result.exit_code == 2 and "not a folder" in " ".join(result.output.split())
