"""``train``, ``recommend``, ``similar``, ``feedback`` and ``abtest report``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from postlens.cli.common import CountOption, JsonOption, build_core, echo_json, reported_errors

ModelOption = Annotated[str, typer.Option(help="Which trained recommender.")]


def train(
    model: Annotated[str, typer.Option(help="popularity, als, bpr, content, visual-als, "
                                            "social or hybrid.")] = "hybrid",
    source: Annotated[str | None, typer.Option(help="Only this source's data.")] = None,
) -> None:
    """Fit a recommender on the database and save it in the model folder."""
    with reported_errors():
        fitted = build_core().train(model, source)
    typer.echo(f"trained {model}: {len(fitted.user_ids_)} users, {len(fitted.item_ids_)} posts")
    learned = getattr(fitted, "head_penalties_", None)
    if learned is None:  # only a model tuned on validation learns how to keep the budget
        return
    how = "the cap (no penalty won on validation)"
    if learned:
        how = ", ".join(f"a learned penalty of {p:g} at {b:.0%}"
                        for b, p in sorted(learned.items())) + " (the cap at other shares)"
    typer.echo(f"most-liked posts kept to their share by {how}")


def recommend(
    user: Annotated[str, typer.Argument(help="User id or handle, e.g. movielens:1.")],
    n: CountOption = 10, model: ModelOption = "hybrid", as_json: JsonOption = False,
) -> None:
    """Recommend posts to a user, with scores and explanations (logged like the feed's)."""
    core = build_core()
    with reported_errors():
        found = core.user(user)
        page = core.recommend(found.id, limit=n, model=model)
        captions = core.captions([i.post_id for i in page.items])
    items = [{"post_id": i.post_id, "score": round(i.score, 5), "explanation": i.explanation,
              "caption": captions.get(i.post_id), "recommendation_id": i.recommendation_id}
             for i in page.items]
    _print_items(items, as_json, {"user": found.handle, "arm": page.arm,
                                  "model_version": page.model_version})


def similar(
    post: Annotated[int, typer.Argument(help="Post id.")],
    n: CountOption = 10, model: ModelOption = "hybrid", as_json: JsonOption = False,
) -> None:
    """Posts most similar to a post."""
    core = build_core()
    with reported_errors():
        ids, scores = core.similar(post, n, model=model)
        captions = core.captions(ids)
    items = [{"post_id": i, "score": round(s, 5), "explanation": "similar picture",
              "caption": captions.get(i)} for i, s in zip(ids, scores, strict=True)]
    _print_items(items, as_json, {"post": post})


def feedback(
    user: Annotated[str, typer.Argument(help="User id or handle.")],
    post: Annotated[int, typer.Argument(help="Post id.")],
    kind: Annotated[str, typer.Argument(help="impression, click, like, dislike, share, save.")],
    recommendation: Annotated[int | None, typer.Option(help="The logged recommendation.")] = None,
) -> None:
    """Record a reaction; recommendations reflect it from the next request on."""
    core = build_core()
    with reported_errors():
        user_id = core.user(user).id
        weight = core.feedback(user_id, post, kind, recommendation)
    echo_json({"user_id": user_id, "post_id": post, "kind": kind, "weight": weight}, indent=None)


def abtest_report(
    experiment: Annotated[str, typer.Option(help="Experiment name.")] = "ranker",
    as_json: JsonOption = False,
) -> None:
    """Per-arm impressions, click-through and like rates with 95% CIs and p-values."""
    report = build_core().abtest_report(experiment)
    if as_json:
        echo_json(report)
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


def _print_items(items: list[dict[str, Any]], as_json: bool, header: dict[str, Any]) -> None:
    if as_json:
        echo_json({**header, "items": items})
        return
    table = Table("post", "score", "caption", "why")
    for item in items:
        table.add_row(str(item["post_id"]), f"{item['score']:.3f}",
                      (item["caption"] or "")[:50], item["explanation"])
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("recommend")(recommend)
    app.command("similar")(similar)
    app.command("feedback")(feedback)
    abtest = typer.Typer(help="A/B tests of recommender configurations.", no_args_is_help=True)
    abtest.command("report")(abtest_report)
    app.add_typer(abtest, name="abtest")

