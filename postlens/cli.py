"""The ``postlens`` command line: parses arguments, calls the library, formats the answer."""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from postlens.config import Settings
from postlens.errors import PostlensError

app = typer.Typer(help="Understand social-media pictures and recommend from them.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
console = Console(stderr=True)


def _settings() -> Settings:
    return Settings()


def _fail(error: PostlensError) -> typer.Exit:
    console.print(f"[red]error:[/red] {error}")
    return typer.Exit(code=2)


def _expand(paths: list[Path]) -> Iterator[tuple[str, Path]]:
    from postlens.vision.images import IMAGE_SUFFIXES

    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and child.suffix.lower() in IMAGE_SUFFIXES:
                    yield str(child), child
        else:
            yield str(path), path


@app.command()
def analyze(
    paths: Annotated[list[Path], typer.Argument(help="Picture files or folders.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    top_k: Annotated[int, typer.Option("--top-k", min=1, max=50, help="Labels to show.")] = 5,
) -> None:
    """Label pictures and give their content categories with confidence."""
    from postlens.analysis import Analyzer

    settings = _settings().model_copy(update={"top_k_labels": top_k})
    analyzer = Analyzer.from_settings(settings)
    failed = 0
    for result in analyzer.analyze_many(_expand(paths)):
        body: dict[str, Any] = result.to_dict()
        failed += "error" in body
        if as_json:
            sys.stdout.write(json.dumps(body, ensure_ascii=False) + "\n")
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
    for label in body["labels"]:
        out.print(f"  {label['score']:6.1%}  {label['label']}")
    top = [c for c in body["categories"] if c["score"] >= 0.05][:3]
    out.print("  categories: " + ", ".join(f"{c['category']} {c['score']:.0%}" for c in top))


@app.command()
def samples(folder: Annotated[Path, typer.Argument(help="Where to write the photos.")]) -> None:
    """Write the sample photos that ship with scikit-image as JPEG files."""
    from postlens.samples import write_samples

    for path in write_samples(folder):
        typer.echo(str(path))


@app.command()
def ingest(
    format_name: Annotated[str, typer.Argument(
        metavar="FORMAT", help="instaloader, likes-folder, manifest, movielens or tweets.")],
    source: Annotated[Path, typer.Argument(help="The folder or file to import.")],
    commit_every: Annotated[int, typer.Option(
        help="Commit every N posts (resumable); 0: one transaction for everything.")] = 0,
) -> None:
    """Import a data set: pictures are analysed and stored once, idempotently."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from postlens.analysis import Analyzer
    from postlens.ingest import open_source
    from postlens.ingest.pipeline import Ingestor
    from postlens.store.db import Database

    settings = _settings()
    try:
        src = open_source(format_name, source)
        db = Database.from_settings(settings)
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeRemainingColumn(), console=console) as bar:
            task = bar.add_task(f"ingest {format_name}", total=None)
            ingestor = Ingestor(db, Analyzer.from_settings(settings),
                                pseudonymise_key=_secret(settings),
                                on_post=lambda: bar.advance(task))
            report = ingestor.ingest(src, commit_every=commit_every or None)
    except PostlensError as error:
        raise _fail(error) from error
    for problem in report.errors:
        console.print(f"[yellow]skipped[/yellow] {problem['path']}: {problem['error']}")
    typer.echo(json.dumps(report.to_dict(), indent=2))


def _secret(settings: Settings) -> str | None:
    key = settings.pseudonymise_key
    return key.get_secret_value() if key else None


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Count what the database holds, per source."""
    from postlens.store.db import Database
    from postlens.store.stats import database_stats

    db = Database.from_settings(_settings())
    with db.reader() as session:
        numbers = database_stats(session)
    if as_json:
        typer.echo(json.dumps(numbers, indent=2))
        return
    table = Table("what", "count")
    for key, value in numbers["totals"].items():
        table.add_row(key, str(value))
    for source_name, count in numbers["posts_by_source"].items():
        table.add_row(f"posts from {source_name}", str(count))
    Console().print(table)


evaluate_app = typer.Typer(help="Offline evaluation on real data sets.", no_args_is_help=True)
app.add_typer(evaluate_app, name="evaluate")

BASELINES = ("popularity", "als", "bpr", "content", "visual-als", "hybrid")


@evaluate_app.command("recommend")
def evaluate_recommend(
    dataset: Annotated[Path, typer.Option(help="A MovieLens folder with posters/.")],
    cornac: Annotated[bool, typer.Option(help="Also run Cornac's BPR and VBPR.")] = True,
    write: Annotated[Path | None, typer.Option(help="Markdown file to update.")] = Path(
        "docs/evaluation.md"),
) -> None:
    """Temporal-split P/R/NDCG/MAP@10, coverage and cold-start recall against baselines."""
    from postlens.analysis import Analyzer
    from postlens.evaluation.recommend import (
        cornac_trainer,
        evaluate,
        markdown_table,
        postlens_trainer,
    )
    from postlens.evaluation.report import write_section
    from postlens.ingest.movielens import MovieLensSource
    from postlens.ingest.pipeline import Ingestor
    from postlens.recommend.data import load_dataset
    from postlens.recommend.registry import recommender_class
    from postlens.store.db import Database

    settings = _settings()
    try:
        db = Database.from_settings(settings)
        Ingestor(db, Analyzer.from_settings(settings)).ingest(MovieLensSource(dataset))
        with db.reader() as session:
            data = load_dataset(session, source="movielens")
    except PostlensError as error:
        raise _fail(error) from error
    trainers = {name: postlens_trainer(recommender_class(name)) for name in BASELINES}
    if cornac and importlib.util.find_spec("cornac") is None:
        console.print("[yellow]cornac is not installed (pip install -e .[bench]); "
                      "skipping its baselines[/yellow]")
        cornac = False
    if cornac:
        trainers["cornac BPR"] = cornac_trainer("bpr", k=64, max_iter=200, learning_rate=0.01,
                                                lambda_reg=0.01)
        trainers["cornac VBPR"] = cornac_trainer("vbpr", k=32, k2=32, n_epochs=20,
                                                 learning_rate=0.005)
    results = evaluate(data, trainers)
    table = markdown_table(results)
    typer.echo(table)
    from postlens.evaluation.recommend import HEADER

    target = settings.home / "evaluations" / "recommend.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({
        "description": f"MovieLens posters, per-user temporal split, {len(data.interactions)} "
                       "ratings; relevant = rating >= 4 in each user's last 20%.",
        "header": HEADER, "rows": [r.row() for r in results]}, indent=2))
    if write is not None:
        users = results[0].users if results else 0
        write_section(write, "recommend", "Recommendations: MovieLens posters, temporal split",
                      f"{len(data.interactions)} ratings, {users} test users with a rating "
                      ">= 4 in their last 20%.\n\n" + table)


