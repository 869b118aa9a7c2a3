"""`postlens batch analyze` and `batch load` on a real Spark: same answers as one process,
bad pictures in the errors table, resumable, loaded like `ingest manifest`."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from postlens.analysis.registry import build_analyzer
from postlens.batch.analyze import analyse_manifest
from postlens.batch.load import load_batch
from postlens.config import Settings
from postlens.errors import InvalidInput
from postlens.models import model_cache
from postlens.samples import write_samples
from postlens.store.db import Database
from postlens.store.schema import Analysis, Post

pytestmark = pytest.mark.slow


def manifest(folder: Path) -> tuple[Path, list[Path]]:
    pictures = write_samples(folder / "pics", ["astronaut", "coffee", "chelsea", "rocket"])
    (folder / "pics" / "notes.jpg").write_bytes(b"this is not a picture")
    path = folder / "posts.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "user", "caption", "likes"])
        for picture in pictures:
            writer.writerow([f"pics/{picture.name}", "ana", f"my {picture.stem}", "3"])
        writer.writerow(["pics/missing.jpg", "ana", "gone", ""])
        writer.writerow(["pics/notes.jpg", "bo", "", ""])
        writer.writerow(["", "bo", "a row without a picture", ""])
    return path, pictures


def table(path: Path) -> list[dict[str, Any]]:
    return pq.read_table(path).to_pylist()


def test_batch_analysis_matches_one_process_and_resumes(
        spark: Any, batch_settings: Settings, tmp_path: Path) -> None:
    path, pictures = manifest(tmp_path)
    out = tmp_path / "out"
    report = analyse_manifest(spark, str(path), out, batch_settings)
    assert (report.manifest_rows, report.analysed, report.errors) == (7, 4, 3)

    rows = {Path(r["uri"]).name: r for r in table(out / "analyses")}
    assert set(rows) == {p.name for p in pictures}
    local = build_analyzer(batch_settings, model_cache(batch_settings))
    for picture in pictures:
        expected = local.analyze_one(str(picture), picture)
        row = rows[picture.name]
        assert row["sha256"] == expected.sha256
        np.testing.assert_allclose(row["embedding"], expected.embedding, atol=1e-4)
        assert [x["label"] for x in json.loads(row["labels"])] == [
            x["label"] for x in expected.labels]
        assert '"platform"' in row["results"]

    errors = {(r["error_code"], r["uri"] and Path(r["uri"]).name) for r in table(out / "errors")}
    assert errors == {("not_found", "missing.jpg"), ("unsupported_media_type", "notes.jpg"),
                      ("malformed_record", None)}

    again = analyse_manifest(spark, str(path), out, batch_settings)
    assert (again.skipped, again.analysed, again.errors) == (6, 0, 0)
    assert len(table(out / "errors")) == 3  # nothing reported twice

    db = Database.from_settings(batch_settings)
    loaded = load_batch(db, out, batch_settings)
    assert (loaded.posts_added, loaded.pictures_added, loaded.errors) == (4, 4, [])
    assert load_batch(db, out, batch_settings).posts_added == 0  # idempotent
    with db.reader() as session:
        assert session.scalar(select(func.count()).select_from(Analysis)) == 4
        post = session.scalar(select(Post).where(Post.caption == "my coffee"))
        assert post is not None and post.source == "manifest" and post.likes == 3
        assert post.external_id == "pics/coffee.jpg"  # as `postlens ingest manifest` keys it


def test_a_picture_changed_after_analysis_is_not_loaded(
        spark: Any, batch_settings: Settings, tmp_path: Path) -> None:
    path, pictures = manifest(tmp_path)
    out = tmp_path / "out"
    analyse_manifest(spark, str(path), out, batch_settings, tasks=["embedding", "labels",
                                                                   "categories"])
    pictures[0].write_bytes(pictures[1].read_bytes())
    report = load_batch(Database.from_settings(batch_settings), out, batch_settings)
    assert report.posts_added == 3
    assert [e["code"] for e in report.errors] == ["malformed_record"]
    assert "changed since it was analysed" in report.errors[0]["error"]


def test_a_manifest_without_paths_is_refused(spark: Any, batch_settings: Settings,
                                             tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("picture,caption\na.jpg,x\n")
    with pytest.raises(InvalidInput, match="no 'path' or 'uri' column"):
        analyse_manifest(spark, str(bad), tmp_path / "out", batch_settings)
    with pytest.raises(InvalidInput, match=r"\.csv, \.jsonl or \.parquet"):
        analyse_manifest(spark, str(tmp_path / "posts.xlsx"), tmp_path / "out", batch_settings)


def test_pictures_named_by_s3_uris(spark: Any, batch_settings: Settings, tmp_path: Path,
                                   s3_endpoint: str) -> None:
    from postlens.store.s3 import s3_client

    settings = batch_settings.model_copy(update={
        "s3_endpoint_url": s3_endpoint, "s3_access_key_id": SecretStr("test"),
        "s3_secret_access_key": SecretStr("test")})
    client = s3_client(settings)
    client.create_bucket(Bucket="lake")
    pictures = write_samples(tmp_path / "pics", ["astronaut", "coffee"])
    for picture in pictures:
        client.put_object(Bucket="lake", Key=f"in/{picture.name}", Body=picture.read_bytes())
    manifest = tmp_path / "posts.jsonl"
    manifest.write_text("".join(json.dumps({"path": f"s3://lake/in/{name}", "user": "ana"}) + "\n"
                                for name in ("astronaut.jpg", "coffee.jpg", "gone.jpg")))
    out = tmp_path / "out"
    report = analyse_manifest(spark, str(manifest), out, settings,
                              tasks=["embedding", "labels", "categories"])
    assert (report.analysed, report.errors) == (2, 1)
    assert [r["error_code"] for r in table(out / "errors")] == ["not_found"]
    loaded = load_batch(Database.from_settings(settings), out, settings)
    assert (loaded.posts_added, loaded.errors) == (2, [])
