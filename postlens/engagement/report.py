"""The training report a creator reads, as seed 001 shows its loss curves: a learning curve
(error on held-out posts as the model sees more posts) and predicted-vs-actual likes, written
as PNG files beside a short ``report.md``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from postlens.engagement.features import LikesInput, log_likes
from postlens.engagement.model import MIN_POSTS, LikesModel, folds_within
from postlens.errors import InvalidInput

FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def held_out_predictions(train: list[LikesInput], test: list[LikesInput], coverage: float
                         ) -> tuple[LikesModel, np.ndarray, np.ndarray, np.ndarray]:
    """Fit on ``train``; predict ``test`` with each account's training posts as history."""
    model = LikesModel(coverage=coverage).fit(train)
    values, lows, highs = [], [], []
    for item in test:
        answer = model.predict([item], model.accounts_.get(item.account))[0]
        values.append(answer["log_likes"])
        lows.append(np.log1p(answer["low"]))
        highs.append(np.log1p(answer["high"]))
    return model, np.asarray(values), np.asarray(lows), np.asarray(highs)


def percent_errors(predicted_log: np.ndarray, actual_log: np.ndarray) -> np.ndarray:
    """|predicted - actual| / actual likes, in percent (the seed's measure)."""
    actual = np.expm1(actual_log)
    predicted = np.expm1(np.minimum(predicted_log, 40.0))
    return np.abs(predicted - actual) / np.maximum(actual, 1.0) * 100


def write_report(items: list[LikesInput], out: Path, coverage: float = 0.8,
                 seed: int = 0) -> dict[str, Any]:
    """Hold out a fifth of each account's posts, draw the curves, and say the numbers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    fold = folds_within([i.account for i in items], 5, seed)
    train = [i for i, f in zip(items, fold, strict=True) if f != 0]
    test = [i for i, f in zip(items, fold, strict=True) if f == 0 and any(
        t.account == i.account for t in train)]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(train))
    y_test = log_likes(test)
    curve = []
    for fraction in FRACTIONS:
        chosen = [train[i] for i in order[:max(MIN_POSTS, round(fraction * len(train)))]]
        try:
            model, predicted, _, _ = held_out_predictions(chosen, test, coverage)
        except InvalidInput:
            continue  # too few posts sharing an account at this size
        fitted = [model.predict([i], model.accounts_.get(i.account))[0]["log_likes"]
                  for i in chosen]
        curve.append({"posts": len(chosen),
                      "train_mae": float(np.mean(np.abs(np.asarray(fitted) - log_likes(chosen)))),
                      "held_out_mae": float(np.mean(np.abs(predicted - y_test)))})
    _, predicted, low, high = held_out_predictions(train, test, coverage)
    errors = percent_errors(predicted, y_test)
    summary = {
        "train_posts": len(train), "held_out_posts": len(test),
        "held_out_mae_log": round(float(np.mean(np.abs(predicted - y_test))), 4),
        "median_percent_error": round(float(np.median(errors)), 1),
        "percent_error_iqr": [round(float(v), 1) for v in np.percentile(errors, [25, 75])],
        "interval_coverage": round(float(np.mean((y_test >= low) & (y_test <= high))), 3),
        "learning_curve": curve}
    figure, axis = plt.subplots(figsize=(5, 3.5))
    axis.plot([c["posts"] for c in curve], [c["held_out_mae"] for c in curve], "o-",
              label="held-out posts")
    axis.plot([c["posts"] for c in curve], [c["train_mae"] for c in curve], "s--",
              label="training posts")
    axis.set(xlabel="training posts", ylabel="mean |error| of log1p(likes)",
             title="Learning curve")
    _save(figure, axis, out / "learning_curve.png")
    figure, axis = plt.subplots(figsize=(4.5, 4.5))
    axis.errorbar(y_test, predicted, yerr=[predicted - low, high - predicted], fmt="o",
                  alpha=0.6, label=f"{coverage:.0%} interval")
    bounds = [min(y_test.min(), predicted.min()), max(y_test.max(), predicted.max())]
    axis.plot(bounds, bounds, "k:", label="perfect")
    axis.set(xlabel="actual log1p(likes)", ylabel="predicted log1p(likes)",
             title="Held-out posts")
    _save(figure, axis, out / "predicted_vs_actual.png")
    (out / "report.md").write_text(_markdown(summary))
    return summary


def _markdown(summary: dict[str, Any]) -> str:
    lines = ["# Likes model: training report", "",
             f"Trained on {summary['train_posts']} posts; "
             f"{summary['held_out_posts']} held out (a fifth of each account's posts).", "",
             f"* mean |error| of log1p(likes) on held-out posts: {summary['held_out_mae_log']}",
             f"* error in % of the actual likes: median {summary['median_percent_error']}%, "
             f"quartiles {summary['percent_error_iqr'][0]}% - {summary['percent_error_iqr'][1]}%",
             f"* held-out likes inside their interval: {summary['interval_coverage']:.0%}", "",
             "| training posts | held-out MAE (log) |", "|---:|---:|"]
    lines += [f"| {c['posts']} | {c['held_out_mae']:.4f} |" for c in summary["learning_curve"]]
    lines += ["", "![learning curve](learning_curve.png)",
              "![predicted vs actual](predicted_vs_actual.png)", ""]
    return "\n".join(lines)


def _save(figure: Any, axis: Any, path: Path) -> None:
    """Legend, tight layout, a 110-dpi PNG, and the figure closed (pyplot keeps it open)."""
    import matplotlib.pyplot as plt

    axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