@app.command("train")
def train_command(
    model: Annotated[str, typer.Option(help="popularity, als, bpr, content, visual-als, "
                                            "social or hybrid.")] = "hybrid",
    source: Annotated[str | None, typer.Option(help="Only this source's data.")] = None,
) -> None:
    """Fit a recommender on the database and save it in the model folder."""
    from postlens.recommend.service import train
    from postlens.store.db import Database

    settings = _settings()
    try:
        fitted = train(Database.from_settings(settings), settings, model, source)
    except PostlensError as error:
        raise _fail(error) from error
    typer.echo(f"trained {model}: {len(fitted.user_ids_)} users, {len(fitted.item_ids_)} posts")


CountOption = Annotated[int, typer.Option("--n", min=1, max=500, help="How many.")]
ModelOption = Annotated[str, typer.Option(help="Which trained recommender.")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON instead of a table.")]


@app.command("recommend")
def recommend_command(
    user: Annotated[str, typer.Argument(help="User id or handle, e.g. movielens:1.")],
    n: CountOption = 10, model: ModelOption = "hybrid", as_json: JsonOption = False,
) -> None:
    """Recommend posts to a user, with scores and explanations."""
    from postlens.recommend.service import describe, load_trained, resolve_user
    from postlens.store.db import Database

    settings = _settings()
    try:
        recommender = load_trained(settings, model)
        db = Database.from_settings(settings)
        with db.reader() as session:
            found = resolve_user(session, user)
            ids, scores, why = recommender.recommend(found.id, n=n)
            items = describe(session, ids.tolist(), scores.tolist(), why)
    except PostlensError as error:
        raise _fail(error) from error
    _print_items(items, as_json, {"user": found.handle})


@app.command("similar")
def similar_command(
    post: Annotated[int, typer.Argument(help="Post id.")],
    n: CountOption = 10, model: ModelOption = "hybrid", as_json: JsonOption = False,
) -> None:
    """Posts most similar to a post."""
    from postlens.recommend.service import describe, load_trained
    from postlens.store.db import Database

    settings = _settings()
    try:
        recommender = load_trained(settings, model)
        ids, scores = recommender.similar_items(post, n=n)
        with Database.from_settings(settings).reader() as session:
            items = describe(session, ids.tolist(), scores.tolist(), ["similar picture"] * len(ids))
    except PostlensError as error:
        raise _fail(error) from error
    _print_items(items, as_json, {"post": post})


@app.command("feedback")
def feedback_command(
    user: Annotated[str, typer.Argument(help="User id or handle.")],
    post: Annotated[int, typer.Argument(help="Post id.")],
    kind: Annotated[str, typer.Argument(help="impression, click, like, dislike, share, save.")],
    recommendation: Annotated[int | None, typer.Option(help="The logged recommendation.")] = None,
    model: Annotated[str, typer.Option(help="Trained recommender to update now.")] = "hybrid",
) -> None:
    """Record a reaction and fold it into the trained recommender immediately."""
    from postlens.recommend.feedback import record_feedback
    from postlens.recommend.service import fold_feedback, resolve_user
    from postlens.store.db import Database

    settings = _settings()
    try:
        db = Database.from_settings(settings)
        with db.transaction() as session:
            user_id = resolve_user(session, user).id
            weight = record_feedback(session, user_id, post, kind, recommendation)
        if weight:
            fold_feedback(settings, model, user_id, post, weight)
    except PostlensError as error:
        raise _fail(error) from error
    typer.echo(json.dumps({"user_id": user_id, "post_id": post, "kind": kind, "weight": weight}))


abtest_app = typer.Typer(help="A/B tests of recommender configurations.", no_args_is_help=True)
app.add_typer(abtest_app, name="abtest")


@abtest_app.command("report")
def abtest_report(
    experiment: Annotated[str, typer.Option(help="Experiment name.")] = "ranker",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Per-arm impressions, click-through and like rates with 95% CIs and p-values."""
    from postlens.evaluation.abtest import experiment_report
    from postlens.store.db import Database

    with Database.from_settings(_settings()).reader() as session:
        report = experiment_report(session, experiment)
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    table = Table("arm", "impressions", "CTR (95% CI)", "p", "like rate (95% CI)", "p")
    for arm in report:
        table.add_row(arm["arm"], str(arm["impressions"]), _rate(arm, "ctr"),
                      _p(arm, "ctr"), _rate(arm, "like_rate"), _p(arm, "like_rate"))
    Console().print(table)


def _rate(arm: dict[str, Any], name: str) -> str:
    low, high = arm[f"{name}_ci95"]
    return f"{arm[name]:.2%} ({low:.2%}-{high:.2%})"


def _p(arm: dict[str, Any], name: str) -> str:
    value = arm.get(f"{name}_p_value")
    return "control" if value is None else f"{value:.3g}"


def _print_items(items: list[Any], as_json: bool, header: dict[str, Any]) -> None:
    if as_json:
        typer.echo(json.dumps({**header, "items": [i.to_dict() for i in items]}, indent=2))
        return
    table = Table("post", "score", "caption", "why")
    for item in items:
        table.add_row(str(item.post_id), f"{item.score:.3f}", (item.caption or "")[:50],
                      item.explanation)
    Console().print(table)


@app.command()
def demo(
    folder: Annotated[Path | None, typer.Option(help="Add your own pictures too.")] = None,
) -> None:
    """Build a clearly labelled SIMULATED community from bundled photos and train on it."""
    from postlens.analysis import Analyzer
    from postlens.demo import build_demo
    from postlens.interests.service import InterestService
    from postlens.recommend.service import train
    from postlens.store.db import Database

    settings = _settings()
    try:
        db = Database.from_settings(settings)
        keys = build_demo(settings.home, db, Analyzer.from_settings(settings), folder)
        model = train(db, settings, "hybrid")
        InterestService(settings).warm_up()  # the text model's one-off export, not at upload
    except PostlensError as error:
        raise _fail(error) from error
    typer.echo(f"simulated community ready: {len(keys)} users, {len(model.item_ids_)} posts; "
               f"API keys in {settings.home / 'demo-keys.json'}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    demo_login: Annotated[bool, typer.Option("--demo", help="Allow signing in as demo users."
                                             )] = False,
) -> None:
    """Run the web app and REST API (OpenAPI docs at /docs)."""
    import uvicorn
    from threadpoolctl import threadpool_limits

    from postlens.service.app import create_app

    threadpool_limits(1, "blas")  # one BLAS thread per request; requests run in parallel
    settings = _settings()
    settings = settings.model_copy(update={"demo_login": demo_login or settings.demo_login})
    console.print(f"postlens on http://{host}:{port}  (API docs: /docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning",
                limit_concurrency=256, timeout_keep_alive=5)


# Registered for their @app.command side effects; kept in their own module for size.
import postlens.cli_interests  # noqa: E402, F401


def main() -> None:  # pragma: no cover - the console script entry point
    logging.basicConfig(level=logging.WARNING)
    app()
