"""CSV, TSV and JSON Lines files read row by row, every problem named by file and line.

Invalid UTF-8, a cell over the csv module's field limit, a row of the wrong shape or a line
that is not a JSON object all become :class:`MalformedRecord` with ``file:line``; a UTF-8
byte-order mark (as Excel writes it) is skipped.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from postlens.errors import MalformedRecord

BOM = "\ufeff"


def text_lines(path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line, decoded as UTF-8 (a leading BOM dropped)."""
    if not path.is_file():
        raise MalformedRecord("file not found", source=str(path))
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise MalformedRecord(f"not valid UTF-8 (byte {exc.start + 1} of the line)",
                                      source=f"{path}:{number}") from None
            yield number, text.removeprefix(BOM) if number == 1 else text


def csv_rows(path: Path, *, delimiter: str = ",", quoting: Literal[0, 1, 2, 3] = 0,
             required: frozenset[str] = frozenset(), columns: frozenset[str] = frozenset(),
             short_rows: bool = False) -> Iterator[tuple[str, dict[str, str]]]:
    """('file:line', row) of a CSV/TSV file with a header; ``required`` columns must be
    present and non-empty in every row, ``columns`` only present; with ``short_rows``, rows
    with fewer cells than the header get empty ones (for loosely kept side files)."""
    lines = text_lines(path)
    line_of = [0]

    def feed() -> Iterator[str]:
        for number, text in lines:
            line_of[0] = number
            yield text

    reader = csv.reader(feed(), delimiter=delimiter, quoting=quoting)
    try:
        header = next(reader, None)
        if header is None:
            raise MalformedRecord("the file is empty (no header)", source=f"{path}:1")
        header = [cell.strip() for cell in header]
        missing = (required | columns) - set(header)
        if missing:
            raise MalformedRecord(f"missing columns {sorted(missing)}", source=f"{path}:1")
        for cells in reader:
            where = f"{path}:{line_of[0]}"
            if not cells or cells == [""]:
                continue
            if len(cells) > len(header) and not any(c.strip() for c in cells[len(header):]):
                cells = cells[:len(header)]  # trailing separators, as some exports write
            if short_rows and len(cells) < len(header):
                cells = cells + [""] * (len(header) - len(cells))
            if len(cells) != len(header):
                raise MalformedRecord(f"expected {len(header)} cells as in the header, got "
                                      f"{len(cells)}", source=where)
            row = dict(zip(header, cells, strict=True))
            if any(not row[c].strip() for c in required):
                raise MalformedRecord("an empty required cell", source=where)
            yield where, row
    except csv.Error as exc:
        raise MalformedRecord(f"unreadable CSV: {exc}", source=f"{path}:{line_of[0]}") from None


def jsonl_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """('file:line', object) of a JSON Lines file; blank lines are skipped."""
    for number, text in text_lines(path):
        if not text.strip():
            continue
        where = f"{path}:{number}"
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MalformedRecord(f"invalid JSON: {exc.msg}", source=where) from None
        if not isinstance(row, dict):
            raise MalformedRecord("each line must be a JSON object", source=where)
        yield where, row


def text_value(row: dict[str, Any], key: str, where: str) -> str | None:
    """A cell as text: strings as they are, numbers written out; lists, objects and
    booleans are refused; empty means None."""
    value = row.get(key)
    if value is None or isinstance(value, str):
        return value.strip() or None if isinstance(value, str) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedRecord(f"{key!r} must be text, got {type(value).__name__}",
                              source=where)
    if isinstance(value, float) and not math.isfinite(value):
        raise MalformedRecord(f"{key!r} must be text, got {value}", source=where)
    return str(value)


def finite_number(text: str, name: str, where: str, low: float, high: float) -> float:
    """A number in [low, high]; "nan", "inf" and anything outside are refused."""
    try:
        value = float(text)
    except ValueError:
        raise MalformedRecord(f"bad {name} {text!r}", source=where) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise MalformedRecord(f"{name} must be a number from {low:g} to {high:g}, got "
                              f"{text!r}", source=where)
    return value
