"""``postlens reanalyze``: stale task results replaced in place, idempotent, failures named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from skimage import data as skdata
from sqlalchemy import select
from typer.testing import CliRunner

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.registry import build_analyzer
from postlens.cli import app
from postlens.config import Settings
from postlens.errors import InvalidInput
from postlens.ingest.manifest import ManifestSource
from postlens.ingest.pipeline import Ingestor
from postlens.ingest.reanalyze import reanalyze
from postlens.runtime.cache import ModelCache
from postlens.store.db import Database
from postlens.store.schema import Analysis, Picture
from tests.conftest import jpeg_bytes


def stored(db: Database) -> dict[int, dict]:
    with db.reader() as session:
        return {row.picture_id: dict(row.results) for row in session.scalars(select(Analysis))}


def ingest_three(db: Database, analyzer: Analyzer, folder: Path) -> None:
    folder.mkdir()
    for name in ("chelsea", "coffee", "astronaut"):
        (folder / f"{name}.jpg").write_bytes(jpeg_bytes(getattr(skdata, name)()))
    (folder / "m.csv").write_text("path,user\nchelsea.jpg,ana\ncoffee.jpg,ana\nastronaut.jpg,bo\n")
    Ingestor(db, analyzer).ingest(ManifestSource(folder / "m.csv"))


def test_stale_results_are_replaced_once_and_a_missing_file_is_named(
        tmp_path: Path, db: Database, analyzer: Analyzer, settings: Settings,
        models: ModelCache) -> None:
    ingest_three(db, analyzer, tmp_path / "photos")
    fresh = stored(db)
    assert len(fresh) == 3 and all({"faces", "platform"} <= set(r) for r in fresh.values())
    astronaut = next(p for p, r in fresh.items() if r["faces"])  # the one picture with a face
    # what an older model said: a stale face and platform on every picture
    with db.transaction() as session:
        for row in session.scalars(select(Analysis)):
            row.results = {**row.results, "faces": [], "platform": {"name": "stale"}}
    platform_only = build_analyzer(settings, models, ["platform"])
    report = reanalyze(db, platform_only, ["platform"], batch_size=2)
    assert report.to_dict() == {"tasks": ["platform"], "pictures": 3, "changed": 3,
                                "unchanged": 0, "failed": []}
    now = stored(db)
    assert all(now[p]["platform"] == fresh[p]["platform"] for p in fresh)
    assert now[astronaut]["faces"] == []  # a task not named is left as it was
    # the faces too; then nothing more to change
    faces = build_analyzer(settings, models, ["faces"])
    assert reanalyze(db, faces, ["faces"]).changed == 3 - sum(not r["faces"] for r in
                                                              fresh.values())
    assert stored(db) == fresh
    assert reanalyze(db, faces, ["faces"]).to_dict()["unchanged"] == 3
    # a picture whose file is gone is reported by its path and keeps its results
    with db.reader() as session:
        gone = session.scalars(select(Picture).where(Picture.id == astronaut)).one().path
    db.blobs.delete(gone)
    with db.transaction() as session:
        row = session.scalars(select(Analysis).where(Analysis.picture_id == astronaut)).one()
        row.results = {**row.results, "faces": []}
    report = reanalyze(db, faces, ["faces"])
    assert [f["picture"] for f in report.failed] == [gone] and "missing" in report.failed[0][
        "error"]
    assert stored(db)[astronaut]["faces"] == []


def test_encoder_tasks_and_unknown_tasks_are_refused(db: Database, analyzer: Analyzer) -> None:
    with pytest.raises(InvalidInput, match="image encoder"):
        reanalyze(db, analyzer, ["labels"])
    with pytest.raises(InvalidInput, match="unknown task"):
        reanalyze(db, analyzer, ["horoscope"])
    with pytest.raises(InvalidInput, match="at least one"):
        reanalyze(db, analyzer, [])


def test_cli_reanalyze(tmp_path: Path, cat_jpeg: bytes, cli_env: dict[str, str]) -> None:
    runner = CliRunner()
    (tmp_path / "cat.jpg").write_bytes(cat_jpeg)
    (tmp_path / "m.csv").write_text("path,user\ncat.jpg,ana\n")
    assert runner.invoke(app, ["ingest", "manifest", str(tmp_path / "m.csv")],
                         env=cli_env).exit_code == 0
    result = runner.invoke(app, ["reanalyze", "--task", "platform", "--json"], env=cli_env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"tasks": ["platform"], "pictures": 1, "changed": 0,
                                         "unchanged": 1, "failed": []}
    refused = runner.invoke(app, ["reanalyze", "--task", "embedding"], env=cli_env)
    assert refused.exit_code == 2 and "image encoder" in " ".join(refused.output.split())
