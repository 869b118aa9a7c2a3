"""Labelled texts for the text interest model: a CSV of titles or captions and their interest.

The columns are ``title`` (or ``text``) and ``interest`` (a category id or name of the
taxonomy); an optional ``subreddit`` (or ``group``) column names the community a text came
from, so that evaluation keeps each community inside one fold. The shared
``reddit-interests/posts.csv`` (145k top Reddit titles of 150 subreddits) is such a file.
A malformed row is reported with its file and line and nothing is kept.
"""

from __future__ import annotations

import csv
import html
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from postlens.errors import MalformedRecord
from postlens.interests.taxonomy import Taxonomy

TEXT_COLUMNS = ("title", "text")
GROUP_COLUMNS = ("subreddit", "group")
MAX_TEXT = 10_000


@dataclass
class LabelledTexts:
    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)  # taxonomy indices
    groups: list[str] = field(default_factory=list)  # community, or the line when none

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def y(self) -> np.ndarray:
        return np.asarray(self.labels, dtype=np.int64)

    @property
    def group_array(self) -> np.ndarray:
        return np.asarray(self.groups)


def read_labelled_texts(path: Path, taxonomy: Taxonomy) -> LabelledTexts:
    """Every row of a labelled-text CSV."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    out = LabelledTexts()
    lookup = {key.lower(): i for i, c in enumerate(taxonomy.categories) for key in (c.id, c.name)}
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or ())
            text_column = next((c for c in TEXT_COLUMNS if c in columns), None)
            if text_column is None or "interest" not in columns:
                raise MalformedRecord("expected the columns title (or text) and interest",
                                      source=f"{path}:1")
            group_column = next((c for c in GROUP_COLUMNS if c in columns), None)
            for line, row in enumerate(reader, start=2):
                where = f"{path}:{line}"
                text, interest = row.get(text_column), row.get("interest")
                if not isinstance(text, str) or not isinstance(interest, str):
                    raise MalformedRecord("missing fields", source=where)
                text = html.unescape(text).strip()
                if not text or len(text) > MAX_TEXT:
                    raise MalformedRecord(f"empty or longer than {MAX_TEXT} characters",
                                          source=where)
                label = lookup.get(interest.strip().lower())
                if label is None:
                    raise MalformedRecord(f"taxonomy {taxonomy.name!r} has no category "
                                          f"{interest.strip()!r}", source=where)
                group = (row.get(group_column) or "").strip() if group_column else ""
                out.texts.append(text)
                out.labels.append(label)
                out.groups.append(group or f"line {line}")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise MalformedRecord(f"cannot read: {exc}", source=str(path)) from None
    if not out.labels:
        raise MalformedRecord("no labelled rows", source=str(path))
    return out
