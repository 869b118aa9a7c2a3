"""Importers, one module per source format, and the pipeline that stores what they read."""

from __future__ import annotations

from pathlib import Path

from postlens.errors import InvalidInput
from postlens.ingest.folder import LikesFolderSource
from postlens.ingest.instaloader import InstaloaderSource
from postlens.ingest.manifest import ManifestSource
from postlens.ingest.movielens import MovieLensSource
from postlens.ingest.records import Source
from postlens.ingest.tweets import TweetsSource

FORMATS: dict[str, type] = {
    "instaloader": InstaloaderSource,
    "likes-folder": LikesFolderSource,
    "manifest": ManifestSource,
    "movielens": MovieLensSource,
    "tweets": TweetsSource,
}


def open_source(format_name: str, path: Path) -> Source:
    try:
        factory = FORMATS[format_name]
    except KeyError:
        raise InvalidInput(f"unknown format {format_name!r}; one of: {', '.join(FORMATS)}"
                           ) from None
    source: Source = factory(path)
    return source
