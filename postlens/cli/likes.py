"""``likes train`` and ``likes predict``: how many likes a picture will get, before posting."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from postlens.cli.common import JsonOption, build_core, echo_json, reported_errors
from postlens.cli.pictures import expand
from postlens.engagement.service import DEFAULT_MODEL

ModelOption = Annotated[str, typer.Option("--model", help="The likes model's name.")]


def train(
    source: Annotated[Path | None, typer.Argument(
        help="A likes folder (1.jpg..n.jpg + y_likes_data.txt) or an Instaloader download; "
             "leave out to train on every stored post with likes.")] = None,
    format_name: Annotated[str | None, typer.Option(
        "--format", help="likes-folder or instaloader (guessed when left out).")] = None,
    account: Annotated[str | None, typer.Option(
        help="Train on this account's posts only (its own history, seed 001's case).")] = None,
    name: ModelOption = DEFAULT_MODEL,
    report: Annotated[Path | None, typer.Option(
        help="Write report.md, learning_curve.png and predicted_vs_actual.png here.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Train the likes model on posts with known likes and save it."""
    core = build_core()
    with reported_errors():
        items = core.likes.training_posts(source, format_name, account)
        summary = core.likes.train(items, name, report)
    if as_json:
        echo_json(summary)
        return
    typer.echo(f"likes model {summary['model']!r}: {summary['posts']} posts from "
               f"{summary['accounts']} account(s) -> {summary['path']}")
    if "report" in summary:
        held = summary["report"]
        typer.echo(f"held-out posts: median error {held['median_percent_error']}% of the "
                   f"likes, {held['interval_coverage']:.0%} inside their interval; "
                   f"report in {report}")


def predict(
    pictures: Annotated[list[Path], typer.Argument(
        help="Candidate pictures (or folders): ranked best first.")],
    account: Annotated[str | None, typer.Option(
        help="The account that will post, e.g. instagram:natgeo (its history sets the "
             "level); leave out for a new account.")] = None,
    caption: Annotated[str | None, typer.Option(help="The caption to post with.")] = None,
    at: Annotated[datetime | None, typer.Option(
        help="When it will be posted (ISO 8601, UTC); default now.")] = None,
    followers: Annotated[int | None, typer.Option(
        min=0, max=10**12, help="Follower count, for a new account.")] = None,
    name: ModelOption = DEFAULT_MODEL,
    as_json: JsonOption = False,
) -> None:
    """Predict likes for pictures before posting, with an interval and the reasons."""
    core = build_core()
    with reported_errors():
        ranked = core.likes.predict(list(expand(pictures)), account=account, caption=caption,
                                    posted_at=at, followers=followers, name=name)
    if as_json:
        echo_json(ranked)
        return
    for answer in ranked:
        _print(answer)


def _print(answer: dict[str, Any]) -> None:
    typer.echo(f"{answer['rank']}. {answer['path']}: {answer['likes']:,} likes "
               f"({answer['coverage']:.0%} interval {answer['low']:,} - {answer['high']:,}); "
               f"from {answer['basis']}")
    for driver in answer["drivers"]:
        typer.echo(f"     {driver['percent']:+.1f}%  {driver['feature']}")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Likes prediction before posting.", no_args_is_help=True)
    group.command("train")(train)
    group.command("predict")(predict)
    app.add_typer(group, name="likes")
