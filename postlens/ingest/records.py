"""What importers produce: plain records, independent of the database and of the file format."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from postlens.analysis.picture import PictureAnalysis
from postlens.errors import MalformedRecord
from postlens.store.db import MAX_ID


@dataclass
class PostRecord:
    external_id: str
    author: str | None = None  # the author's id inside the source
    author_name: str | None = None
    picture: Path | bytes | None = None
    caption: str | None = None
    posted_at: datetime | None = None
    platform: str | None = None
    likes: int | None = None
    comments: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    author_attributes: dict[str, Any] = field(default_factory=dict)
    author_id: int | None = None  # an existing database user (uploads), instead of ``author``
    analysis: PictureAnalysis | None = None  # already computed for ``picture`` (uploads)
    visibility: str = "public"  # uploads start private


@dataclass
class InteractionRecord:
    user: str
    post: str  # the post's external id inside the same source
    kind: str
    occurred_at: datetime
    value: float | None = None
    weight: float | None = None


@dataclass
class FollowRecord:
    follower: str
    followee: str


class Source(Protocol):
    """One importable data set. ``name`` scopes its external ids in the database."""

    name: str
    platform: str | None

    def posts(self) -> Iterator[PostRecord]: ...

    def interactions(self) -> Iterator[InteractionRecord]: ...

    def follows(self) -> Iterator[FollowRecord]: ...


class PostsOnly:
    """Base for sources that hold posts but no interactions or follows."""

    def interactions(self) -> Iterator[InteractionRecord]:
        return iter(())

    def follows(self) -> Iterator[FollowRecord]:
        return iter(())


def from_timestamp(value: str | float | int, *, source: str) -> datetime:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise MalformedRecord(f"bad timestamp {value!r}", source=source) from None


def parse_datetime(value: str, *, source: str) -> datetime:
    """ISO 8601 text or a Unix timestamp; naive values are taken as UTC."""
    text = value.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return from_timestamp(text, source=source)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedRecord(f"bad date {value!r} (want ISO 8601 or a Unix timestamp)",
                              source=source) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_count(value: object, *, field_name: str, source: str) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MalformedRecord(f"{field_name} must be a whole number, got {value!r}",
                              source=source)
    try:
        number = int(float(str(value).replace(",", "")))
    except (ValueError, OverflowError):  # "many", "nan", "inf"
        raise MalformedRecord(f"{field_name} must be a whole number, got {value!r}",
                              source=source) from None
    if number < 0:
        raise MalformedRecord(f"{field_name} must not be negative, got {number}", source=source)
    if number > MAX_ID:
        raise MalformedRecord(f"{field_name} is too large ({number})", source=source)
    return number
