"""MediaEval "verifying multimedia use" layout: ``posts.tsv``, ``images.tsv``, ``images/``.

A tweet becomes a post with its first picture that exists on disk (tweets whose pictures are
all missing are skipped). ``extra`` keeps the event (the topic label), the fake/real
annotation and the picture's original URL, whose host tells where the picture came from.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse

from postlens.errors import MalformedRecord
from postlens.ingest.records import PostRecord, PostsOnly
from postlens.ingest.textfiles import csv_rows
from postlens.vision.images import IMAGE_SUFFIXES

POST_COLUMNS = ["post_id", "post_text", "user_id", "image_id(s)", "username", "timestamp",
                "label"]


class TweetsSource(PostsOnly):
    name = "twitter"
    platform = "twitter"

    def __init__(self, root: Path) -> None:
        self.root = root
        if not (root / "posts.tsv").exists():
            raise MalformedRecord("no posts.tsv in this folder", source=str(root))
        images_dir = root / "images"
        self.files = {p.stem: p for p in sorted(images_dir.iterdir())
                      if p.suffix.lower() in IMAGE_SUFFIXES} if images_dir.is_dir() else {}
        self.images = self._read_images(root / "images.tsv")

    def _read_images(self, path: Path) -> dict[str, dict[str, str]]:
        if not path.exists():
            return {}
        rows = csv_rows(path, delimiter="\t", quoting=csv.QUOTE_NONE,
                        required=frozenset({"image_id"}), short_rows=True)
        return {row["image_id"]: row for _, row in rows}

    def posts(self) -> Iterator[PostRecord]:
        path = self.root / "posts.tsv"
        rows = csv_rows(path, delimiter="\t", quoting=csv.QUOTE_NONE,
                        required=frozenset({"post_id"}), columns=frozenset(POST_COLUMNS))
        for where, row in rows:
            record = self._record(row, where)
            if record is not None:
                yield record

    def _record(self, row: dict[str, str], where: str) -> PostRecord | None:
        image_ids = [i.strip() for i in row["image_id(s)"].split(",") if i.strip()]
        image_id = next((i for i in image_ids if i in self.files), None)
        if image_id is None:
            return None
        try:
            # Some rows of the real data have spaces around the colons ("23: 59: 22").
            stamp = re.sub(r"\s*:\s*", ":", row["timestamp"].strip())
            posted_at = datetime.strptime(stamp, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            raise MalformedRecord(f"bad timestamp {row['timestamp']!r}", source=where) from None
        meta = self.images.get(image_id, {})
        url = meta.get("image_url", "")
        return PostRecord(
            external_id=row["post_id"], author=row["user_id"], author_name=row["username"],
            picture=self.files[image_id], caption=row["post_text"], posted_at=posted_at,
            extra={"event": meta.get("event") or image_id.split("_")[0], "label": row["label"],
                   "image_id": image_id, "image_url": url,
                   "image_host": urlparse(url).hostname or ""})
