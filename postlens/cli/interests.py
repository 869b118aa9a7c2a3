"""``interests``, ``profile`` and ``train-interests``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from postlens.cli.common import (
    JsonOption,
    TaxonomyOption,
    build_core,
    echo_json,
    reported_errors,
)
from postlens.errors import InvalidInput

TopOption = Annotated[int, typer.Option("--top-k", min=1, max=100, help="How many interests.")]


def interests(
    target: Annotated[str, typer.Argument(help="A picture file, or a text (caption).")],
    caption: Annotated[str | None, typer.Option(help="A caption to go with the picture.")] = None,
    taxonomy: TaxonomyOption = "curlie-36", top_k: TopOption = 5, as_json: JsonOption = False,
) -> None:
    """Top interests of one picture and/or text: image, text and fused, with confidence."""
    from postlens.interests.model import PostContent

    core = build_core()
    path = Path(target)
    with reported_errors():
        if path.is_file():
            analysis = core.analyzer_for(["embedding", "labels"]).analyze_one(str(path), path)
            content = PostContent(caption=caption, labels=analysis.labels,
                                  embedding=analysis.embedding)
        else:
            content = PostContent(caption=" ".join(filter(None, [target, caption])))
        body = {"input": target, **core.interests.for_post(content, taxonomy, top_k)}
    if as_json:
        echo_json(body, indent=None)
        return
    out = Console()
    out.print(f"[bold]{body['input']}[/bold]  ({body['taxonomy']})")
    for view in ("fused", "image", "text"):
        if body[view]:
            ranked = ", ".join(f"{i['name']} {i['score']:.0%}" for i in body[view])
            out.print(f"  {view:>5}: {ranked}")


def profile(
    user: Annotated[str, typer.Argument(help="User id or handle, e.g. instagram:natgeo.")],
    taxonomy: TaxonomyOption = "curlie-36", top_k: TopOption = 5,
    recent: Annotated[int, typer.Option(min=1, max=500, help="Recent posts and likes used.")
                      ] = 20,
    as_json: JsonOption = False,
) -> None:
    """A user's top interests from their recent posts and likes, stored and kept fresh."""
    core = build_core()
    with reported_errors():
        body = core.profile(core.user(user).id, taxonomy, top_k, recent)
    if as_json:
        echo_json(body, indent=None)
        return
    out = Console()
    out.print(f"[bold]{body['handle']}[/bold]  {body['posts_used']} posts and likes, "
              f"{body['taxonomy']}")
    for interest in body["interests"]:
        out.print(f"  {interest['score']:6.1%}  {interest['name']:<14} ({_views(interest)}; "
                  f"posts {', '.join(map(str, interest['supporting_posts']))})")


def _views(interest: dict[str, Any]) -> str:
    return ", ".join(f"{view} {interest[f'{view}_score']:.0%}" for view in ("image", "text")
                     if interest[f"{view}_score"] is not None)


def train_interests(
    labels: Annotated[Path | None, typer.Argument(
        help="CSV with columns post,category (post: id or source:external_id).")] = None,
    texts: Annotated[Path | None, typer.Option(
        "--texts", help="Instead: a CSV of labelled texts (title or text, interest, optional "
                        "subreddit/group), e.g. reddit-interests/posts.csv; retrains the "
                        "shipped text sources.")] = None,
    output: Annotated[Path | None, typer.Option(
        help="With --texts: where to write them (default: the model folder).")] = None,
    distil: Annotated[bool, typer.Option(
        "--distil", help="Instead: teach the pictures of the store's captioned posts the "
                         "interests of their captions (an image head).")] = False,
    taxonomy: TaxonomyOption = "curlie-36",
    folds: Annotated[int, typer.Option(min=2, max=20, help="Grouped folds (by author).")] = 5,
) -> None:
    """Train image and text heads on labelled posts (transfer learning) and calibrate the
    fusion; the server and `postlens profile` use the saved model from then on. With
    --texts, retrain the text sources (centroids + head) on labelled titles instead."""
    from postlens.interests.training import train_from_file

    core = build_core()
    with reported_errors():
        if (labels is not None) + (texts is not None) + distil != 1:
            raise InvalidInput("give one of: a CSV of labelled posts, --texts CSV, --distil")
        service = core.interests
        model = service.model(taxonomy)
        if distil:
            from postlens.interests.distill import distil as distil_pictures

            with core.db.transaction() as session:
                result = distil_pictures(session, model, service.trained_path(model.taxonomy))
            service.reload()
            typer.echo(f"distilled caption interests onto {result.pictures} pictures of "
                       f"{result.authors} authors; out of fold (folds grouped by author), "
                       "agreement of picture-only interests with the hidden captions':")
            for name, numbers in result.methods.items():
                typer.echo(f"  {name:<10} top-1 {numbers['top1']:.1%}  top-5 "
                           f"{numbers['top5']:.1%}  cross-entropy "
                           f"{numbers['cross_entropy']:.3f}")
            typer.echo(f"pooling: {_pooling(result.weights)}; saved to {result.path}")
            return
        if texts is not None:
            from postlens.interests.corpus import read_labelled_texts
            from postlens.interests.pretrained import train_from_texts

            corpus = read_labelled_texts(texts, model.taxonomy)
            target = output or service.retrained_pretrained_path(model.taxonomy)
            about = train_from_texts(service.space, model.taxonomy, corpus, target, texts.name)
            service.reload()
            typer.echo(f"trained text sources on {about['texts']} texts from "
                       f"{about['communities']} communities ({len(about['interests'])} "
                       f"interests); pooling: {_pooling(about['weights'])}; saved to {target}")
            return
        assert labels is not None
        with core.db.transaction() as session:  # caches the captions' embeddings
            report = train_from_file(session, model, labels,
                                     service.trained_path(model.taxonomy), folds)
    accuracy = ", ".join(f"{view} {value:.1%}" for view, value in
                         report.out_of_fold_accuracy.items())
    typer.echo(f"trained {', '.join(report.heads) or 'no'} heads on {report.examples} posts "
               f"({report.categories} categories); out-of-fold accuracy: {accuracy}; "
               f"saved to {report.path}")


def _pooling(weights: dict[str, float]) -> str:
    return ", ".join(f"{name} x{weight:.3g}" for name, weight in weights.items())


def register(app: typer.Typer) -> None:
    app.command("interests")(interests)
    app.command("profile")(profile)
    app.command("train-interests")(train_interests)
