"""Instaloader's own layout: ``<account>/<YYYY-MM-DD_HH-MM-SS>_UTC.jpg`` + ``.json.xz`` + ``.txt``.

Likes, comments, time and the owner come from the GraphQL node in the ``.json.xz`` file; the
caption from the node, or from the ``.txt`` file when the node has none. An optional
``accounts.csv`` beside ``posts/`` (Username, Profession/Activity, ...) adds user attributes.
"""

from __future__ import annotations

import csv
import json
import lzma
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from postlens.errors import MalformedRecord
from postlens.ingest.records import PostRecord, PostsOnly, from_timestamp

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
        owner = node.get("owner") or {}
        posted_at = (from_timestamp(node["taken_at_timestamp"], source=str(base))
                     if "taken_at_timestamp" in node
                     else datetime.strptime(stamp, "%Y-%m-%d_%H-%M-%S").replace(tzinfo=UTC))
        attributes = dict(self.accounts.get(account.lower(), {}))
        followers = (owner.get("edge_followed_by") or {}).get("count")
        if followers is not None:
            attributes["followers"] = followers
        return PostRecord(
            external_id=node.get("shortcode") or f"{account}/{stamp}",
            author=account, author_name=owner.get("full_name") or account, picture=picture,
            caption=caption, posted_at=posted_at,
            likes=(node.get("edge_media_preview_like") or {}).get("count"),
            comments=(node.get("edge_media_to_comment") or {}).get("count"),
            extra={"account": account, "followers": followers,
                   "accessibility_caption": node.get("accessibility_caption")},
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
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                clean = {" ".join(k.split()): (v or "").strip() for k, v in row.items() if k}
                username = clean.get("Username", "").lstrip("@").lower()
                if username:
                    accounts[username] = {
                        "profession": clean.get("Profession/Activity", ""),
                        "country": clean.get("Country/Continent", "")}
        return accounts


def _caption(node: dict[str, Any]) -> str | None:
    edges = (node.get("edge_media_to_caption") or {}).get("edges") or []
    if edges and isinstance(edges[0], dict):
        text = (edges[0].get("node") or {}).get("text")
        return text if isinstance(text, str) else None
    return None
