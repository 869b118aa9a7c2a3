"""Keeping a store tidy: the doctor's consistency check and the log retention."""

from __future__ import annotations

import logging
import threading
from typing import Any

from postlens.config import Settings
from postlens.recommend.feedback import prune_recommendation_log
from postlens.store.db import Database
from postlens.store.doctor import check as check_store

log = logging.getLogger(__name__)


class Maintenance:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self._stop = threading.Event()

    def doctor(self, *, repair: bool = False) -> dict[str, Any]:
        """Check (and repair) the store: orphan or temporary picture files, missing files,
        recommendation logs past their retention."""
        report = check_store(self.db, repair=repair).to_dict()
        if repair:
            report["log_rows_pruned"] = self.prune_logs()
        return report

    def prune_logs(self) -> int:
        days = self.settings.log_retention_days
        if not days:
            return 0
        with self.db.transaction() as session:
            return prune_recommendation_log(session, days)

    def start(self, every_seconds: float = 3600.0) -> None:
        """For a server: prune the logs every so often, on a daemon thread."""
        def run() -> None:
            while not self._stop.wait(every_seconds):
                try:
                    self.prune_logs()
                except Exception:  # keep the server up; the next round tries again
                    log.exception("pruning the recommendation log failed")

        threading.Thread(target=run, name="maintenance", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
