"""Write evaluation tables into docs/evaluation.md, one marked section per evaluation."""

from __future__ import annotations

import platform
import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path


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
