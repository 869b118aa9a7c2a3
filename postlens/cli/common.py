"""What every command shares: the core it builds once, error reporting and common options."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console

from postlens.config import Settings
from postlens.core import Postlens
from postlens.errors import PostlensError

console = Console(stderr=True)

CountOption = Annotated[int, typer.Option("--n", min=1, max=500, help="How many.")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON instead of a table.")]
TaxonomyOption = Annotated[str, typer.Option(
    help="Built-in taxonomy (curlie-36, babelnet-34, content-categories, movielens-genres) "
         "or a taxonomy JSON file.")]


def build_core(**overrides: Any) -> Postlens:
    """The core for this command, from the environment's settings."""
    settings = Settings()
    if overrides:
        settings = settings.model_copy(update=overrides)
    return Postlens(settings)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Library errors become one red line and exit status 2 (no traceback)."""
    try:
        yield
    except PostlensError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(code=2) from error


def echo_json(body: Any, *, indent: int | None = 2) -> None:
    sys.stdout.write(json.dumps(body, indent=indent, ensure_ascii=False) + "\n")
    sys.stdout.flush()
