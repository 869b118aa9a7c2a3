"""A generic manifest, CSV or JSON Lines: one post per row.

Columns / keys: ``path`` (required; relative to the manifest), ``caption``, ``user``,
``likes``, ``comments``, ``timestamp`` (ISO 8601 or Unix), ``platform`` and ``id`` (default:
the path). Errors name the file and the line.
"""

from __future__ import annotations

import csv
import json
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

KNOWN_FIELDS = {"path", "caption", "user", "likes", "comments", "timestamp", "platform", "id"}


class ManifestSource(PostsOnly):
    name = "manifest"
    platform: str | None = None

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise MalformedRecord("manifest file not found", source=str(path))
        self.path = path
        self.base = path.parent

    def posts(self) -> Iterator[PostRecord]:
        for line_number, row in self._rows():
            yield self._record(row, f"{self.path}:{line_number}")

    def _rows(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if self.path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
            with self.path.open(encoding="utf-8") as handle:
                for line_number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except json.JSONDecodeError as exc:
                        raise MalformedRecord(f"invalid JSON: {exc.msg}",
                                              source=f"{self.path}:{line_number}") from None
                    if not isinstance(row, dict):
                        raise MalformedRecord("each line must be a JSON object",
                                              source=f"{self.path}:{line_number}")
                    yield line_number, row
            return
        with self.path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or "path" not in reader.fieldnames:
                raise MalformedRecord("the CSV header must have a 'path' column",
                                      source=f"{self.path}:1")
            for row in reader:
                if None in row:  # more cells than header columns
                    raise MalformedRecord("more cells than the header has columns",
                                          source=f"{self.path}:{reader.line_num}")
                yield reader.line_num, row

    def _record(self, row: dict[str, Any], where: str) -> PostRecord:
        path_text = str(row.get("path") or "").strip()
        if not path_text:
            raise MalformedRecord("missing 'path'", source=where)
        picture = (self.base / path_text).resolve()
        if not picture.is_file():
            raise MalformedRecord(f"picture {path_text!r} not found", source=where)
        timestamp = str(row.get("timestamp") or "").strip()
        user = str(row.get("user") or "").strip() or None
        extra = {k: v for k, v in row.items() if k not in KNOWN_FIELDS and v not in (None, "")}
        return PostRecord(
            external_id=str(row.get("id") or path_text), author=user, author_name=user,
            picture=picture, caption=row.get("caption") or None,
            posted_at=parse_datetime(timestamp, source=where) if timestamp else None,
            platform=str(row.get("platform") or "").strip().lower() or None,
            likes=parse_count(row.get("likes"), field_name="likes", source=where),
            comments=parse_count(row.get("comments"), field_name="comments", source=where),
            extra=extra)
