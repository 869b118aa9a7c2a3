"""``postlens reanalyze``: run per-picture tasks again over the stored pictures.

A stored analysis keeps what the models said when its picture came in. When a model changes
(retrained or recalibrated face heads, a retrained platform model, a new version of postlens),
the stored faces, platforms and appearance go stale: ads, likes features, the post pages and
``postlens stats`` read them. This reads every stored picture file again, runs the named tasks
with today's models and replaces those tasks' results in each of the picture's stored
analyses. The embedding, labels and categories are not touched: they are tied to the
image encoder's version (a new encoder gets its own analyses when pictures are imported again).

The name given to the analysis is the best the store knows (an upload's file name, else the
post's external id), as at import: the platform task reads file-name patterns. Batches are
one transaction each, a picture whose file is missing or unreadable is reported and keeps its
results, and running it twice changes nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.picture import AnalysisFailure
from postlens.analysis.registry import STORED_TASKS
from postlens.errors import InvalidInput, PostlensError
from postlens.store.db import Database
from postlens.store.schema import Analysis, Picture, Post


@dataclass
class ReanalyzeReport:
    tasks: list[str]
    pictures: int = 0
    changed: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"tasks": self.tasks, "pictures": self.pictures, "changed": self.changed,
                "unchanged": self.pictures - self.changed - len(self.failed),
                "failed": self.failed}


def check_tasks(tasks: Sequence[str], available: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(tasks))
    if not names:
        raise InvalidInput("name at least one task to run again")
    stored = [t for t in names if t in STORED_TASKS]
    if stored:
        raise InvalidInput(f"{', '.join(stored)} cannot be run again in place: they belong to "
                           f"the image encoder's version; import the pictures again instead")
    unknown = [t for t in names if t not in available]
    if unknown:
        raise InvalidInput(f"unknown task(s) {', '.join(unknown)}; "
                           f"available: {', '.join(sorted(set(available) - set(STORED_TASKS)))}")
    return names


def reanalyze(db: Database, analyzer: Analyzer, tasks: Sequence[str], batch_size: int = 64
              ) -> ReanalyzeReport:
    """Run ``tasks`` (which ``analyzer`` must have) again on every analysed stored picture."""
    report = ReanalyzeReport(check_tasks(tasks, analyzer.task_names))
    if batch_size < 1:
        raise InvalidInput("batch_size must be at least 1")
    last = 0
    while True:
        with db.reader() as session:
            batch = session.execute(
                select(Picture.id, Picture.path).where(
                    Picture.id > last, Picture.id.in_(select(Analysis.picture_id)))
                .order_by(Picture.id).limit(batch_size)).all()
            names = known_names(session, [row.id for row in batch])
        if not batch:
            return report
        last = batch[-1].id
        _run_batch(db, analyzer, report, [(row.id, row.path) for row in batch], names)


def known_names(session: Any, picture_ids: list[int]) -> dict[int, str]:
    """Per picture, the name it came with: an upload's file name, else a post's external id."""
    names: dict[int, str] = {}
    rows = session.execute(select(Post.picture_id, Post.external_id, Post.extra)
                           .where(Post.picture_id.in_(picture_ids)).order_by(Post.id)).all()
    for picture_id, external_id, extra in rows:
        filename = (extra or {}).get("filename")
        names.setdefault(picture_id, str(filename or external_id))
    return names


def _run_batch(db: Database, analyzer: Analyzer, report: ReanalyzeReport,
               pictures: list[tuple[int, str]], names: dict[int, str]) -> None:
    inputs: list[tuple[int, str, bytes]] = []
    for picture_id, path in pictures:
        report.pictures += 1
        try:
            inputs.append((picture_id, names.get(picture_id, path), db.blobs.read(path)))
        except PostlensError as exc:
            report.failed.append({"picture": path, "error": exc.message})
    results = analyzer.analyze_many((name, data) for _, name, data in inputs)
    fresh: dict[int, dict[str, Any]] = {}
    for (picture_id, name, _), result in zip(inputs, results, strict=True):
        if isinstance(result, AnalysisFailure):
            report.failed.append({"picture": name, "error": result.error.message})
        else:
            # as the JSON column will give it back (tuples become lists), to compare
            fresh[picture_id] = json.loads(json.dumps(
                {task: result.public[task] for task in report.tasks if task in result.public}))
    with db.transaction() as session:
        rows = session.scalars(select(Analysis).where(Analysis.picture_id.in_(fresh))).all()
        changed: set[int] = set()
        for row in rows:
            updated = {**(row.results or {}), **fresh[row.picture_id]}
            if updated != row.results:
                row.results = updated  # a new dict: the JSON column sees the change
                changed.add(row.picture_id)
        report.changed += len(changed)
