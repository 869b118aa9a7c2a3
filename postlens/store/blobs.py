"""Content-addressed picture files: ``<root>/ab/cd/<sha256>.<ext>``, written atomically."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from postlens.errors import InvalidInput
from postlens.fileio import atomic_write_bytes

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXTENSION = re.compile(r"^[a-z0-9]{1,5}$")


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def relative_path(self, sha256: str, extension: str) -> str:
        # Both parts are validated, so a stored path can never escape the root.
        if not _SHA256.match(sha256) or not _EXTENSION.match(extension):
            raise InvalidInput(f"bad blob key {sha256!r}.{extension!r}")
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"

    def put(self, sha256: str, extension: str, data: bytes) -> tuple[str, bool]:
        """Store ``data`` once under its hash; its path relative to the root, and whether
        this call created the file (a rolled-back import removes the files it created)."""
        relative = self.relative_path(sha256, extension)
        target = self.root / relative
        if target.exists() and target.stat().st_size == len(data):
            return relative, False
        atomic_write_bytes(target, data)
        return relative, True

    def files(self) -> Iterator[tuple[str, Path]]:
        """Every stored file (relative path, absolute path), temporary files included."""
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                yield path.relative_to(self.root).as_posix(), path

    def path(self, relative: str) -> Path:
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise InvalidInput(f"blob path {relative!r} leaves the picture store")
        return resolved
