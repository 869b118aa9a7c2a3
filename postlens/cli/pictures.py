"""``analyze``, ``samples``, ``ingest`` and ``stats``."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from postlens.cli.common import build_core, console, echo_json, reported_errors
from postlens.vision.images import IMAGE_SUFFIXES


def expand(paths: list[Path]) -> Iterator[tuple[str, Path]]:
    """Files as given, folders walked recursively for pictures, in a stable order."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in IMAGE_SUFFIXES:
                    yield str(child), child
        else:
            yield str(path), path


def analyze(
    paths: Annotated[list[Path], typer.Argument(help="Picture files or folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50, help="Labels to show.")] = 5,
    tasks: Annotated[str | None, typer.Option(
        help="Comma-separated tasks (labels, categories, container, embedding...); "
             "default: the analysis_tasks setting.")] = None,
) -> None:
    """Label pictures, give their content categories and the platform they were downloaded
    from, with confidence."""
    core = build_core()
    with reported_errors():
        analyzer = core.analyzer_for(tasks.split(",") if tasks else None, top_k=top_k)
    failed = 0
    for result in analyzer.analyze_many(expand(paths)):
        body: dict[str, Any] = result.to_dict()
        failed += "error" in body
        if as_json:
            echo_json(body, indent=None)
        else:
            _print_analysis(body)
    sys.stdout.flush()
    if failed:
        raise typer.Exit(code=1)


def _print_analysis(body: dict[str, Any]) -> None:
    out = Console()
    if "error" in body:
        out.print(f"[bold]{body['path']}[/bold]  [red]error:[/red] {body['error']}")
        return
    out.print(f"[bold]{body['path']}[/bold]  {body['width']}x{body['height']} {body['format']}")
    for label in body.get("labels", []):
        out.print(f"  {label['score']:6.1%}  {label['label']}")
    top = [c for c in body.get("categories", []) if c["score"] >= 0.05][:3]
    if top:
        out.print("  categories: " + ", ".join(f"{c['category']} {c['score']:.0%}" for c in top))
    platform = body.get("platform")
    if platform:
        from postlens.provenance.identify import sentence

        out.print(f"  platform: {sentence(platform['name'], platform['confidence'])}")
        for line in platform["evidence"][:4]:
            out.print(f"    - {line}")
    for name, value in body.items():
        if name not in ("labels", "categories", "model", "platform") and isinstance(value, dict):
            facts = ", ".join(f"{k}={v}" for k, v in value.items() if v not in (None, False, ()))
            out.print(f"  {name}: {facts}")


def samples(folder: Annotated[Path, typer.Argument(help="Where to write the photos.")]) -> None:
    """Write the sample photos that ship with scikit-image as JPEG files."""
    from postlens.samples import write_samples

    for path in write_samples(folder):
        typer.echo(str(path))


def ingest(
    format_name: Annotated[str, typer.Argument(
        metavar="FORMAT", help="instaloader, likes-folder, manifest, movielens or tweets.")],
    source: Annotated[Path, typer.Argument(help="The folder or file to import.")],
    commit_every: Annotated[int, typer.Option(
        help="Commit every N posts (resumable); 0: one transaction for everything.")] = 0,
) -> None:
    """Import a data set: pictures are analysed and stored once, idempotently."""
    core = build_core()
    with reported_errors(), Progress("[progress.description]{task.description}", BarColumn(),
                                     MofNCompleteColumn(), TimeRemainingColumn(),
                                     console=console) as bar:
        task = bar.add_task(f"ingest {format_name}", total=None)
        report = core.ingest(format_name, source, commit_every=commit_every or None,
                             on_post=lambda: bar.advance(task))
    for problem in report.errors:
        console.print(f"[yellow]skipped[/yellow] {problem['path']}: {problem['error']}")
    echo_json(report.to_dict())


def stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Count what the database holds, per source and per detected source platform."""
    numbers = build_core().stats()
    if as_json:
        echo_json(numbers)
        return
    table = Table("what", "count")
    for key, value in numbers["totals"].items():
        table.add_row(key, str(value))
    for source_name, count in numbers["posts_by_source"].items():
        table.add_row(f"posts from {source_name}", str(count))
    for faces, count in numbers["pictures_by_faces"].items():
        table.add_row(f"pictures with {faces} face(s)" if faces != "not analysed"
                      else "pictures not analysed for faces", str(count))
    for platform, count in numbers["pictures_by_platform"].items():
        table.add_row(f"pictures from {platform}", str(count))
    Console().print(table)


def register(app: typer.Typer) -> None:
    for command in (analyze, samples, ingest, stats):
        app.command()(command)
