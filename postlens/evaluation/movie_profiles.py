"""Seed 002's protocol on MovieLens posters: interests from the pictures a user liked.

For every user, the liked movies are those rated >= 4. Ground truth: the user's five most
frequent genres among them (ties broken by the genres' overall frequency). Prediction: the
top five of the user's profile built from the posters of the same movies alone, averaged
with equal weights. Score: F1 = 2|A ∩ B| / (|A| + |B|) per user, averaged over users (seed
002 reports 0.43-0.46 for its tag-based ground truth on Flickr). The trained poster head
predicts each poster out of fold (5 folds over movies), so no poster is scored by a head
that saw it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import KFold
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.errors import InvalidInput
from postlens.interests.model import Calibration, Features, InterestModel
from postlens.interests.posts import load_posts
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import load_taxonomy
from postlens.store.schema import Interaction, Post

LIKED = 4.0
TOP = 5


@dataclass
class MovieData:
    model: InterestModel
    post_ids: list[int]
    genres: list[list[int]]  # genre indices per movie
    liked: dict[int, list[int]]  # user id -> row indices of liked movies
    posters: list  # PostContent per movie


def load_movies(session: Session, space: TextSpace) -> MovieData:
    model = InterestModel(load_taxonomy("movielens-genres"), space)
    names = {c.name: i for i, c in enumerate(model.taxonomy.categories)}
    movies = session.execute(select(Post.id, Post.extra).where(Post.source == "movielens")
                             .order_by(Post.id)).all()
    post_ids = [m[0] for m in movies]
    row_of = {post_id: row for row, post_id in enumerate(post_ids)}
    liked: dict[int, list[int]] = {}
    for user_id, post_id in session.execute(
            select(Interaction.user_id, Interaction.post_id)
            .where(Interaction.kind == "rating", Interaction.value >= LIKED,
                   Interaction.post_id.in_(post_ids))):
        liked.setdefault(user_id, []).append(row_of[post_id])
    posts = load_posts(session, post_ids, space.encoder, with_embedding=True)
    return MovieData(model, post_ids,
                     [[names[g] for g in (m[1] or {}).get("genres", []) if g in names]
                      for m in movies], liked, [p.content for p in posts])


def _top(counts: np.ndarray, order: np.ndarray) -> set[int]:
    """Top-5 indices by count, ties broken by ``order`` (a global ranking)."""
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    keys = sorted(range(len(counts)), key=lambda i: (-counts[i], rank[i]))
    return {i for i in keys[:TOP] if counts[i] > 0}


def _f1(truth: set[int], predicted: set[int]) -> float:
    return 2 * len(truth & predicted) / max(len(truth) + len(predicted), 1)


def evaluate_movie_profiles(data: MovieData, seed: int = 0) -> list[list[str]]:
    k = len(data.model.taxonomy)
    onehot = np.zeros((len(data.genres), k))
    for row, genres in enumerate(data.genres):
        onehot[row, genres] = 1.0
    all_liked = np.concatenate([rows for rows in data.liked.values()])
    global_counts = onehot[all_liked].sum(axis=0)
    global_order = np.argsort(-global_counts, kind="stable")
    features = data.model.features(data.posters)
    zero_shot = data.model.score(features).image
    head = _out_of_fold_head(data, features, onehot, seed)
    methods = {"prior: the 5 most liked genres overall": None,
               "zero-shot (ConSE labels -> genre descriptions)": zero_shot,
               "linear head on poster embeddings (out of fold)": head}
    rows = []
    for name, probabilities in methods.items():
        scores = []
        for movies in data.liked.values():
            truth = _top(onehot[movies].sum(axis=0), global_order)
            if probabilities is None:
                predicted = set(global_order[:TOP].tolist())
            else:
                profile = np.nanmean(probabilities[movies], axis=0)
                predicted = set(np.argsort(-profile, kind="stable")[:TOP].tolist())
            scores.append(_f1(truth, predicted))
        rows.append([name, f"{np.mean(scores):.3f}", f"{np.median(scores):.2f}",
                     str(len(scores))])
    return rows


def _out_of_fold_head(data: MovieData, features: Features, onehot: np.ndarray, seed: int
                      ) -> np.ndarray:
    """Genre probabilities of every poster from a head trained on the other folds' posters
    (one training row per (poster, genre) pair: a multi-genre movie teaches each genre)."""
    if features.image is None:
        raise InvalidInput("the poster-head protocol needs the posters' picture embeddings")
    zero_shot = data.model.calibration
    data.model.calibration = Calibration()
    out = np.full(onehot.shape, np.nan)
    for train, test in KFold(n_splits=5, shuffle=True, random_state=seed).split(onehot):
        rows, labels = np.nonzero(onehot[train])
        data.model.fit_head("image", features.image[train[rows]], labels, c=0.5)
        data.model.use_heads_alone()
        out[test] = data.model.score(features.rows(test)).image
    data.model.heads, data.model.calibration = {}, zero_shot
    return out


HEADER = ["method", "mean F1", "median F1", "users"]
