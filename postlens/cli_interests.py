"""``postlens interests``, ``postlens profile`` and ``postlens evaluate interests``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from postlens.cli import JsonOption, _fail, _settings, app, console, evaluate_app
from postlens.errors import PostlensError

TaxonomyOption = Annotated[str, typer.Option(
    help="Built-in taxonomy (curlie-36, babelnet-34, content-categories, movielens-genres) "
         "or a taxonomy JSON file.")]
TopOption = Annotated[int, typer.Option("--top-k", min=1, max=100, help="How many interests.")]


@app.command("interests")
def interests_command(
    target: Annotated[str, typer.Argument(help="A picture file, or a text (caption).")],
    caption: Annotated[str | None, typer.Option(help="A caption to go with the picture.")] = None,
    taxonomy: TaxonomyOption = "curlie-36", top_k: TopOption = 5, as_json: JsonOption = False,
) -> None:
    """Top interests of one picture and/or text: image, text and fused, with confidence."""
    from postlens.analysis import Analyzer
    from postlens.interests.model import PostContent
    from postlens.interests.service import InterestService

    settings = _settings()
    path = Path(target)
    try:
        if path.is_file():
            analysis = Analyzer.from_settings(settings).analyze_one(str(path), path)
            content = PostContent(caption=caption, labels=analysis.labels,
                                  embedding=analysis.embedding)
        else:
            content = PostContent(caption=" ".join(filter(None, [target, caption])))
        body = InterestService(settings).for_post(content, taxonomy, top_k)
    except PostlensError as error:
        raise _fail(error) from error
    body = {"input": target, **body}
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    _print_views(body)


def _print_views(body: dict[str, Any]) -> None:
    out = Console()
    out.print(f"[bold]{body['input']}[/bold]  ({body['taxonomy']})")
    for view in ("fused", "image", "text"):
        if body[view]:
            ranked = ", ".join(f"{i['name']} {i['score']:.0%}" for i in body[view])
            out.print(f"  {view:>5}: {ranked}")


@app.command("profile")
def profile_command(
    user: Annotated[str, typer.Argument(help="User id or handle, e.g. instagram:natgeo.")],
    taxonomy: TaxonomyOption = "curlie-36", top_k: TopOption = 5,
    recent: Annotated[int, typer.Option(min=1, max=500, help="Recent posts and likes used.")
                      ] = 20,
    as_json: JsonOption = False,
) -> None:
    """A user's top interests from their recent posts and likes, stored and kept fresh."""
    from postlens.interests.service import InterestService
    from postlens.recommend.service import resolve_user
    from postlens.store.db import Database

    settings = _settings()
    try:
        db = Database.from_settings(settings)
        with db.transaction() as session:
            found = resolve_user(session, user)
            body = InterestService(settings).profile(session, found.id, taxonomy, top_k, recent)
    except PostlensError as error:
        raise _fail(error) from error
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False))
        return
    out = Console()
    out.print(f"[bold]{body['handle']}[/bold]  {body['posts_used']} posts and likes, "
              f"{body['taxonomy']}")
    for interest in body["interests"]:
        detail = ", ".join(f"{view} {interest[f'{view}_score']:.0%}" for view in ("image", "text")
                           if interest[f"{view}_score"] is not None)
        out.print(f"  {interest['score']:6.1%}  {interest['name']:<14} ({detail}; posts "
                  f"{', '.join(map(str, interest['supporting_posts']))})")


@evaluate_app.command("interests")
def evaluate_interests(
    data: Annotated[Path, typer.Option(help="The folder holding the shared data sets.")] = Path(
        "../shared/data"),
    only: Annotated[list[str] | None, typer.Option(
        help="instagram, tweets or movielens (repeatable); default: all three.")] = None,
    write: Annotated[Path | None, typer.Option(help="Markdown file to update.")] = Path(
        "docs/evaluation.md"),
) -> None:
    """Seed 003 (Instagram accounts, tweets) and seed 002 (MovieLens posters) protocols."""
    from postlens.evaluation.interest_runs import RUNS
    from postlens.evaluation.report import write_section

    settings = _settings()
    for name in only or list(RUNS):
        if name not in RUNS:
            raise _fail(PostlensError(f"unknown evaluation {name!r}; one of {', '.join(RUNS)}"))
        folder, run = RUNS[name]
        if not (data / folder).is_dir():
            console.print(f"[yellow]{data / folder} is missing; skipping {name}[/yellow]")
            continue
        try:
            title, body = run(settings, data / folder)
        except PostlensError as error:
            raise _fail(error) from error
        typer.echo(f"## {title}\n\n{body}\n")
        if write is not None:
            write_section(write, f"interests-{name}", title, body)


@app.command("train-interests")
def train_interests_command(
    labels: Annotated[Path, typer.Argument(help="CSV with columns post,category (post: id or "
                                                "source:external_id).")],
    taxonomy: TaxonomyOption = "curlie-36",
    folds: Annotated[int, typer.Option(min=2, max=20, help="Grouped folds (by author).")] = 5,
) -> None:
    """Train image and text heads on labelled posts (transfer learning) and calibrate the
    fusion; the server and `postlens profile` use the saved model from then on."""
    from postlens.interests.service import InterestService
    from postlens.interests.training import train_from_file
    from postlens.store.db import Database

    settings = _settings()
    try:
        db = Database.from_settings(settings)
        service = InterestService(settings)
        model = service.model(taxonomy)
        with db.transaction() as session:  # caches the captions' embeddings
            report = train_from_file(session, model, labels, service.trained_path(model.taxonomy),
                                     folds)
    except PostlensError as error:
        raise _fail(error) from error
    accuracy = ", ".join(f"{view} {value:.1%}" for view, value in
                         report.out_of_fold_accuracy.items())
    typer.echo(f"trained {', '.join(report.heads) or 'no'} heads on {report.examples} posts "
               f"({report.categories} categories); out-of-fold accuracy: {accuracy}; "
               f"saved to {report.path}")
