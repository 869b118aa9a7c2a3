"""A generic manifest, CSV or JSON Lines: one post per row.

Columns / keys: ``path`` (required; relative to the manifest), ``caption``, ``user``,
``likes``, ``comments``, ``timestamp`` (ISO 8601 or Unix), ``platform`` and ``id`` (default:
the path). Errors name the file and the line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from postlens.errors import MalformedRecord
from postlens.ingest.records import (
    PostRecord,
    PostsOnly,
    parse_count,
    parse_datetime,
)
from postlens.ingest.textfiles import csv_rows, jsonl_rows, text_value

KNOWN_FIELDS = {"path", "uri", "caption", "user", "likes", "comments", "timestamp", "platform",
                "id"}


class ManifestSource(PostsOnly):
    name = "manifest"
    platform: str | None = None

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise MalformedRecord("manifest file not found", source=str(path))
        self.path = path
        self.base = path.parent

    def posts(self) -> Iterator[PostRecord]:
        for where, row in self._rows():
            yield self._record(row, where)

    def _rows(self) -> Iterator[tuple[str, dict[str, Any]]]:
        if self.path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            return jsonl_rows(self.path)
        return csv_rows(self.path, required=frozenset({"path"}))

    def _record(self, row: dict[str, Any], where: str) -> PostRecord:
        path_text = text_value(row, "path", where)
        if not path_text:
            raise MalformedRecord("missing 'path'", source=where)
        picture = (self.base / path_text).resolve()
        if not picture.is_file():
            raise MalformedRecord(f"picture {path_text!r} not found", source=where)
        return post_record(row, where, picture, path_text)


def post_record(row: dict[str, Any], where: str, picture: Path | bytes, path_text: str
                ) -> PostRecord:
    """A manifest row as a post (shared with ``postlens batch load``); ``where`` names the
    file and line in errors."""
    timestamp = text_value(row, "timestamp", where)
    user = text_value(row, "user", where)
    platform = text_value(row, "platform", where)
    extra = {k: v for k, v in row.items() if k not in KNOWN_FIELDS and v not in (None, "")}
    return PostRecord(
        external_id=text_value(row, "id", where) or path_text, author=user,
        author_name=user, picture=picture, caption=text_value(row, "caption", where),
        posted_at=parse_datetime(timestamp, source=where) if timestamp else None,
        platform=platform.lower() if platform else None,
        likes=parse_count(row.get("likes"), field_name="likes", source=where),
        comments=parse_count(row.get("comments"), field_name="comments", source=where),
        extra=extra)
