"""A user's upload: analysed, then stored through the same pipeline as every import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.picture import PictureAnalysis
from postlens.ingest.pipeline import Ingestor
from postlens.ingest.records import PostRecord, PostsOnly
from postlens.store.db import Database
from postlens.store.schema import User

UPLOAD_SOURCE = "upload"


@dataclass
class _Uploads(PostsOnly):
    name: str = UPLOAD_SOURCE
    platform: str | None = None

    def posts(self) -> Iterator[PostRecord]:
        return iter(())


@dataclass
class StoredUpload:
    post_id: int
    analysis: PictureAnalysis  # what the picture store now holds for it


def store_upload(db: Database, analyzer: Analyzer, user: User, data: bytes,
                 caption: str | None = None, filename: str | None = None) -> StoredUpload:
    """Analyse and store a picture as the user's post, private until they publish it; the
    same picture twice is one post."""
    # Analysed before the transaction: a bad file raises its typed error before anything is
    # written, and no database lock is held during inference.
    name = (filename or "upload")[:200]
    analysis = analyzer.analyze_one(name, data)
    record = PostRecord(external_id=f"{user.id}:{analysis.sha256}", author_id=user.id,
                        picture=data, caption=caption, extra={"filename": name},
                        analysis=analysis, visibility="private")
    post_id = Ingestor(db, analyzer).store_analysed(_Uploads(), record, analysis)
    return StoredUpload(post_id, analysis)
