"""Folders in CelebA's format: ``list_attr_celeba.txt`` plus the pictures in ``images/``.

The attribute file is CelebA's own: a count line, a line of attribute names, then one line
per picture, ``file.jpg`` followed by ``1`` or ``-1`` for each attribute. Any other line is
refused with its file and line number; nothing is half-read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from postlens.errors import InvalidInput

ATTRIBUTE_FILE = "list_attr_celeba.txt"
IMAGE_FOLDER = "images"


@dataclass(frozen=True)
class LabelledFaces:
    root: Path
    files: list[str]
    attribute_names: list[str]
    labels: np.ndarray  # (n, attributes) bool

    def path(self, index: int) -> Path:
        return self.root / IMAGE_FOLDER / self.files[index]

    def column(self, name: str) -> np.ndarray:
        if name not in self.attribute_names:
            raise InvalidInput(f"{self.root / ATTRIBUTE_FILE}: no attribute {name!r}")
        return self.labels[:, self.attribute_names.index(name)]


def read_celeba(root: Path) -> LabelledFaces:
    """Read a CelebA-format folder; clear errors (file:line) for anything malformed."""
    source = root / ATTRIBUTE_FILE
    if not source.is_file():
        raise InvalidInput(f"{root}: no {ATTRIBUTE_FILE} (a CelebA-format folder has it and "
                           f"{IMAGE_FOLDER}/)")
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{source}: cannot read it: {exc}") from exc
    if len(lines) < 2:
        raise InvalidInput(f"{source}: needs a count line and a line of attribute names")
    try:
        declared = int(lines[0].strip())
    except ValueError:
        raise InvalidInput(f"{source}:1: expected the number of pictures, got "
                           f"{lines[0][:40]!r}") from None
    names = lines[1].split()
    if not names or len(set(names)) != len(names):
        raise InvalidInput(f"{source}:2: attribute names missing or repeated")
    files: list[str] = []
    rows: list[list[bool]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if not fields:
            continue
        where = f"{source}:{number}"
        if len(fields) != len(names) + 1:
            raise InvalidInput(f"{where}: expected a file name and {len(names)} values, got "
                               f"{len(fields)} fields")
        name = fields[0]
        if "/" in name or "\\" in name or name.startswith("."):
            raise InvalidInput(f"{where}: {name!r} is not a plain file name")
        if name in seen:
            raise InvalidInput(f"{where}: {name} is listed twice")
        if any(v not in ("1", "-1") for v in fields[1:]):
            raise InvalidInput(f"{where}: attribute values must be 1 or -1")
        seen.add(name)
        files.append(name)
        rows.append([v == "1" for v in fields[1:]])
    if declared != len(files):
        raise InvalidInput(f"{source}:1: says {declared} pictures, the file lists {len(files)}")
    missing = [f for f in files if not (root / IMAGE_FOLDER / f).is_file()]
    if missing:
        raise InvalidInput(f"{root / IMAGE_FOLDER}: {len(missing)} listed pictures are missing, "
                           f"e.g. {missing[0]}")
    labels = np.array(rows, dtype=bool).reshape(len(files), len(names))
    return LabelledFaces(root, files, names, labels)
