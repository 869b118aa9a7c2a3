"""``evaluate recommend``, ``interests`` and ``provenance``: offline evaluation on real data."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Annotated

import typer

from postlens.cli.common import (
    JsonOption,
    TaxonomyOption,
    build_core,
    console,
    echo_json,
    reported_errors,
)
from postlens.errors import InvalidInput

WriteOption = Annotated[Path | None, typer.Option(help="Markdown file to update.")]


def evaluate_recommend(
    dataset: Annotated[Path, typer.Option(help="A MovieLens folder with posters/.")],
    protocol: Annotated[str, typer.Option(
        help="temporal (each user's latest 20%), random (each rating with probability "
             "0.2) or item-cold (15% of the items held out with all their ratings).")
                        ] = "temporal",
    seed: Annotated[int, typer.Option(min=0, help="Split seed (random and item-cold).")] = 0,
    cornac: Annotated[bool, typer.Option(help="Also run Cornac's BPR, tuned.")] = True,
    as_json: JsonOption = False,
    write: WriteOption = Path("docs/evaluation.md"),
) -> None:
    """NDCG/R/MAP@10, cold-start recall, coverage and popularity bias against baselines, with
    paired bootstrap intervals of the hybrid against each."""
    from postlens.evaluation.recommend import (
        HEADER,
        comparison_table,
        evaluate,
        make_split,
        markdown_table,
        report,
        table_rows,
    )
    from postlens.evaluation.recommend_baselines import trainers_for
    from postlens.evaluation.report import write_section
    from postlens.models import text_encoding
    from postlens.recommend.training import training_data

    core = build_core()
    with reported_errors():
        core.ingest("movielens", dataset)
        data = training_data(core.db, "movielens", text_encoding(core.models))
        split = make_split(data, protocol, seed)
    if cornac and importlib.util.find_spec("cornac") is None:
        console.print("[yellow]cornac is not installed (pip install -e .[bench]); "
                      "skipping its baselines[/yellow]")
        cornac = False
    results = evaluate(split, trainers_for(protocol, cornac))
    body = report(split, results)
    users = body["users"]
    table = markdown_table(results) + "\n\n" + comparison_table(body["hybrid_vs"])
    if as_json:
        echo_json(body, indent=None)
    else:
        typer.echo(table)
    target = core.evaluation_path("recommend")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({
        "description": f"MovieLens posters, {protocol} protocol (seed {seed}), "
                       f"{body['ratings']} ratings, {users} test users.",
        "header": HEADER, "rows": table_rows(results), "report": body}, indent=2))
    if write is not None:
        key = "recommend" if protocol == "temporal" else f"recommend-{protocol}"
        write_section(write, key, f"Recommendations: MovieLens posters, {protocol} protocol"
                      + ("" if protocol == "temporal" else f", seed {seed}"),
                      f"{body['ratings']} ratings, {users} test users with a rating >= 4 "
                      "in the test part.\n\n" + table)


def evaluate_interests(
    data: Annotated[Path, typer.Option(help="The folder holding the shared data sets.")] = Path(
        "../shared/data"),
    only: Annotated[list[str] | None, typer.Option(
        help="reddit, instagram, tweets or movielens (repeatable); default: all four.")
                    ] = None,
    labelled_texts: Annotated[Path | None, typer.Option(
        "--labelled-texts", help="Instead: score the model in use on a CSV of labelled texts "
                                 "(title or text, interest).")] = None,
    taxonomy: TaxonomyOption = "curlie-36",
    as_json: JsonOption = False,
    write: WriteOption = Path("docs/evaluation.md"),
) -> None:
    """Interests on unseen subreddits and synthetic users (reddit-interests), seed 003
    (Instagram accounts, tweets) and seed 002 (MovieLens posters) protocols."""
    from postlens.evaluation.interest_runs import RUNS, run_reddit
    from postlens.evaluation.report import write_section

    core = build_core()
    if labelled_texts is not None:
        from postlens.evaluation.text_interests import evaluate_labelled_texts
        from postlens.interests.corpus import read_labelled_texts

        with reported_errors():
            model = core.interests.model(taxonomy)
            numbers = evaluate_labelled_texts(
                model, read_labelled_texts(labelled_texts, model.taxonomy))
        if as_json:
            echo_json(numbers, indent=None)
        else:
            typer.echo(f"{numbers['n']} texts: top-1 {numbers['top1']:.3f}, top-5 "
                       f"{numbers['top5']:.3f}, macro-F1 {numbers['macro_f1']:.3f}")
        return
    every = ["reddit", *RUNS]
    for name in only or every:
        with reported_errors():
            if name not in every:
                raise InvalidInput(f"unknown evaluation {name!r}; one of {', '.join(every)}")
            if name == "reddit":
                if not (data / "reddit-interests" / "posts.csv").is_file():
                    console.print(f"[yellow]{data / 'reddit-interests'} is missing; skipping "
                                  "reddit[/yellow]")
                    continue
                title, body, numbers = run_reddit(data, core.interests.space)
                target = core.evaluation_path("interests-reddit")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(json.dumps(numbers, indent=2))
            else:
                folder, format_name, run = RUNS[name]
                if not (data / folder).is_dir():
                    console.print(f"[yellow]{data / folder} is missing; skipping "
                                  f"{name}[/yellow]")
                    continue
                core.ingest(format_name, data / folder)
                title, body = run(core.db, core.interests.space)
        typer.echo(f"## {title}\n\n{body}\n")
        if write is not None:
            write_section(write, f"interests-{name}", title, body)


def evaluate_provenance(
    data: Annotated[Path, typer.Option(help="The folder holding the shared data sets.")] = Path(
        "../shared/data"),
    per_pipeline: Annotated[int, typer.Option(min=5, max=2000,
                                              help="Simulated files per pipeline.")] = 120,
    folds: Annotated[int, typer.Option(min=2, max=20, help="Grouped folds.")] = 5,
    write: WriteOption = Path("docs/evaluation.md"),
) -> None:
    """Source platform on real downloads, folds grouped by account and event, baselines."""
    from postlens.evaluation.provenance import evaluate, report
    from postlens.evaluation.report import write_section
    from postlens.provenance.data import real_pictures
    from postlens.provenance.training import real_set, simulated_set

    core = build_core()
    with reported_errors():
        real = real_set(real_pictures(data))
        if len(set(real.groups)) < 2:
            raise InvalidInput(f"{data} holds too few labelled real pictures "
                               "(instagram-accounts/, tweets-with-images/)")
        simulated = simulated_set(data, per_pipeline)
        body, numbers = report(evaluate(real, simulated, folds), real, simulated)
    typer.echo(body)
    target = core.evaluation_path("provenance")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(numbers, indent=2))
    if write is not None:
        write_section(write, "provenance", "Source platform: real downloads, grouped folds",
                      body)


def evaluate_faces(
    dataset: Annotated[Path, typer.Option(help="A folder in CelebA's format.")] = Path(
        "../shared/data/celeba-faces"),
    baseline: Annotated[bool, typer.Option(
        help="Also fit the linear-probe baseline (5-fold, on these faces).")] = True,
    as_json: Annotated[bool, typer.Option(
        "--json", help="One object keyed by CelebA attribute name.")] = False,
    write: WriteOption = None,
) -> None:
    """Face attributes (eyewear, hat, beard...) on faces the served heads never saw."""
    from postlens.analysis.registry import FACE_ATTRIBUTES, FACE_DETECTOR
    from postlens.evaluation.faces import evaluate_faces as run
    from postlens.evaluation.faces import faces_report
    from postlens.evaluation.report import write_section
    from postlens.faces.attributes import FaceAttributeModel
    from postlens.vision.efficientnet import EfficientNetLite0
    from postlens.vision.face_detector import CenterFaceDetector

    core = build_core()
    with reported_errors():
        detector = core.models.get_as(FACE_DETECTOR, CenterFaceDetector)
        heads = core.models.get_as(FACE_ATTRIBUTES, FaceAttributeModel)
        encoder = core.models.get_as(EfficientNetLite0.name, EfficientNetLite0) \
            if baseline else None
        result = run(dataset, detector, heads, encoder)
    if as_json:
        echo_json(result["attributes"])
        return
    body = faces_report(result)
    typer.echo(body)
    if write is not None:
        write_section(write, "faces", "Face attributes: CelebA faces not trained on", body)


def evaluate_likes(
    data: Annotated[Path, typer.Option(
        help="The shared data folder (instagram-accounts/ inside).")] = Path("../shared/data"),
    likes_folder: Annotated[list[Path] | None, typer.Option(
        help="Also run seed 001's protocol on these likes folders.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the folds and 80/20 splits.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="All numbers as JSON.")] = False,
    write: WriteOption = None,
) -> None:
    """Likes prediction: with history, for a new account and seed 001's 80/20, beside
    the account mean, followers-only, picture-only and caption-only baselines."""
    from postlens.evaluation.likes_report import evaluate_likes as run
    from postlens.evaluation.report import write_section

    core = build_core()
    with reported_errors():
        numbers, body = run(core.likes, data, likes_folder or [], seed)
    if as_json:
        echo_json(numbers)
        return
    typer.echo(body)
    if write is not None:
        write_section(write, "likes", "Likes prediction: instagram-accounts", body)


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Offline evaluation on real data sets.", no_args_is_help=True)
    group.command("recommend")(evaluate_recommend)
    group.command("interests")(evaluate_interests)
    group.command("provenance")(evaluate_provenance)
    group.command("faces")(evaluate_faces)
    group.command("likes")(evaluate_likes)
    app.add_typer(group, name="evaluate")
