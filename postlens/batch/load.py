"""``postlens batch load``: store what ``postlens batch analyze`` wrote, without re-running
the models. Each analysed picture becomes a post exactly as ``postlens ingest manifest``
would store it (same source name, same external ids, the manifest's other columns), so the
two can be mixed and a second load adds nothing. The pictures are read once more from their
URIs into the picture store (local or S3) and checked against the analysed sha256."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.picture import PictureAnalysis
from postlens.analysis.registry import STORED_TASKS
from postlens.batch.pictures import read_uri
from postlens.config import Settings
from postlens.errors import InvalidInput, MalformedRecord, PostlensError
from postlens.ingest.manifest import post_record
from postlens.ingest.pipeline import Ingestor, IngestReport
from postlens.ingest.records import PostRecord, PostsOnly
from postlens.store.db import Database
from postlens.vision.container import container_of
from postlens.vision.images import read_bytes


class _Precomputed:
    """Stands in for the analyzer: every record carries its analysis already."""

    task_names: tuple[str, ...] = STORED_TASKS

    def analyze_many(self, pictures: Any) -> Iterator[Any]:
        if list(pictures):
            raise InvalidInput("batch load found a picture without its analysis")
        return iter(())


class BatchOutput(PostsOnly):
    """The posts in ``OUT/analyses``; pictures that cannot be read again are listed in
    :attr:`errors` and skipped."""

    name = "manifest"
    platform: str | None = None

    def __init__(self, out: Path, settings: Settings) -> None:
        self.folder = out / "analyses"
        if not self.folder.is_dir():
            raise InvalidInput(f"{out} holds no batch analyses (run `postlens batch analyze`)")
        self.settings = settings
        self.errors: list[dict[str, str]] = []

    def posts(self) -> Iterator[PostRecord]:
        import pyarrow.dataset as ds

        number = 0
        for batch in ds.dataset(self.folder, format="parquet").to_batches(batch_size=256):
            for row in batch.to_pylist():
                number += 1
                where = f"{self.folder} row {number}"
                try:
                    yield self._record(row, where)
                except PostlensError as exc:
                    self.errors.append({"path": row.get("uri") or where, "error": exc.message,
                                        "code": exc.code})

    def _record(self, row: dict[str, Any], where: str) -> PostRecord:
        content = read_uri(row["uri"], self.settings)
        data = read_bytes(content, self.settings.image_limits) if isinstance(
            content, Path) else content
        if hashlib.sha256(data).hexdigest() != row["sha256"]:
            raise MalformedRecord(f"{row['uri']} changed since it was analysed", source=where)
        try:
            post = json.loads(row["post"])
            labels, categories = json.loads(row["labels"]), json.loads(row["categories"])
            others = json.loads(row["results"] or "{}")
        except (TypeError, ValueError) as exc:
            raise MalformedRecord(f"unreadable analysis: {exc}", source=where) from exc
        embedding = np.asarray(row["embedding"], dtype=np.float32)
        analysis = PictureAnalysis(
            row["uri"], row["sha256"], row["format"], int(row["width"]), int(row["height"]),
            int(row["bytes"]), container_of(data, row["uri"]), row["model"],
            row["model_version"],
            {"embedding": embedding, "labels": labels, "categories": categories, **others},
            {"labels": labels, "categories": categories, **others}, data)
        record = post_record(post, where, data, post.get("path") or post.get("uri") or "")
        record.analysis = analysis
        return record


def load_batch(db: Database, out: Path, settings: Settings, *, commit_every: int = 500,
               pseudonymise_key: str | None = None) -> IngestReport:
    """Store the batch output in ``out``; committed every ``commit_every`` posts, so a
    load that stops half-way resumes where it stopped."""
    source = BatchOutput(out, settings)
    ingestor = Ingestor(db, cast(Analyzer, _Precomputed()), pseudonymise_key=pseudonymise_key)
    report = ingestor.ingest(source, commit_every=commit_every)
    report.errors.extend(source.errors)
    return report
