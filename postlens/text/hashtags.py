"""Hashtags as they appear in captions: ``#word`` not preceded by a word character or '&'."""

from __future__ import annotations

import re

HASHTAG_PATTERN = re.compile(r"(?<![\w&])#(\w{1,100})", re.UNICODE)


def hashtags(caption: str | None) -> list[str]:
    """Hashtags in order of first appearance, lower-cased, without the '#'."""
    seen: dict[str, None] = {}
    for tag in HASHTAG_PATTERN.findall(caption or ""):
        seen.setdefault(tag.lower(), None)
    return list(seen)
