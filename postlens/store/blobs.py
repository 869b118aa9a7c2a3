"""Content-addressed picture files: ``ab/cd/<sha256>.<ext>``, written atomically, either in a
local folder (:class:`BlobStore`, the default) or in an S3-compatible bucket
(:class:`postlens.store.s3.S3BlobStore`). Both answer the same five calls."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from postlens.errors import InvalidInput, NotFound
from postlens.fileio import atomic_write_bytes

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXTENSION = re.compile(r"^[a-z0-9]{1,5}$")
_RELATIVE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}\.[a-z0-9]{1,5}$")


@dataclass(frozen=True)
class StoredFile:
    relative: str
    modified: float  # seconds since the epoch
    temporary: bool  # a write in progress or left by a crash


def relative_path(sha256: str, extension: str) -> str:
    # Both parts are validated, so a stored path can never escape the store.
    if not _SHA256.match(sha256) or not _EXTENSION.match(extension):
        raise InvalidInput(f"bad blob key {sha256!r}.{extension!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}.{extension}"


def check_relative(relative: str) -> str:
    if not _RELATIVE.match(relative):
        raise InvalidInput(f"blob path {relative!r} is not a picture store path")
    return relative


class Blobs(Protocol):
    """What the database keeps beside its rows: picture files by content hash."""

    def put(self, sha256: str, extension: str, data: bytes) -> tuple[str, bool]:
        """Store ``data`` once under its hash; its relative path, and whether this call
        created it (a rolled-back import removes the files it created)."""

    def read(self, relative: str) -> bytes: ...

    def delete(self, relative: str) -> None:
        """Remove a file; nothing happens when it is not there."""

    def files(self) -> Iterator[StoredFile]: ...


class BlobStore:
    """Picture files under a local folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    relative_path = staticmethod(relative_path)

    def put(self, sha256: str, extension: str, data: bytes) -> tuple[str, bool]:
        relative = relative_path(sha256, extension)
        target = self.root / relative
        if target.exists() and target.stat().st_size == len(data):
            return relative, False
        atomic_write_bytes(target, data)
        return relative, True

    def read(self, relative: str) -> bytes:
        try:
            return self.path(relative).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"picture file {relative} is missing from the store") from exc

    def delete(self, relative: str) -> None:
        self.path(relative).unlink(missing_ok=True)

    def files(self) -> Iterator[StoredFile]:
        """Every stored file, temporary files included."""
        if not self.root.is_dir():
            return
        for path in self.root.rglob("*"):
            if path.is_file():
                yield StoredFile(path.relative_to(self.root).as_posix(), path.stat().st_mtime,
                                 path.name.startswith("."))

    def path(self, relative: str) -> Path:
        resolved = (self.root / relative).resolve()
        if not resolved.is_relative_to(self.root.resolve()):
            raise InvalidInput(f"blob path {relative!r} leaves the picture store")
        return resolved
