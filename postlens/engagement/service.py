"""Likes prediction for creators: train from a folder or the store, predict for pictures
about to be posted (ranked, "which of these should I post?"), with the account's history."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.picture import AnalysisFailure, PictureAnalysis, PictureInput
from postlens.config import Settings
from postlens.engagement.data import (
    LIKES_TASKS,
    caption_vectors,
    history_key,
    inputs_from_records,
    inputs_from_store,
    picture_input,
)
from postlens.engagement.features import LikesInput
from postlens.engagement.model import AccountLevel, LikesModel
from postlens.errors import InvalidInput, NotFittedError
from postlens.store.db import Database
from postlens.text.minilm import MiniLMEncoder

DEFAULT_MODEL = "likes"


class LikesService:
    def __init__(self, settings: Settings, db: Callable[[], Database],
                 analyzer: Callable[[Sequence[str]], Analyzer],
                 encoder: Callable[[], MiniLMEncoder]) -> None:
        self.settings = settings
        self._db, self._analyzer, self._encoder = db, analyzer, encoder
        self._models: dict[str, tuple[float, LikesModel]] = {}
        self._lock = threading.Lock()
        self._built: Analyzer | None = None
        self._levels: dict[tuple[Any, ...], AccountLevel] = {}

    @property
    def analyzer(self) -> Analyzer:
        """The tasks the likes model reads, built once (the models are shared)."""
        if self._built is None:
            self._built = self._analyzer(LIKES_TASKS)
        return self._built

    def model_path(self, name: str = DEFAULT_MODEL) -> Path:
        if not name.replace("-", "").replace("_", "").isalnum():
            raise InvalidInput(f"bad likes model name {name!r} (letters, digits, - and _)")
        return self.settings.model_dir / "likes" / f"{name}.npz"

    # -- training -------------------------------------------------------------------------
    def training_posts(self, source: Path | None = None, format_name: str | None = None,
                       account: str | None = None) -> list[LikesInput]:
        """A folder's posts with likes (analysed, not stored) or the store's."""
        if source is None:
            return inputs_from_store(self._db(), self._encoder(), self.settings.image_limits,
                                     account)
        from postlens.ingest import open_source

        fmt = format_name or ("likes-folder" if (source / "y_likes_data.txt").exists()
                              else "instaloader")
        opened = open_source(fmt, source)
        items = inputs_from_records(opened.posts(), self.analyzer,
                                    self._encoder(), opened.name)
        return [i for i in items if account is None or i.account.endswith(f":{account}")
                or i.account == account]

    def train(self, items: list[LikesInput], name: str = DEFAULT_MODEL,
              report_dir: Path | None = None) -> dict[str, Any]:
        model = LikesModel(coverage=self.settings.likes_coverage).fit(items)
        path = self.model_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        model.save(path)
        with self._lock:
            self._models.pop(name, None)
        summary: dict[str, Any] = {
            "model": name, "path": str(path), "posts": len(items),
            "accounts": len(model.accounts_), "new_accounts": model.cold_ is not None,
            "interval": {"coverage": model.coverage, "history": model.warm_quantiles_,
                         "new_account": model.cold_quantiles_}}
        if report_dir is not None:
            from postlens.engagement.report import write_report

            summary["report"] = write_report(items, report_dir, self.settings.likes_coverage)
        return summary

    # -- predicting -----------------------------------------------------------------------
    def model(self, name: str = DEFAULT_MODEL) -> LikesModel:
        path = self.model_path(name)
        if not path.exists():
            raise NotFittedError(f"no likes model {name!r}; train one with "
                                 "`postlens likes train SOURCE`")
        stamp = path.stat().st_mtime
        with self._lock:
            cached = self._models.get(name)
            if cached is None or cached[0] != stamp:
                cached = (stamp, LikesModel.load(path))
                self._models[name] = cached
        return cached[1]

    def history(self, model: LikesModel, account: str | None, *, public_only: bool = False,
                leave_out: str | None = None) -> tuple[str | None, AccountLevel | None]:
        """The account's level: its stored posts with likes, else what the model saw."""
        if not account:
            return None, None
        # the level is read again only when the account's posts with likes changed
        key = (id(model), account, public_only, leave_out,
               history_key(self._db(), account, public_only))
        if key[-1][0] and key in self._levels:
            return account, self._levels[key]
        stored = [i for i in inputs_from_store(self._db(), self._encoder(),
                                               self.settings.image_limits, account,
                                               public_only=public_only)
                  if i.name != leave_out] if key[-1][0] else []
        if stored:
            with self._lock:
                self._levels[key] = model.history(stored)
            return account, self._levels[key]
        if account in model.accounts_:
            return account, model.accounts_[account]
        matches = [a for a in model.accounts_ if a.split(":", 1)[-1] == account]
        if len(matches) == 1:
            return matches[0], model.accounts_[matches[0]]
        return account, None

    def predict(self, pictures: Sequence[PictureInput], *, account: str | None = None,
                caption: str | None = None, posted_at: datetime | None = None,
                followers: int | None = None, name: str = DEFAULT_MODEL,
                public_only: bool = False) -> list[dict[str, Any]]:
        """Predictions for candidate pictures, best first, each with its rank."""
        model = self.model(name)
        pictures = list(pictures)
        # The caption is embedded while the pictures are analysed (ONNX Runtime releases the
        # GIL, so the two models share the cores).
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="caption") as pool:
            text = pool.submit(caption_vectors, self._encoder(), [caption])
            if len(pictures) == 1:  # one picture: decoded here, no decode pool to start
                analyses = [self.analyzer.analyze_one(*pictures[0])]
            else:
                analyses = []
                for result in self.analyzer.analyze_many(pictures):
                    if isinstance(result, AnalysisFailure):
                        raise result.error
                    analyses.append(result)
            text_vector = text.result()[0]
        answers = self.predict_analyses(model, analyses, account=account, caption=caption,
                                        posted_at=posted_at, followers=followers,
                                        public_only=public_only, text_vector=text_vector)
        ranked = sorted(answers, key=lambda a: -a["log_likes"])
        return [{**answer, "rank": rank} for rank, answer in enumerate(ranked, start=1)]

    def predict_analyses(self, model: LikesModel, analyses: Sequence[PictureAnalysis], *,
                         account: str | None, caption: str | None,
                         posted_at: datetime | None = None, followers: int | None = None,
                         public_only: bool = False, text_vector: np.ndarray | None = None
                         ) -> list[dict[str, Any]]:
        resolved, level = self.history(model, account, public_only=public_only)
        if followers is not None and (followers < 0 or followers > 10**12):
            raise InvalidInput(f"followers must be between 0 and 10^12, got {followers}")
        text = (caption_vectors(self._encoder(), [caption])[0] if text_vector is None
                else text_vector)
        when = posted_at or datetime.now(UTC)
        items = [picture_input(a, text, account=resolved or "", caption=caption,
                               posted_at=when, followers=followers) for a in analyses]
        predictions = model.predict(items, level)
        return [{"path": a.source, "account": resolved, **p}
                for a, p in zip(analyses, predictions, strict=True)]

    def for_upload(self, analysis: PictureAnalysis, account: str, caption: str | None,
                   text_vector: np.ndarray | None = None) -> dict[str, Any] | None:
        """The upload answer's "predicted likes" line (``text_vector``: the caption's
        embedding when the caller has it); None while no model is trained."""
        try:
            model = self.model()
        except NotFittedError:
            return None
        return self.predict_analyses(model, [analysis], account=account, caption=caption,
                                     text_vector=text_vector)[0]

    def for_post(self, post_id: int, account: str) -> dict[str, Any] | None:
        """A stored post's predicted likes as if not yet posted (its own likes left out of
        the account's history); None while no model is trained."""
        try:
            model = self.model()
        except NotFittedError:
            return None
        found = inputs_from_store(self._db(), self._encoder(), self.settings.image_limits,
                                  post_ids=[post_id])
        if not found:
            return None
        item = found[0]
        item.likes, item.age_days = None, None
        resolved, level = self.history(model, account, leave_out=item.name)
        item.account = resolved or ""
        return {"path": item.name, "account": resolved, **model.predict([item], level)[0]}
