"""Real pictures whose source platform is known, from the shared datasets.

* ``instagram-accounts``: every picture is an Instagram download (grouped by account).
* ``tweets-with-images``: the host of each picture's ``image_url`` tells where it was taken
  from: ``pbs.twimg.com`` is Twitter, Instagram's CDN hosts are Instagram, and every other
  host (news sites, Imgur, Pinterest, blogs) is a site that is none of the platforms, labelled
  ``unknown`` (grouped by news event).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}


@dataclass(frozen=True)
class LabelledPicture:
    path: Path
    label: str
    group: str  # pictures of one account or one event never straddle train and test
    source: str  # the dataset, or the host it came from


def host_label(url: str) -> str | None:
    """The platform a picture URL's host belongs to (None: no usable URL)."""
    host = (urlparse(url.strip()).hostname or "").lower()
    if not host:
        return None
    if host.endswith("twimg.com"):
        return "twitter"
    if "instagram" in host or host.startswith("igcdn") or host.endswith("cdninstagram.com"):
        return "instagram"
    if host.endswith("fbcdn.net"):
        return "facebook"
    if host.endswith("staticflickr.com"):
        return "flickr"
    return "unknown"


def instagram_accounts(root: Path) -> Iterator[LabelledPicture]:
    for path in sorted((root / "posts").glob("*/*")):
        if path.suffix.lower() in PICTURE_SUFFIXES:
            yield LabelledPicture(path, "instagram", f"instagram:{path.parent.name}",
                                  "instagram-accounts")


def tweets_with_images(root: Path) -> Iterator[LabelledPicture]:
    files = {p.stem: p for p in (root / "images").iterdir()
             if p.suffix.lower() in PICTURE_SUFFIXES}
    with open(root / "images.tsv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            path = files.get((row.get("image_id") or "").strip())
            label = host_label(row.get("image_url") or "")
            if path is None or label is None:
                continue
            host = urlparse(row["image_url"].strip()).hostname or ""
            yield LabelledPicture(path, label, f"event:{row.get('event') or 'none'}", host)


def real_pictures(data_dir: Path) -> list[LabelledPicture]:
    """Every labelled real picture under ``data_dir`` (the shared data folder)."""
    found: list[LabelledPicture] = []
    if (data_dir / "instagram-accounts" / "posts").is_dir():
        found += instagram_accounts(data_dir / "instagram-accounts")
    if (data_dir / "tweets-with-images" / "images.tsv").is_file():
        found += tweets_with_images(data_dir / "tweets-with-images")
    return found
