"""``postlens batch analyze | train | load | export``: batch work on Spark (``local[*]`` by
default; a cluster with ``--master`` or POSTLENS_SPARK_MASTER)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from postlens.cli.common import build_core, console, echo_json, reported_errors

batch = typer.Typer(help="Batch analysis and training on Apache Spark.", no_args_is_help=True)


class Solver(StrEnum):  # postlens.batch.als.SOLVERS, not imported here: it loads implicit
    flat = "flat"
    mllib = "mllib"


MasterOption = Annotated[str | None, typer.Option(
    "--master", help="Spark master URL (default: the spark_master setting, local[*]).")]


@batch.command("analyze")
def analyze(
    manifest: Annotated[str, typer.Argument(
        help="CSV, JSONL or Parquet with a 'path' (or 'uri') column: local paths or s3://.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the Parquet output.")],
    master: MasterOption = None,
    tasks: Annotated[str | None, typer.Option(
        help="Comma-separated tasks; default: the analysis_tasks setting.")] = None,
    chunk: Annotated[int, typer.Option(
        min=1, help="Pictures committed together (a rerun resumes after the last).")] = 50_000,
) -> None:
    """Run the per-picture tasks over a manifest in Spark executors; resumable, bad pictures
    go to OUT/errors."""
    from postlens.batch.analyze import analyse_manifest
    from postlens.batch.session import spark_session

    core = build_core()
    with reported_errors():
        spark = spark_session(master or core.settings.spark_master, "postlens batch analyze")
        try:
            report = analyse_manifest(
                spark, manifest, out, core.settings,
                tasks=tasks.split(",") if tasks else None, chunk_rows=chunk,
                on_chunk=lambda r: console.print(f"{r.analysed} analysed, {r.errors} errors"))
        finally:
            spark.stop()
    echo_json({**report.__dict__, "pictures_per_second": round(report.pictures_per_second, 2),
               "analyses": str(out / "analyses"), "errors_table": str(out / "errors")})


@batch.command("train")
def train(
    interactions: Annotated[str, typer.Argument(
        help="Parquet (or CSV) with user_id, post_id[, weight, time, id].")],
    master: MasterOption = None,
    factors: Annotated[int, typer.Option(min=1, max=1024)] = 64,
    iterations: Annotated[int, typer.Option(min=1, max=200)] = 15,
    solver: Annotated[Solver, typer.Option(
        help="flat: the local `als` objective (implicit's flat ridge) run on Spark; mllib: "
             "Spark MLlib's ALS (ridge per rating).")] = Solver.flat,
    regularization: Annotated[float | None, typer.Option(
        min=0.0, help="Ridge; default: the solver's (10 flat, MLlib regParam 0.3).")] = None,
    alpha: Annotated[float | None, typer.Option(min=0.0)] = None,
    seed: Annotated[int, typer.Option(min=0)] = 0,
) -> None:
    """Fit ALS on Spark and save it as the `als` recommender `postlens serve` loads
    (POSTLENS_SERVED_MODEL=als serves it in the feed)."""
    from postlens.batch.session import spark_session
    from postlens.batch.train import train_als
    from postlens.recommend.training import model_path

    core = build_core()
    with reported_errors():
        spark = spark_session(master or core.settings.spark_master, "postlens batch train")
        try:
            model, seconds = train_als(
                spark, interactions, core.settings, core.db, factors=factors,
                iterations=iterations, regularization=regularization, alpha=alpha, seed=seed,
                solver=solver.value)
        finally:
            spark.stop()
    echo_json({"model": "als", "path": str(model_path(core.settings, "als")),
               "users": len(model.user_ids_), "posts": len(model.item_ids_),
               "solver": solver.value, "fit_seconds": round(seconds, 2),
               "watermark": model.watermark_})


@batch.command("load")
def load(
    out: Annotated[Path, typer.Argument(help="The --out folder of `postlens batch analyze`.")],
    commit_every: Annotated[int, typer.Option(min=1)] = 500,
) -> None:
    """Store batch analyses in the database and picture store, without re-running models."""
    from postlens.batch.load import load_batch

    core = build_core()
    key = core.settings.pseudonymise_key
    with reported_errors():
        report = load_batch(core.db, out, core.settings, commit_every=commit_every,
                            pseudonymise_key=key.get_secret_value() if key else None)
    echo_json(report.__dict__)


@batch.command("export")
def export(
    out: Annotated[Path, typer.Argument(help="Parquet file to write.")],
) -> None:
    """Write the store's interactions as Parquet for `postlens batch train`."""
    from postlens.batch.train import export_interactions

    core = build_core()
    with reported_errors():
        rows = export_interactions(core.db, out)
    echo_json({"interactions": rows, "path": str(out)})


def register(app: typer.Typer) -> None:
    app.add_typer(batch, name="batch")
