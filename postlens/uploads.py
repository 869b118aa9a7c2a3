"""A user's upload: analysed and stored through the same ingest pipeline as every import."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from postlens.analysis import Analysis, Analyzer
from postlens.ingest.pipeline import Ingestor
from postlens.ingest.records import PostRecord, PostsOnly
from postlens.store.db import Database
from postlens.store.schema import Post, User

UPLOAD_SOURCE = "upload"


@dataclass
class _OneUpload(PostsOnly):
    record: PostRecord
    name: str = UPLOAD_SOURCE
    platform: str | None = None

    def posts(self) -> Iterator[PostRecord]:
        yield self.record


@dataclass
class StoredUpload:
    post_id: int
    analysis: Analysis  # what the picture store now holds for it


def store_upload(db: Database, analyzer: Analyzer, user: User, data: bytes,
                 caption: str | None = None, filename: str | None = None) -> StoredUpload:
    """Analyse and store a picture as the user's post; the same picture twice is one post."""
    # Analysed up front: a bad file raises its typed error before anything is written, and
    # the pipeline stores this analysis instead of computing it again.
    analysis = analyzer.analyze_one((filename or "upload")[:200], data)
    external_id = f"{user.id}:{analysis.sha256}"
    record = PostRecord(external_id=external_id, author_id=user.id, picture=data,
                        caption=caption, extra={"filename": (filename or "")[:200]},
                        analysis=analysis)
    source = _OneUpload(record)
    Ingestor(db, analyzer).ingest(source)
    with db.reader() as session:
        post_id = session.scalar(select(Post.id).where(Post.source == source.name,
                                                       Post.external_id == external_id))
    assert post_id is not None  # the transaction above committed it, or raised
    return StoredUpload(post_id, analysis)
