"""Pictures learn from captions: an image interest source distilled from the text model.

The teacher is the text model as served (zero-shot + the sources learned from Reddit titles):
its interests of the captions a picture was posted with are the soft targets of a softmax
regression on the picture's image embedding (Hinton et al., "Distilling the Knowledge in a
Neural Network", 2015), so a picture without a caption gets interests learned from how people
captioned similar pictures. It trains on the captioned pictures of a deployment's own store
(``postlens train-interests --distil``): the shared data's only varied captioned pictures are
the Instagram accounts the shipped model is evaluated on, and the MovieLens posters (89%
"Movie" by their titles) teach nothing but "a poster is a movie".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.errors import InvalidInput
from postlens.interests.model import (
    DEFAULT_WEIGHTS,
    InterestModel,
    LinearHead,
    PostContent,
    fit_weights,
)
from postlens.interests.posts import load_posts
from postlens.store.schema import Post

MIN_PICTURES = 20

L2 = 1e-4  # per picture, on the head's weights


@dataclass
class CaptionedPictures:
    """One row per picture: its embedding, ConSE logits, the caption teacher's interests."""

    x: np.ndarray  # (n, d) image embeddings
    conse: np.ndarray  # (n, K) zero-shot picture logits (unweighted)
    teacher: np.ndarray  # (n, K) mean text-view probabilities of the picture's captions
    groups: np.ndarray  # an author per picture: folds never split one


def captioned_pictures(session: Session, model: InterestModel) -> CaptionedPictures:
    """Every stored picture that has an embedding and at least one captioned post."""
    rows = session.execute(select(Post.id, Post.picture_id, Post.author_id)
                           .where(Post.caption.is_not(None), Post.caption != "",
                                  Post.picture_id.is_not(None))
                           .order_by(Post.id)).all()
    posts = {p.id: p.content for p in load_posts(session, [r[0] for r in rows],
                                                 model.space.encoder, with_embedding=True)}
    by_picture: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for post_id, picture_id, author_id in rows:
        content = posts.get(post_id)
        if (picture_id is not None and content is not None and content.embedding is not None
                and content.labels):
            by_picture[picture_id].append((post_id, author_id))
    pictures = sorted(by_picture)
    first = [posts[by_picture[p][0][0]] for p in pictures]
    features = model.features(first)
    flat = [post_id for p in pictures for post_id, _ in by_picture[p]]
    text = np.nan_to_num(model.score_posts([PostContent(caption=posts[i].caption,
                                                        text_vector=posts[i].text_vector)
                                            for i in flat]).text)
    teacher = np.zeros((len(pictures), len(model.taxonomy)))
    row = 0
    for index, picture in enumerate(pictures):  # every picture has one post or more
        teacher[index] = text[row:row + len(by_picture[picture])].mean(axis=0)
        row += len(by_picture[picture])
    keep = teacher.sum(axis=1) > 0
    groups = np.array([min((a or -p) for _, a in by_picture[p]) for p in pictures])
    prototypes = model.space.prototypes(model.taxonomy)
    x = features.image if features.image is not None else np.zeros((len(pictures), 0))
    return CaptionedPictures(x[keep].astype(np.float64),
                             np.asarray(features.conse @ prototypes.T, np.float64)[keep],
                             teacher[keep] / teacher[keep].sum(axis=1, keepdims=True),
                             groups[keep])


def agreement(probabilities: np.ndarray, teacher: np.ndarray) -> dict[str, float]:
    """How well picture-only interests match the hidden captions' (the teacher's top one)."""
    reference = teacher.argmax(axis=1)
    order = np.argsort(-probabilities, axis=1, kind="stable")
    return {"top1": float(np.mean(order[:, 0] == reference)),
            "top5": float(np.mean((order[:, :5] == reference[:, None]).any(axis=1))),
            "cross_entropy": float(-(teacher * np.log(np.maximum(probabilities, 1e-12)))
                                   .sum(axis=1).mean())}


def evaluate_distillation(data: CaptionedPictures, zero_shot_weight: float, folds: int = 5
                          ) -> tuple[dict[str, dict[str, float]], dict[str, np.ndarray]]:
    """Out-of-fold picture-only interests (folds grouped by author) of ConSE zero-shot, the
    training folds' mean caption interests (a prior) and the distilled head."""
    from sklearn.model_selection import GroupKFold

    k = data.teacher.shape[1]
    out = {name: np.zeros((len(data.x), k)) for name in ("zero-shot", "prior", "distilled")}
    logits = np.zeros((len(data.x), k))
    n_folds = min(folds, len(np.unique(data.groups)))
    if n_folds < 2:
        raise InvalidInput("captioned pictures from at least two authors are needed")
    for train, test in GroupKFold(n_splits=n_folds).split(data.x, groups=data.groups):
        head = fit_student(data.x[train], data.teacher[train])
        logits[test] = head.logits(data.x[test])
        out["distilled"][test] = softmax(logits[test], axis=1)
        out["prior"][test] = data.teacher[train].mean(axis=0)
    out["zero-shot"] = softmax(zero_shot_weight * data.conse, axis=1)
    return {name: agreement(p, data.teacher) for name, p in out.items()}, {
        "image:zero-shot": data.conse, "image:head": logits}


@dataclass
class DistilReport:
    pictures: int
    authors: int
    methods: dict[str, dict[str, float]]
    weights: dict[str, float]
    path: Path


def distil(session: Session, model: InterestModel, path: Path, folds: int = 5
           ) -> DistilReport:
    """Train the image head on the store's captioned pictures, report the out-of-fold
    comparison, pool it with zero-shot by NLL on those out-of-fold logits, and save."""
    data = captioned_pictures(session, model)
    if len(data.x) < MIN_PICTURES:
        raise InvalidInput(f"{len(data.x)} captioned pictures with an analysis; at least "
                           f"{MIN_PICTURES} are needed")
    zero_shot = model.calibration.weights["image"].get(
        "image:zero-shot", DEFAULT_WEIGHTS["image"]["image:zero-shot"])
    methods, oof = evaluate_distillation(data, zero_shot, folds)
    weights = fit_weights(oof, data.teacher.argmax(axis=1),
                          {"image:zero-shot": zero_shot, "image:head": 1.0})
    model.heads["image"] = fit_student(data.x, data.teacher)
    model.calibration.weights["image"] = weights
    model.save(path)
    return DistilReport(len(data.x), len(np.unique(data.groups)), methods, weights, path)


def fit_student(x: np.ndarray, targets: np.ndarray, l2: float = L2) -> LinearHead:
    """Softmax regression on soft targets: minimises the cross-entropy to ``targets`` plus
    ``l2`` times the squared weights (convex; L-BFGS)."""
    n, d = x.shape
    k = targets.shape[1]

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = flat[:k * d].reshape(k, d), flat[k * d:]
        log_p = log_softmax(x @ w.T + b, axis=1)
        loss = -(targets * log_p).sum() / n + l2 * (w * w).sum()
        residual = (np.exp(log_p) - targets) / n
        grad = np.concatenate([(residual.T @ x + 2 * l2 * w).ravel(), residual.sum(axis=0)])
        return float(loss), grad

    fitted = minimize(objective, np.zeros(k * d + k), jac=True, method="L-BFGS-B",
                      options={"maxiter": 500}).x
    return LinearHead(fitted[:k * d].reshape(k, d), fitted[k * d:])

