"""Operators' commands: ``doctor``."""

from __future__ import annotations

from typing import Annotated

import typer

from postlens.cli.common import build_core, console, echo_json, reported_errors


def doctor(
    repair: Annotated[bool, typer.Option(help="Remove orphan and temporary picture files "
                                              "and logs past their retention.")] = False,
) -> None:
    """Check that the database and the picture files agree (after a crash or a kill)."""
    with reported_errors():
        report = build_core().maintenance.doctor(repair=repair)
    echo_json(report)
    if not report["healthy"] and not repair:
        console.print("[yellow]run `postlens doctor --repair` to clean up[/yellow]")
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
