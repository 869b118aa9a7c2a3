"""Interests of texts on communities never seen, and of synthetic users made of real posts.

Post level: folds grouped by community (subreddit), so every score is on communities the
trained sources never saw. Beside the label-frequency prior, three methods on the same folds:
zero-shot (prompt prototypes, temperature fitted on the training folds), trained (centroids,
logistic head and words, pooled) and combined (zero-shot + the three, pooled); pooling
weights come from inner grouped folds of the training part only (``pretrained.fit_pooling``,
as shipped).
Users: a synthetic user is 20 held-out posts drawn from 1-3 interests plus noise posts from
others; their profile
(``interests.aggregate``) should rank the true interests in its top 5.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import softmax
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from postlens.evaluation.report import expected_calibration_error
from postlens.interests.aggregate import profile_of, recency_weights
from postlens.interests.corpus import LabelledTexts
from postlens.interests.model import Features, InterestModel, PostScores, _pooled
from postlens.interests.pretrained import (
    caption_texts,
    embed_texts,
    fit_pooling,
    fit_sources,
    out_of_fold_logits,
    source_logits,
    zero_shot_logits,
)

PRIOR = "prior: training folds' interest frequencies"
TRAINED = "trained (centroids, head, words)"
METHODS = {"zero-shot": ("text:zero-shot",),
           TRAINED: ("text:centroid", "text:head", "text:words"),
           "combined": ("text:zero-shot", "text:centroid", "text:head", "text:words")}


def ranking_metrics(probabilities: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    order = np.argsort(-probabilities, axis=1, kind="stable")
    return {"n": len(labels), "top1": float(np.mean(order[:, 0] == labels)),
            "top5": float(np.mean((order[:, :5] == labels[:, None]).any(axis=1))),
            "macro_f1": float(f1_score(labels, order[:, 0], average="macro",
                                       labels=np.unique(labels)))}


@dataclass
class PostResults:
    labels: np.ndarray
    probabilities: dict[str, np.ndarray] = field(default_factory=dict)  # method -> (n, K)
    weights: list[dict[str, float]] = field(default_factory=list)  # combined, per fold


def evaluate_posts(x: np.ndarray, texts: np.ndarray, labels: np.ndarray, groups: np.ndarray,
                   prototypes: np.ndarray, folds: int = 5, inner_folds: int = 3
                   ) -> PostResults:
    """``x``: caption embeddings; ``texts``: the cleaned captions (``caption_texts``)."""
    k = len(prototypes)
    out = PostResults(labels, {m: np.zeros((len(labels), k)) for m in (PRIOR, *METHODS)})
    splitter = GroupKFold(n_splits=min(folds, len(np.unique(groups))))
    for train, test in splitter.split(x, groups=groups):
        oof = out_of_fold_logits(x[train], texts[train], labels[train], groups[train],
                                 prototypes, inner_folds)
        heads = fit_sources(x[train], texts[train], labels[train], groups[train], prototypes)
        frequencies = np.bincount(labels[train], minlength=k) / len(train)
        out.probabilities[PRIOR][test] = frequencies
        test_logits = {"text:zero-shot": zero_shot_logits(x[test], prototypes)}
        test_logits |= {name: source_logits(head, x[test], texts[test])
                        for name, head in heads.items()}
        for method, names in METHODS.items():
            weights = fit_pooling(oof, labels[train], names)
            out.probabilities[method][test] = softmax(_pooled(test_logits, weights), axis=1)
            if method == "combined":
                out.weights.append(weights)
    return out


def synthetic_users(probabilities: np.ndarray, labels: np.ndarray, n_users: int = 600,
                    posts: int = 20, noise: int = 5, seed: int = 0
                    ) -> list[tuple[list[int], list[int]]]:
    """(true interests, post rows) per user: ``posts`` posts spread over 1-3 interests,
    then ``noise`` posts of other interests, shuffled into one timeline."""
    rng = np.random.default_rng(seed)
    by_label = {int(c): np.flatnonzero(labels == c) for c in np.unique(labels)}
    interests = sorted(by_label)
    users = []
    for _ in range(n_users):
        truth = [int(c) for c in rng.choice(interests, size=rng.integers(1, 4), replace=False)]
        shares = rng.dirichlet(np.full(len(truth), 4.0))
        counts = np.maximum(1, np.round(shares * posts).astype(int))
        rows = [int(r) for c, n in zip(truth, counts, strict=True)
                for r in rng.choice(by_label[c], size=n, replace=False)]
        others = [c for c in interests if c not in truth]
        rows += [int(rng.choice(by_label[int(rng.choice(others))])) for _ in range(noise)]
        users.append((truth, [int(r) for r in rng.permutation(rows)]))
    return users


def user_recall(probabilities: np.ndarray, users: list[tuple[list[int], list[int]]], k: int = 5
                ) -> float:
    """Share of the users' true interests found in the top k of their profiles."""
    found = total = 0
    for truth, rows in users:
        p = probabilities[rows]
        weights = recency_weights(len(rows))
        profile = profile_of(PostScores(p, p, p), weights, "text")
        top = set() if profile is None else set(np.argsort(-profile, kind="stable")[:k].tolist())
        found += len(set(truth) & top)
        total += len(truth)
    return found / max(total, 1)


