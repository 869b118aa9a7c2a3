"""Consistency between the database and the picture files, checked and repaired.

An import that rolls back removes the files it created (:func:`discard_files`); a process
killed mid-write can still leave files no row points at, or temporary files of an atomic
write. ``postlens doctor`` finds those (older than a grace period, so a running import's
fresh files are left alone) and, with ``--repair``, removes them; it also reports pictures
whose file is missing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select

from postlens.store.db import Database
from postlens.store.schema import Picture


@dataclass
class DoctorReport:
    pictures: int = 0
    files: int = 0
    orphan_files: list[str] = field(default_factory=list)
    temporary_files: list[str] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    removed: int = 0

    @property
    def healthy(self) -> bool:
        return not (self.orphan_files or self.temporary_files or self.missing_files)

    def to_dict(self) -> dict[str, object]:
        return {**self.__dict__, "healthy": self.healthy}


def discard_files(db: Database, relatives: Iterable[str]) -> int:
    """Remove these picture files unless a stored picture refers to them (the rollback of
    the transaction that wrote them)."""
    relatives = list(relatives)
    if not relatives:
        return 0
    with db.reader() as session:
        kept = set(session.scalars(select(Picture.path).where(Picture.path.in_(relatives))))
    removed = 0
    for relative in relatives:
        if relative not in kept:
            db.blobs.delete(relative)
            removed += 1
    return removed


def check(db: Database, *, repair: bool = False, grace_seconds: float = 3600.0
          ) -> DoctorReport:
    with db.reader() as session:
        referenced = set(session.scalars(select(Picture.path)))
    report = DoctorReport(pictures=len(referenced))
    cutoff = time.time() - grace_seconds
    seen: set[str] = set()
    for stored in db.blobs.files():
        report.files += 1
        seen.add(stored.relative)
        if stored.relative in referenced or stored.modified > cutoff:
            continue
        bucket = report.temporary_files if stored.temporary else report.orphan_files
        bucket.append(stored.relative)
        if repair:
            db.blobs.delete(stored.relative)
            report.removed += 1
    report.missing_files = sorted(referenced - seen)
    return report
