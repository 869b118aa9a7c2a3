"""``products``, ``import-products``, ``ads`` and ``train-faces``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from postlens.analysis.picture import AnalysisFailure
from postlens.cli.common import JsonOption, build_core, console, echo_json, reported_errors
from postlens.cli.pictures import expand
from postlens.products.service import PRODUCT_TASKS


def products(
    paths: Annotated[list[Path], typer.Argument(
        help="Pictures, folders, or folders of folders.")],
    out: Annotated[Path | None, typer.Option(
        help="Write a copy of each picture titled with its top product (faces boxed), in the "
             "same folder structure.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Products per picture.")] = 3,
    caption: Annotated[str | None, typer.Option(help="A caption for every picture.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Recommend products for pictures from what is seen in them (faces, interests)."""
    from postlens.products.titled import titled_copy

    core = build_core()
    with reported_errors():
        analyzer = core.analyzer_for(PRODUCT_TASKS)
        if out is not None and out.exists() and not out.is_dir():
            from postlens.errors import InvalidInput

            raise InvalidInput(f"--out {out} is a file, not a folder")
    failed = 0
    roots = [p for p in paths if p.is_dir()]
    for result in analyzer.analyze_many(expand(paths)):
        body: dict[str, Any] = {"path": result.source}
        if isinstance(result, AnalysisFailure):
            body.update(result.to_dict())
            failed += 1
        else:
            with reported_errors():
                body.update(core.products.for_analysis(result, caption, k))
            if out is not None:
                target = titled_copy(Path(result.source), roots, out, result.data,
                                     body["faces"], body["products"])
                body["titled"] = str(target)
        if as_json:
            echo_json(body, indent=None)
        else:
            _print(body)
    sys.stdout.flush()
    if failed:
        raise typer.Exit(code=1)


def _print(body: dict[str, Any]) -> None:
    if "error" in body:
        console.print(f"[bold]{body['path']}[/bold]  [red]error:[/red] {body['error']}")
        return
    faces = body["faces"]
    typer.echo(f"{body['path']}: {len(faces)} face(s)")
    for item in body["products"]:
        typer.echo(f"  {item['score']:.2f}  {item['name']}  ({'; '.join(item['reasons'])})")
    if not body["products"]:
        typer.echo("  no product fits what this picture shows")


def import_products(
    path: Annotated[Path, typer.Argument(help="A .csv, .jsonl or .json catalogue, or the H&M "
                                              "sample folder (articles_sample.parquet).")],
    as_json: JsonOption = False,
) -> None:
    """Import a product catalogue (all rows checked first; any bad row stores nothing)."""
    core = build_core()
    with reported_errors():
        report = core.products.import_catalogue(path)
    body = {"added": report.added, "updated": report.updated, "source": report.source}
    if as_json:
        echo_json(body)
    else:
        typer.echo(f"{report.added} products added, {report.updated} updated ({report.source})")


def ads(
    user: Annotated[str, typer.Argument(help="User id or handle.")],
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Ads to show.")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Ads for a user from their interests and their pictures (logged as impressions)."""
    core = build_core()
    with reported_errors():
        body = core.ads.ads(core.user(user).id, k)
    if as_json:
        echo_json(body)
        return
    typer.echo(f"user {body['user_id']} (arm {body['arm']}):")
    for item in body["ads"]:
        typer.echo(f"  {item['score']:.2f}  {item['name']}  ({'; '.join(item['reasons'])})")


def train_faces(
    dataset: Annotated[Path, typer.Argument(help="A folder in CelebA's format.")],
    holdout: Annotated[float, typer.Option(
        min=0.0, max=0.9, help="Share of pictures kept out of training (by fingerprint).")
    ] = 0.0,
    first: Annotated[int | None, typer.Option(
        min=10, help="Train on the first N pictures listed only (CelebA splits by position).")
    ] = None,
    epochs: Annotated[int, typer.Option(min=1, max=100)] = 5,
    jittered: Annotated[int, typer.Option(
        min=0, max=8, help="Jittered copies of each face (shifted, scaled, turned, lit).")] = 2,
    members: Annotated[int, typer.Option(
        min=1, max=5, help="Ensemble members (tops trained with seeds 0, 1, ...; their logits "
                           "are averaged).")] = 2,
    calibration: Annotated[float, typer.Option(
        min=0.0, max=0.5, help="Share of the training faces (the last ones) that first "
                               "calibrates each head's probabilities (Platt scaling; training "
                               "takes twice as long); 0: uncalibrated.")] = 0.25,
    output: Annotated[Path | None, typer.Option(
        help="Where to write the weights (default: the model cache, preferred over the "
             "shipped heads).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fine-tune the face-attribute heads (hat, eyewear, beard...) on CelebA-format faces."""
    from postlens.analysis.registry import FACE_DETECTOR
    from postlens.faces.attributes import RETRAINED_NAME
    from postlens.faces.retrain import train_faces as train
    from postlens.vision.face_detector import CenterFaceDetector

    core = build_core()
    with reported_errors():
        detector = core.models.get_as(FACE_DETECTOR, CenterFaceDetector)
        summary = train(dataset, output or core.settings.model_dir / RETRAINED_NAME, detector,
                        holdout, epochs, first=first, jittered=jittered,
                        members=members, calibration=calibration)
    if as_json:
        echo_json(summary)
    else:
        calibrated = (f", calibrated on the last {summary['calibrated_on']}"
                      if summary["calibrated_on"] else ", not calibrated")
        typer.echo(f"trained {summary['members']} member(s) on {summary['faces']} faces "
                   f"({summary['held_out']} held out{calibrated}) in {summary['seconds']} s "
                   f"-> {summary['path']}")


def register(app: typer.Typer) -> None:
    app.command("products")(products)
    app.command("import-products")(import_products)
    app.command("ads")(ads)
    app.command("train-faces")(train_faces)
