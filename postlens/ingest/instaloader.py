"""Instaloader's own layout: ``<account>/<YYYY-MM-DD_HH-MM-SS>_UTC.jpg`` + ``.json.xz`` + ``.txt``.

Likes, comments, time and the owner come from the GraphQL node in the ``.json.xz`` file; the
caption from the node, or from the ``.txt`` file when the node has none. An optional
``accounts.csv`` beside ``posts/`` (Username, Profession/Activity, ...) adds user attributes.
"""

from __future__ import annotations

import json
import lzma
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from postlens.errors import MalformedRecord
from postlens.ingest.records import PostRecord, PostsOnly, from_timestamp, parse_count
from postlens.ingest.textfiles import csv_rows, text_value

_STEM = re.compile(r"^(\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2})_UTC(?:_(\d+))?$")


class InstaloaderSource(PostsOnly):
    name = "instagram"
    platform = "instagram"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.posts_dir = root / "posts" if (root / "posts").is_dir() else root
        if not self.posts_dir.is_dir():
            raise MalformedRecord("not a folder", source=str(root))
        self.accounts = self._read_accounts(root / "accounts.csv")

    def posts(self) -> Iterator[PostRecord]:
        for account_dir in sorted(p for p in self.posts_dir.iterdir() if p.is_dir()):
            for picture in sorted(account_dir.glob("*_UTC*.jpg")):
                match = _STEM.match(picture.stem)
                if match is None or (match.group(2) not in (None, "1")):
                    continue  # only the first picture of a carousel
                yield self._record(account_dir.name, picture, match.group(1))

    def _record(self, account: str, picture: Path, stamp: str) -> PostRecord:
        base = picture.parent / f"{stamp}_UTC"
        node = self._node(base.with_suffix(".json.xz"))
        caption_file = base.with_suffix(".txt")
        caption = _caption(node)
        if caption is None and caption_file.exists():
            caption = caption_file.read_text(encoding="utf-8", errors="replace")
        where = str(base.with_suffix(".json.xz"))
        owner = _object(node, "owner", where)
        posted_at = (from_timestamp(node["taken_at_timestamp"], source=str(base))
                     if "taken_at_timestamp" in node
                     else datetime.strptime(stamp, "%Y-%m-%d_%H-%M-%S").replace(tzinfo=UTC))
        attributes: dict[str, Any] = dict(self.accounts.get(account.lower(), {}))
        followers = _count(owner, "edge_followed_by", where)
        if followers is not None:
            attributes["followers"] = followers
        shortcode = text_value(node, "shortcode", where)
        full_name = text_value(owner, "full_name", where)
        return PostRecord(
            external_id=shortcode or f"{account}/{stamp}",
            author=account, author_name=full_name or account, picture=picture,
            caption=caption, posted_at=posted_at,
            likes=_count(node, "edge_media_preview_like", where),
            comments=_count(node, "edge_media_to_comment", where),
            extra={"account": account, "followers": followers,
                   "accessibility_caption": text_value(node, "accessibility_caption", where)},
            author_attributes=attributes)

    @staticmethod
    def _node(path: Path) -> dict[str, Any]:
        if not path.exists():
            return {}
        try:
            document = json.loads(lzma.decompress(path.read_bytes()))
        except (lzma.LZMAError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise MalformedRecord(f"unreadable Instaloader metadata: {exc}",
                                  source=str(path)) from exc
        node = document.get("node") if isinstance(document, dict) else None
        if not isinstance(node, dict):
            raise MalformedRecord("no 'node' object in Instaloader metadata", source=str(path))
        return node

    @staticmethod
    def _read_accounts(path: Path) -> dict[str, dict[str, str]]:
        if not path.exists():
            return {}
        accounts = {}
        for _, row in csv_rows(path):
            clean = {" ".join(k.split()): (v or "").strip() for k, v in row.items() if k}
            username = clean.get("Username", "").lstrip("@").lower()
            if username:
                accounts[username] = {
                    "profession": clean.get("Profession/Activity", ""),
                    "country": clean.get("Country/Continent", "")}
        return accounts


def _object(node: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = node.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise MalformedRecord(f"{key!r} must be an object", source=where)
    return value


def _count(node: dict[str, Any], key: str, where: str) -> int | None:
    """GraphQL's {"count": n} objects, checked: a count that is not a whole number names
    the file instead of reaching the database."""
    return parse_count(_object(node, key, where).get("count"), field_name=f"{key}.count",
                       source=where)


def _caption(node: dict[str, Any]) -> str | None:
    edges = (node.get("edge_media_to_caption") or {}).get("edges") or []
    if edges and isinstance(edges[0], dict):
        text = (edges[0].get("node") or {}).get("text")
        return text if isinstance(text, str) else None
    return None
