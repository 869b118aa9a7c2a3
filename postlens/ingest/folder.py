"""Seed 001's layout: pictures ``1.jpg .. n.jpg`` and ``y_likes_data.txt`` with their likes.

The likes file has one line per picture, either ``i: likes`` or just ``likes`` in order.
All pictures belong to one account, named after the folder unless given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from postlens.errors import MalformedRecord
from postlens.ingest.records import PostRecord, PostsOnly, parse_count

LIKES_FILE = "y_likes_data.txt"
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png")
_LINE = re.compile(r"^\s*(?:(\d+)\s*[:=,\s]\s*)?\[?\s*([\d,]+)\s*\]?\s*$")


class LikesFolderSource(PostsOnly):
    name = "likes-folder"
    platform = "instagram"

    def __init__(self, root: Path, account: str | None = None) -> None:
        self.root = root
        self.account = account or root.resolve().name
        self.likes_path = root / LIKES_FILE
        if not self.likes_path.exists():
            raise MalformedRecord(f"no {LIKES_FILE} in this folder", source=str(root))
        self.lines: dict[int, int] = {}
        self.likes = read_likes(self.likes_path, self.lines)
        numbered = sorted(int(p.stem) for p in root.iterdir()
                          if p.stem.isdigit() and p.suffix.lower() in PICTURE_SUFFIXES)
        unlisted = [n for n in numbered if n not in self.likes]
        if unlisted:
            raise MalformedRecord(
                f"{len(self.likes)} likes lines for {len(numbered)} numbered pictures: "
                f"{', '.join(f'{n}.jpg' for n in unlisted[:5])} "
                f"{'has' if len(unlisted) == 1 else 'have'} no line", source=str(self.likes_path))

    def posts(self) -> Iterator[PostRecord]:
        for number, likes in sorted(self.likes.items()):
            picture = next((p for ext in PICTURE_SUFFIXES
                            if (p := self.root / f"{number}{ext}").exists()), None)
            if picture is None:
                raise MalformedRecord(f"picture {number} is listed but there is no "
                                      f"{number}.jpg in {self.root}",
                                      source=f"{self.likes_path}:{self.lines[number]}")
            yield PostRecord(external_id=f"{self.account}/{number}", author=self.account,
                             author_name=self.account, picture=picture, likes=likes,
                             extra={"index": number})


def read_likes(path: Path, line_of: dict[int, int] | None = None) -> dict[int, int]:
    """Parse the likes file into {picture number: likes}; ``line_of`` gets each number's line."""
    likes: dict[int, int] = {}
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{line_number}"
        match = _LINE.match(line)
        if match is None:
            raise MalformedRecord(f"expected 'n: likes' or a number, got {line.strip()!r}",
                                  source=where)
        number = int(match.group(1)) if match.group(1) else len(likes) + 1
        if number in likes:
            raise MalformedRecord(f"picture {number} is listed twice", source=where)
        count = parse_count(match.group(2), field_name="likes", source=where)
        likes[number] = count or 0
        if line_of is not None:
            line_of[number] = line_number
    return likes
