"""Transfer learning for interests: linear heads on labelled posts, calibrated with them.

``fit_stacked`` trains an image and a text head (multinomial logistic regression on the
embeddings) and fits the calibration weights of every logit source (zero-shot and heads) on
out-of-fold logits from grouped folds, so a head's fit on its own training rows does not
inflate its weight. ``train_from_file`` does that for a CSV of labelled posts
(``post,category``) and saves the model where the service loads it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.errors import InvalidInput, MalformedRecord, TaxonomyError
from postlens.interests.model import Features, InterestModel, fit_calibration
from postlens.interests.posts import load_posts
from postlens.store.schema import Post

MIN_EXAMPLES = 10


def fit_heads(model: InterestModel, features: Features, rows: np.ndarray, label: np.ndarray,
              pictures: np.ndarray | None = None) -> None:
    """A head per modality whose rows hold two categories or more. ``pictures`` (one id per
    row) lets the image head see each picture once when many rows share it (retweets)."""
    model.heads = {}
    image_rows = rows
    if pictures is not None:
        _, first = np.unique(pictures[rows], return_index=True)
        image_rows = rows[np.sort(first)]
    for modality, x, present, use in (
            ("image", features.image, features.has_image, image_rows),
            ("text", features.text, features.has_text, rows)):
        use = use[present[use]]
        if x is not None and len(set(label[use].tolist())) >= 2:
            model.fit_head(modality, x[use], label[use])


def fit_stacked(model: InterestModel, features: Features, train: np.ndarray,
                label: np.ndarray, groups: np.ndarray, folds: int = 5,
                pictures: np.ndarray | None = None, balanced: bool = False) -> None:
    """Heads on the ``train`` rows and calibration weights from out-of-fold logits
    (``balanced``: every category weighs the same, for macro-averaged metrics)."""
    oof: dict[str, np.ndarray] = {}
    for inner_train, inner_test in _grouped_folds(folds, groups).split(train, groups=groups):
        fit_heads(model, features, train[inner_train], label, pictures)
        for name, logits in model.sources(features.rows(train[inner_test])).items():
            oof.setdefault(name, np.zeros((len(train), logits.shape[1])))[inner_test] = logits
    calibration = fit_calibration(oof, features.has_image[train], features.has_text[train],
                                  label[train], balanced)
    fit_heads(model, features, train, label, pictures)
    # A head that no fold could fit is absent from the calibration: it gets no weight.
    model.calibration = calibration


def _grouped_folds(folds: int, groups: np.ndarray) -> GroupKFold:
    """At most ``folds`` folds, fewer when there are fewer groups (authors) than that."""
    n_folds = min(folds, len(set(groups.tolist())))
    if n_folds < 2:
        raise InvalidInput("labelled posts from at least two groups (authors) are needed")
    return GroupKFold(n_splits=n_folds)


@dataclass
class TrainReport:
    examples: int
    categories: int
    heads: list[str]
    out_of_fold_accuracy: dict[str, float]
    path: Path


def read_labels(path: Path) -> list[tuple[str, str]]:
    """(post, category) pairs from a CSV with those two columns; a post is a database id or
    ``source:external_id``."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"post", "category"} <= set(reader.fieldnames):
                raise MalformedRecord("expected the columns post,category", source=f"{path}:1")
            pairs = []
            for line, row in enumerate(reader, start=2):
                post, category = (row.get("post") or "").strip(), (row.get("category") or
                                                                   "").strip()
                if not post or not category:
                    raise MalformedRecord("empty post or category", source=f"{path}:{line}")
                pairs.append((post, category))
    except (OSError, UnicodeDecodeError) as exc:
        raise MalformedRecord(f"cannot read: {exc}", source=str(path)) from None
    return pairs


def _post_id(session: Session, reference: str) -> int | None:
    if reference.isdigit():
        return session.scalar(select(Post.id).where(Post.id == int(reference)))
    source, _, external = reference.partition(":")
    return session.scalar(select(Post.id).where(Post.source == source,
                                                Post.external_id == external))


def train_from_file(session: Session, model: InterestModel, labels: Path, path: Path,
                    folds: int = 5) -> TrainReport:
    """Fit heads and calibration on labelled posts, report out-of-fold accuracy, save."""
    pairs = read_labels(labels)
    ids, y = [], []
    for reference, category in pairs:
        post_id = _post_id(session, reference)
        if post_id is None:
            raise InvalidInput(f"unknown post {reference!r}", source=str(labels))
        try:
            y.append(model.taxonomy.index(category))
        except TaxonomyError as error:
            raise InvalidInput(error.message, source=str(labels)) from None
        ids.append(post_id)
    if len(ids) < MIN_EXAMPLES:
        raise InvalidInput(f"{len(ids)} labelled posts; at least {MIN_EXAMPLES} are needed")
    posts = load_posts(session, ids, model.space.encoder, with_embedding=True)
    authors = dict(session.execute(select(Post.id, Post.author_id).where(Post.id.in_(ids))).all())
    features = model.features([p.content for p in posts])
    label = np.array(y)
    groups = np.array([authors.get(i) or -i for i in ids])  # no author: its own group
    rows = np.arange(len(ids))
    accuracy = _out_of_fold_accuracy(model, features, label, groups, folds)
    fit_stacked(model, features, rows, label, groups, folds)
    model.save(path)
    return TrainReport(len(ids), len(set(y)), sorted(model.heads), accuracy, path)


def _out_of_fold_accuracy(model: InterestModel, features: Features, label: np.ndarray,
                          groups: np.ndarray, folds: int) -> dict[str, float]:
    hits: dict[str, list[bool]] = {"image": [], "text": [], "fused": []}
    for train, test in _grouped_folds(folds, groups).split(label, groups=groups):
        fit_stacked(model, features, train, label, groups[train], folds)
        scores = model.score(features.rows(test))
        for view, found in hits.items():
            probabilities = scores.view(view)
            usable = ~np.isnan(probabilities).any(axis=1)
            found += list(probabilities[usable].argmax(axis=1) == label[test][usable])
    return {view: float(np.mean(found)) for view, found in hits.items() if found}
