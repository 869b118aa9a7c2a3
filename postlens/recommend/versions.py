"""Versions of saved models, by content: how a server tells that a model file changed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path


def file_version(path: Path) -> Callable[[], str]:
    """A version function: the first 12 hex digits of the saved model file's sha256, hashed
    again only when the file's size or modification time changed."""
    seen: dict[tuple[int, int], str] = {}

    def version() -> str:
        try:
            stat = path.stat()
            key = (stat.st_mtime_ns, stat.st_size)
            if key not in seen:
                seen.clear()
                seen[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            return seen[key]
        except OSError:
            return "unsaved"
    return version
