"""MovieLens (``ml-latest-small`` files) plus ``posters/<movieId>.jpg``.

Each movie with a poster becomes a post (caption: the title; genres and user tags in
``extra``); each rating of such a movie becomes an interaction of kind ``rating`` whose value
is the star rating. Ratings of movies without a poster are skipped.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from postlens.errors import MalformedRecord
from postlens.ingest.records import FollowRecord, InteractionRecord, PostRecord, from_timestamp
from postlens.ingest.textfiles import csv_rows, finite_number

_YEAR = re.compile(r"\((\d{4})\)\s*$")


def read_csv(path: Path, required: set[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """Rows of a CSV file with a header, each with 'file:line' for error messages."""
    return csv_rows(path, required=frozenset(required))


class MovieLensSource:
    name = "movielens"
    platform: str | None = None

    def __init__(self, root: Path) -> None:
        self.root = root
        self.posters = root / "posters"
        if not self.posters.is_dir():
            raise MalformedRecord("no posters/ folder", source=str(root))
        self.poster_ids = {p.stem for p in self.posters.glob("*.jpg")}

    def posts(self) -> Iterator[PostRecord]:
        tags: dict[str, list[str]] = defaultdict(list)
        if (self.root / "tags.csv").exists():
            for _, row in read_csv(self.root / "tags.csv", {"movieId", "tag"}):
                tags[row["movieId"]].append(row["tag"])
        for _, row in read_csv(self.root / "movies.csv", {"movieId", "title", "genres"}):
            movie_id = row["movieId"]
            if movie_id not in self.poster_ids:
                continue
            year = _YEAR.search(row["title"])
            genres = [g for g in row["genres"].split("|") if g != "(no genres listed)"]
            yield PostRecord(
                external_id=movie_id, picture=self.posters / f"{movie_id}.jpg",
                caption=row["title"],
                extra={"genres": genres, "tags": sorted(set(tags.get(movie_id, []))),
                       "year": int(year.group(1)) if year else None})

    def interactions(self) -> Iterator[InteractionRecord]:
        for where, row in read_csv(self.root / "ratings.csv",
                                   {"userId", "movieId", "rating", "timestamp"}):
            if row["movieId"] not in self.poster_ids:
                continue
            rating = finite_number(row["rating"], "rating", where, 0.0, 5.0)
            yield InteractionRecord(user=row["userId"], post=row["movieId"], kind="rating",
                                    occurred_at=from_timestamp(row["timestamp"], source=where),
                                    value=rating, weight=rating)

    def follows(self) -> Iterator[FollowRecord]:
        return iter(())
