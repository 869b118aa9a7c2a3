"""Write a :class:`Source` into the database: idempotent, transactional and resumable.

* Idempotent: posts are keyed by (source, external id), pictures by sha256, analyses by
  (picture, model, version), interactions by (user, post, kind, time), so importing the same
  data twice adds nothing.
* Transactional: by default the whole import is one transaction; any error rolls it all back.
* Resumable: with ``commit_every=N`` each N posts are committed together, and a rerun skips
  the posts already stored without decoding their pictures again.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from hashlib import sha256
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.picture import AnalysisFailure, AnalysisResult, PictureAnalysis
from postlens.analysis.registry import STORED_TASKS
from postlens.errors import InvalidInput
from postlens.ingest.records import PostRecord, Source
from postlens.store.db import Database, insert_ignoring_duplicates
from postlens.store.doctor import discard_files
from postlens.store.schema import (
    DEFAULT_WEIGHTS,
    INTERACTION_KINDS,
    Follow,
    Interaction,
    InterestProfile,
    Picture,
    Post,
    TextEmbedding,
    User,
)
from postlens.store.schema import Analysis as AnalysisRow
from postlens.text.hashtags import hashtags


@dataclass
class IngestReport:
    source: str
    posts_added: int = 0
    posts_skipped: int = 0  # already in the database
    pictures_added: int = 0
    interactions_seen: int = 0
    follows_seen: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)
    analysis_seconds: float = 0.0  # decoding and inference
    storage_seconds: float = 0.0  # picture files and database rows

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def user_handle(source: str, external_id: str, key: str | None) -> str:
    """The stored user key: readable, or a keyed hash when pseudonymisation is on."""
    handle = f"{source}:{external_id}"
    if key is None:
        return handle
    return "h:" + hmac.new(key.encode(), handle.encode(), sha256).hexdigest()[:40]


class Ingestor:
    """Imports sources into one database with one analyzer."""

    def __init__(self, db: Database, analyzer: Analyzer, *, pseudonymise_key: str | None = None,
                 on_post: Callable[[], None] | None = None) -> None:
        missing = set(STORED_TASKS) - set(analyzer.task_names)
        if missing:
            raise InvalidInput(f"ingest needs the analysis tasks {', '.join(sorted(missing))}")
        self.db = db
        self.analyzer = analyzer
        self.key = pseudonymise_key
        self.on_post = on_post or (lambda: None)

    def ingest(self, source: Source, *, commit_every: int | None = None) -> IngestReport:
        report = IngestReport(source.name)
        posts = source.posts()
        if commit_every:
            while chunk := list(islice(posts, commit_every)):
                with self._transaction() as session:
                    self._write_posts(session, source, chunk, report)
            with self._transaction() as session:
                self._write_relations(session, source, report)
        else:
            with self._transaction() as session:
                self._write_posts(session, source, posts, report)
                self._write_relations(session, source, report)
        return report

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """A transaction whose picture files go when it rolls back: no orphans on disk."""
        self._created: list[str] = []
        try:
            with self.db.transaction() as session:
                yield session
        except BaseException:
            discard_files(self.db, self._created)
            raise

    # -- posts and pictures -------------------------------------------------------------
    def _write_posts(self, session: Session, source: Source, records: Iterable[PostRecord],
                     report: IngestReport) -> None:
        records = list(records)
        existing = self._existing(session, source.name, [r.external_id for r in records])
        fresh: list[PostRecord] = []
        for record in records:
            if record.external_id in existing:
                report.posts_skipped += 1
                self.on_post()
            else:
                existing.add(record.external_id)
                fresh.append(record)
        with_pictures = [r for r in fresh if r.picture is not None]
        start = time.perf_counter()
        results = []
        for result in self._analyse(with_pictures):
            results.append(result)
            self.on_post()
        stored = time.perf_counter()
        report.analysis_seconds += stored - start
        for record in fresh:
            if record.picture is None:
                self._add_post(session, source, record, None)
                report.posts_added += 1
                self.on_post()
        for record, result in zip(with_pictures, results, strict=True):
            if isinstance(result, AnalysisFailure):
                report.errors.append(result.to_dict())
                continue
            picture, added = self._picture(session, result)
            report.pictures_added += added
            self._add_post(session, source, record, picture)
            report.posts_added += 1
        session.flush()
        report.storage_seconds += time.perf_counter() - stored

    @staticmethod
    def _existing(session: Session, source: str, external_ids: list[str]) -> set[str]:
        """Which of these posts are stored already (looked up in chunks, not all at once)."""
        found: set[str] = set()
        for start in range(0, len(external_ids), 500):
            chunk = external_ids[start:start + 500]
            found.update(session.scalars(select(Post.external_id).where(
                Post.source == source, Post.external_id.in_(chunk))))
        return found

    def store_analysed(self, source: Source, record: PostRecord, analysis: PictureAnalysis
                       ) -> int:
        """Store one already analysed post (an upload) in its own transaction; the id of the
        stored post. The same post stored before keeps its id and takes the new caption."""
        try:
            return self._store_analysed(source, record, analysis)
        except IntegrityError:
            # The same picture or post was committed by a concurrent request meanwhile:
            # this time it is found.
            return self._store_analysed(source, record, analysis)

    def _store_analysed(self, source: Source, record: PostRecord, analysis: PictureAnalysis
                        ) -> int:
        with self._transaction() as session:
            found = session.scalar(select(Post).where(Post.source == source.name,
                                                      Post.external_id == record.external_id))
            if found is not None:
                if record.caption is not None and record.caption != found.caption:
                    found.caption = record.caption
                    found.hashtags = hashtags(record.caption)
                    # What was derived from the old caption is recomputed on the next read.
                    session.execute(delete(TextEmbedding).where(
                        TextEmbedding.post_id == found.id))
                    session.execute(delete(InterestProfile).where(
                        InterestProfile.user_id == found.author_id))
                return found.id
            picture, _ = self._picture(session, analysis)
            return self._add_post(session, source, record, picture)

    def _analyse(self, records: list[PostRecord]) -> Iterator[AnalysisResult]:
        """One result per record, analysing each distinct picture file only once."""
        unique: dict[object, PostRecord] = {}
        ready: dict[object, PictureAnalysis] = {}
        for record in records:
            if record.analysis is not None:
                ready[_picture_key(record.picture)] = record.analysis
            else:
                unique.setdefault(_picture_key(record.picture), record)
        inputs = ((str(r.picture) if isinstance(r.picture, Path) else r.external_id, r.picture)
                  for r in unique.values() if r.picture is not None)
        results: dict[object, AnalysisResult] = dict(ready)
        results.update(zip(unique, self.analyzer.analyze_many(inputs), strict=True))
        return (results[_picture_key(record.picture)] for record in records)

    def _picture(self, session: Session, result: PictureAnalysis) -> tuple[Picture, int]:
        picture = session.scalar(select(Picture).where(Picture.sha256 == result.sha256))
        added = 0
        if picture is None:
            extension = {"JPEG": "jpg", "MPO": "jpg"}.get(result.format, result.format.lower())
            path, created = self.db.blobs.put(result.sha256, extension, result.data)
            if created:
                self._created.append(path)
            picture = Picture(sha256=result.sha256, format=result.format, width=result.width,
                              height=result.height, n_bytes=result.n_bytes, path=path)
            session.add(picture)
            session.flush()
            added = 1
        has_analysis = session.scalar(select(AnalysisRow.id).where(
            AnalysisRow.picture_id == picture.id, AnalysisRow.model == result.model,
            AnalysisRow.model_version == result.model_version))
        if has_analysis is None:
            session.add(analysis_row(picture.id, result))
        return picture, added

    def _add_post(self, session: Session, source: Source, record: PostRecord,
                  picture: Picture | None) -> int:
        author_id = record.author_id
        if author_id is None and record.author is not None:
            author_id = self._user(session, source, record.author, record.author_name,
                                   record.author_attributes)
        post = Post(
            source=source.name, external_id=record.external_id, author_id=author_id,
            picture_id=picture.id if picture else None, caption=record.caption,
            hashtags=hashtags(record.caption), posted_at=record.posted_at,
            platform=record.platform or source.platform, likes=record.likes,
            comments=record.comments, extra=record.extra, visibility=record.visibility)
        session.add(post)
        session.flush()
        return post.id

    def _user(self, session: Session, source: Source, external_id: str, name: str | None = None,
              attributes: dict[str, Any] | None = None) -> int:
        handle = user_handle(source.name, external_id, self.key)
        user = session.scalar(select(User).where(User.handle == handle))
        if user is None:
            user = User(handle=handle, display_name=None if self.key else name,
                        platform=source.platform, attributes=attributes or {})
            session.add(user)
            session.flush()
        elif attributes and user.attributes != {**user.attributes, **attributes}:
            user.attributes = {**user.attributes, **attributes}
        return user.id

    # -- interactions and follows -------------------------------------------------------
    def _write_relations(self, session: Session, source: Source, report: IngestReport) -> None:
        interactions = list(source.interactions())
        follow_records = list(source.follows())
        if not interactions and not follow_records:
            return  # e.g. an upload: no need to look at the source's other posts
        post_ids = dict(session.execute(
            select(Post.external_id, Post.id).where(Post.source == source.name)).all())
        users: dict[str, int] = {}

        def user_id(external: str) -> int:
            if external not in users:
                users[external] = self._user(session, source, external)
            return users[external]

        rows = []
        for item in interactions:
            post_id = post_ids.get(item.post)
            if post_id is None or item.kind not in INTERACTION_KINDS:
                continue
            weight = item.weight if item.weight is not None else DEFAULT_WEIGHTS[item.kind]
            rows.append({"user_id": user_id(item.user), "post_id": post_id, "kind": item.kind,
                         "weight": weight, "value": item.value, "occurred_at": item.occurred_at})
            report.interactions_seen += 1
        for start in range(0, len(rows), 5000):
            insert_ignoring_duplicates(session, Interaction.__table__,
                                       rows[start:start + 5000])
        follows = [{"follower_id": user_id(f.follower), "followee_id": user_id(f.followee)}
                   for f in follow_records if f.follower != f.followee]
        report.follows_seen = len(follows)
        insert_ignoring_duplicates(session, Follow.__table__, follows)


def _picture_key(picture: Path | bytes | None) -> object:
    if isinstance(picture, bytes):
        return sha256(picture).digest()
    return str(picture)


def analysis_row(picture_id: int, result: PictureAnalysis) -> AnalysisRow:
    extra = {name: value for name, value in result.public.items()
             if name not in STORED_TASKS}
    return AnalysisRow(picture_id=picture_id, model=result.model,
                       model_version=result.model_version,
                       embedding=result.embedding.astype("<f4").tobytes(),
                       dim=int(result.embedding.shape[0]), labels=result.labels,
                       categories=result.categories, results=extra)
