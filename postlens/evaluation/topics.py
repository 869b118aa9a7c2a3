"""Seed 003's Table 5 comparison on the MediaEval tweets: topic (event) classification from
the text only, the picture only and both.

Each tweet is one example, labelled with the event of its picture; events with fewer than
``MIN_PICTURES`` distinct pictures are left out. Folds keep every tweet of a picture together
(``StratifiedGroupKFold`` by picture), so a picture never appears in training and testing;
the heads and the fusion weights are fitted inside each training fold only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.evaluation.interests import VIEWS, fit_and_score
from postlens.interests.model import Features, InterestModel
from postlens.interests.posts import load_posts
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import Category, Taxonomy
from postlens.store.schema import Post

MIN_PICTURES = 5
FOLDS = 5


@dataclass
class TopicData:
    taxonomy: Taxonomy
    features: Features
    label: np.ndarray
    pictures: np.ndarray
    dropped: dict[str, int]  # event -> tweets left out


def load_topics(session: Session, space: TextSpace, source: str = "twitter",
                per_picture: int | None = None) -> TopicData:
    """Tweets with a picture; ``per_picture`` keeps only the first tweets of each picture."""
    rows = session.execute(select(Post.id, Post.picture_id, Post.extra)
                           .where(Post.source == source, Post.picture_id.is_not(None))
                           .order_by(Post.id)).all()
    if per_picture is not None:
        kept_rows, seen = [], Counter[int]()
        for row in rows:
            seen[row[1]] += 1
            if seen[row[1]] <= per_picture:
                kept_rows.append(row)
        rows = kept_rows
    pictures_per_event: dict[str, set[int]] = {}
    for _, picture, extra in rows:
        pictures_per_event.setdefault(str(extra.get("event")), set()).add(picture)
    events = sorted(e for e, p in pictures_per_event.items() if len(p) >= MIN_PICTURES)
    kept = [r for r in rows if str(r[2].get("event")) in events]
    dropped = Counter(str(r[2].get("event")) for r in rows if str(r[2].get("event")) not in events)
    taxonomy = Taxonomy(f"{source}-events", 1, tuple(
        Category(e.lower(), e, f"tweets about the {e} event", ()) for e in events))
    posts = load_posts(session, [r[0] for r in kept], space.encoder, with_embedding=True)
    model = InterestModel(taxonomy, space)
    return TopicData(taxonomy, model.features([p.content for p in posts]),
                     np.array([events.index(str(r[2]["event"])) for r in kept]),
                     np.array([r[1] for r in kept]), dict(dropped))


def evaluate_topics(data: TopicData, space: TextSpace, seed: int = 0) -> list[list[str]]:
    """Rows: method, accuracy, macro-F1 (out-of-fold predictions of every tweet)."""
    model = InterestModel(data.taxonomy, space)
    n = len(data.label)
    predicted = {name: np.zeros(n, dtype=int) for name in VIEWS}
    majority = np.zeros(n, dtype=int)
    folds = StratifiedGroupKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    for train, test in folds.split(np.zeros(n), data.label, groups=data.pictures):
        scores = fit_and_score(model, data.features, train, data.label,
                               groups=data.pictures[train], folds=3, pictures=data.pictures,
                               balanced=True)
        for name, view in VIEWS.items():
            predicted[name][test] = np.nan_to_num(scores.view(view)[test], nan=-1).argmax(1)
        majority[test] = Counter(data.label[train].tolist()).most_common(1)[0][0]
    rows = [["majority event", *_metrics(data.label, majority)]]
    rows += [[f"zero-shot + linear heads, {name}", *_metrics(data.label, p)]
             for name, p in predicted.items()]
    return rows


def _metrics(truth: np.ndarray, predicted: np.ndarray) -> list[str]:
    return [f"{accuracy_score(truth, predicted):.1%}",
            f"{f1_score(truth, predicted, average='macro'):.3f}"]


HEADER = ["method", "accuracy", "macro-F1"]
