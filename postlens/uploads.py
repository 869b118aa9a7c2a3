"""A user's upload: analysed and stored through the same ingest pipeline as every import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import select

from postlens.analysis import Analyzer
from postlens.errors import PostlensError
from postlens.ingest.pipeline import Ingestor
from postlens.ingest.records import FollowRecord, InteractionRecord, PostRecord
from postlens.store.db import Database
from postlens.store.schema import Analysis, Picture, Post, User

UPLOAD_SOURCE = "upload"


@dataclass
class _OneUpload:
    record: PostRecord
    name: str = UPLOAD_SOURCE
    platform: str | None = None

    def posts(self) -> Iterator[PostRecord]:
        yield self.record

    def interactions(self) -> Iterator[InteractionRecord]:
        return iter(())

    def follows(self) -> Iterator[FollowRecord]:
        return iter(())


@dataclass
class StoredUpload:
    post_id: int
    sha256: str
    width: int
    height: int
    format: str
    labels: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    embedding: np.ndarray
    model: str


def store_upload(db: Database, analyzer: Analyzer, user: User, data: bytes,
                 caption: str | None = None, filename: str | None = None) -> StoredUpload:
    """Analyse and store a picture as the user's post; the same picture twice is one post."""
    # Analysed up front: a bad file raises its typed error before anything is written.
    result = analyzer.analyze_one((filename or "upload")[:200], data)
    external_id = f"{user.id}:{result.sha256}"
    record = PostRecord(external_id=external_id, author_id=user.id, picture=data,
                        caption=caption, extra={"filename": (filename or "")[:200]},
                        analysis=result)
    source = _OneUpload(record)
    report = Ingestor(db, analyzer).ingest(source)
    if report.errors:
        raise PostlensError(report.errors[0]["error"])
    with db.reader() as session:
        row = session.execute(
            select(Post, Picture, Analysis)
            .join(Picture, Picture.id == Post.picture_id)
            .join(Analysis, Analysis.picture_id == Picture.id)
            .where(Post.source == source.name, Post.external_id == external_id)).first()
        if row is None:
            raise PostlensError("the picture was stored without an analysis")
        post, picture, analysis = row
        return StoredUpload(post.id, picture.sha256, picture.width, picture.height,
                            picture.format, analysis.labels, analysis.categories,
                            np.frombuffer(analysis.embedding, dtype="<f4").copy(),
                            f"{analysis.model}/{analysis.model_version}")