def report(results: PostResults, category_names: list[str], users: int = 600
           ) -> tuple[str, dict[str, Any]]:
    from postlens.evaluation.report import markdown

    labels = results.labels
    numbers: dict[str, Any] = {}
    rows = []
    synthetic = synthetic_users(results.probabilities["combined"], labels, users)
    for method, probabilities in results.probabilities.items():
        metrics = ranking_metrics(probabilities, labels)
        metrics["users_top5_recall"] = user_recall(probabilities, synthetic)
        numbers[method] = metrics
        rows.append([method, f"{metrics['top1']:.3f}", f"{metrics['top5']:.3f}",
                     f"{metrics['macro_f1']:.3f}", f"{metrics['users_top5_recall']:.1%}"])
    combined = results.probabilities["combined"]
    confidence = combined.max(axis=1)
    correct = combined.argmax(axis=1) == labels
    ece, table = expected_calibration_error(confidence.tolist(), correct.tolist())
    numbers["combined"]["ece"] = ece
    numbers["combined"]["pooling_weights"] = results.weights
    per_class = f1_score(labels, combined.argmax(axis=1), average=None,
                         labels=np.arange(len(category_names)), zero_division=0)
    present = np.bincount(labels, minlength=len(category_names)) > 0
    worst = sorted((float(f), category_names[i]) for i, f in enumerate(per_class)
                   if present[i])[:6]
    body = "\n".join([
        markdown(["method", "top-1", "top-5", "macro-F1",
                  f"synthetic users: true interests in top 5 ({users} users)"], rows), "",
        "Pooling weights of the combined method per fold (on inner grouped folds of the "
        "training part: ratios that rank best, one scale by likelihood): " + "; ".join(
            ", ".join(f"{n.split(':')[1]} {w:.2f}" for n, w in fold.items())
            for fold in results.weights) + ".", "",
        f"Calibration of the combined top-1 confidence on held-out communities: expected "
        f"calibration error {ece:.3f}.", "",
        markdown(["confidence", "posts", "mean confidence", "accuracy"],
                 [[b, str(n), f"{c:.2f}", f"{a:.2f}"] for b, n, c, a in table]), "",
        "Hardest interests (combined, F1): " + ", ".join(f"{name} {f:.2f}" for f, name in worst)
        + "."])
    return body, numbers


def evaluate_labelled_texts(model: InterestModel, corpus: LabelledTexts) -> dict[str, Any]:
    """The model as it is served (text view) on a labelled-text CSV: n, top1, top5, macro_f1."""
    x = embed_texts(model.space, corpus.texts)
    n = len(corpus)
    features = Features(np.zeros_like(x), x, np.zeros(n, dtype=bool),
                        np.linalg.norm(x, axis=1) > 0, None, list(caption_texts(corpus.texts)))
    probabilities = np.nan_to_num(model.score(features).text, nan=0.0)
    return ranking_metrics(probabilities, corpus.y)
