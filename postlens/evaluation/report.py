"""Write evaluation tables into docs/evaluation.md, one marked section per evaluation."""

from __future__ import annotations

import platform
import shlex
import sys
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import numpy as np


def provenance() -> str:
    command = "postlens " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return (f"Command: `{command}` — run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on "
            f"{platform.machine()} with Python {platform.python_version()}.")


def markdown(header: list[str], rows: list[list[str]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def write_section(path: Path, key: str, title: str, body: str) -> None:
    replace_section(path, key, f"## {title}\n\n{provenance()}\n\n{body}", "# Evaluation\n")


def replace_section(path: Path, key: str, content: str, heading: str) -> None:
    """Put ``content`` between the file's ``<!-- key -->`` markers (appended the first time)."""
    marker = f"<!-- {key} -->"
    text = path.read_text() if path.exists() else heading
    section = f"{marker}\n{content}\n{marker}"
    if marker in text:
        head, _, rest = text.partition(marker)
        _, _, tail = rest.partition(marker)
        text = head + section + tail
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def expected_calibration_error(confidence: list[float], correct: list[bool], bins: int = 10
                               ) -> tuple[float, list[tuple[str, int, float, float]]]:
    """ECE and the reliability table (bin, count, mean confidence, accuracy)."""
    conf, hit = np.asarray(confidence), np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    ece, table = 0.0, []
    for low, high in pairwise(edges):
        inside = (conf > low) & (conf <= high) if low > 0 else (conf >= low) & (conf <= high)
        if inside.any():
            ece += inside.mean() * abs(conf[inside].mean() - hit[inside].mean())
            table.append((f"{low:.1f}-{high:.1f}", int(inside.sum()),
                          float(conf[inside].mean()), float(hit[inside].mean())))
    return float(ece), table
