"""The three interest evaluations: run the protocol on a data set the caller has imported
(``RUNS`` names each one's folder and format), return a markdown section for
docs/evaluation.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from postlens.evaluation import interests, movie_profiles, topics
from postlens.evaluation.report import markdown
from postlens.interests.model import DEFAULT_WEIGHTS, InterestModel
from postlens.interests.service import shipped_model
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import load_taxonomy
from postlens.store.db import Database

Run = Callable[[Database, TextSpace], tuple[str, str]]


def run_instagram(db: Database, space: TextSpace) -> tuple[str, str]:
    model = InterestModel(load_taxonomy("curlie-36"), space)
    with db.transaction() as session:
        accounts, skipped, features = interests.load_accounts(session, model)
    results = interests.evaluate_accounts(model, features, accounts, shipped_model(space))
    mapping = ", ".join(f"{k} -> {v}" for k, v in interests.PROFESSION_INTERESTS.items())
    label = interests.primary_labels(model, accounts, len(features.has_image))
    calibration = model.fit_calibration(features, label)
    body = (f"{len(accounts)} accounts, their {len(features.has_image)} most recent posts "
            f"(at most 20 each), curlie-36 taxonomy; leave one account out. Profession -> "
            f"interest mapping: {mapping}. Left out (no interest among the 36): "
            f"{'; '.join(skipped) or 'none'}.\n\n"
            + markdown(interests.HEADER, [r.row() for r in results])
            + "\n\nZero-shot-only calibration fitted on all accounts (postlens ships its picture "
            "weights; its text weights come from held-out Reddit communities): "
            + "; ".join(f"{view}: " + ", ".join(f"{s} x{w:.3g}" for s, w in ws.items())
                        for view, ws in calibration.weights.items()) + ".")
    return "Interests: seed 003 protocol on instagram-accounts", body


def run_tweets(db: Database, space: TextSpace) -> tuple[str, str]:
    with db.transaction() as session:
        data = topics.load_topics(session, space)
    rows = topics.evaluate_topics(data, space)
    body = (f"{len(data.label)} tweets with a picture, {len(set(data.pictures.tolist()))} "
            f"distinct pictures, {len(data.taxonomy)} events "
            f"({', '.join(c.name for c in data.taxonomy.categories)}); events with fewer than "
            f"{topics.MIN_PICTURES} pictures left out ({data.dropped}). {topics.FOLDS}-fold "
            "StratifiedGroupKFold by picture; heads and fusion weights fitted inside each "
            "training fold.\n\n" + markdown(topics.HEADER, rows))
    return "Interests: topic classification on tweets-with-images (seed 003 Table 5)", body


def run_movielens(db: Database, space: TextSpace) -> tuple[str, str]:
    with db.transaction() as session:
        data = movie_profiles.load_movies(session, space)
    rows = movie_profiles.evaluate_movie_profiles(data)
    body = (f"{len(data.post_ids)} movies with posters, {len(data.liked)} users with a rating "
            ">= 4; movielens-genres taxonomy. Seed 002 reports mean F1 0.43-0.46 (tags vs "
            "ImageNet objects, BabelNet domains, 300 Flickr users).\n\n"
            + markdown(movie_profiles.HEADER, rows))
    return "Interests: seed 002 protocol on movielens-posters", body


def run_reddit(data_dir: Path, space: TextSpace) -> tuple[str, str, dict[str, Any]]:
    """Post level and synthetic users on reddit-interests, folds grouped by subreddit."""
    from postlens.evaluation import text_interests
    from postlens.interests.corpus import read_labelled_texts
    from postlens.interests.pretrained import caption_texts, embed_texts

    taxonomy = load_taxonomy("curlie-36")
    corpus = read_labelled_texts(data_dir / "reddit-interests" / "posts.csv", taxonomy)
    x = embed_texts(space, corpus.texts).astype(np.float64)
    prototypes = space.prototypes(taxonomy).astype(np.float64)
    results = text_interests.evaluate_posts(x, caption_texts(corpus.texts), corpus.y,
                                            corpus.group_array, prototypes)
    body, numbers = text_interests.report(results, [c.name for c in taxonomy.categories])
    intro = (f"{len(corpus)} post titles from {len(set(corpus.groups))} subreddits, "
             f"{len(set(corpus.labels))} interests (curlie-36); 5 folds grouped by subreddit, "
             "so every score is on communities the trained sources never saw. Targets: top-1 "
             ">= 0.58, top-5 >= 0.86, synthetic users >= 90%.\n\n")
    return ("Interests: post titles of unseen subreddits (reddit-interests)", intro + body,
            numbers)


def run_pictures(db: Database, space: TextSpace) -> tuple[str, str]:
    """Captions hidden: picture-only interests against the captions' (distillation)."""
    from postlens.interests.distill import captioned_pictures, evaluate_distillation

    model = shipped_model(space)
    with db.transaction() as session:
        data = captioned_pictures(session, model)
    methods, _ = evaluate_distillation(
        data, model.calibration.weights["image"].get(
            "image:zero-shot", DEFAULT_WEIGHTS["image"]["image:zero-shot"]))
    rows = [[name, f"{m['top1']:.1%}", f"{m['top5']:.1%}", f"{m['cross_entropy']:.3f}"]
            for name, m in methods.items()]
    body = (f"{len(data.x)} captioned pictures of {len(np.unique(data.groups))} Instagram "
            "accounts; 5 folds grouped by account. The caption is hidden: each method sees "
            "the picture only and is scored against the shipped text model's interests of the "
            "hidden caption (top-1: same top interest; top-5: the caption's top interest in "
            "the picture's top 5; cross-entropy to the caption's distribution).\n\n"
            + markdown(["picture-only method", "top-1", "top-5", "cross-entropy"], rows))
    return "Interests: pictures learn from captions (instagram-accounts)", body


# name -> (folder in the shared data, import format, protocol)
RUNS: dict[str, tuple[str, str, Run]] = {
    "instagram": ("instagram-accounts", "instaloader", run_instagram),
    "tweets": ("tweets-with-images", "tweets", run_tweets),
    "movielens": ("movielens-posters", "movielens", run_movielens),
    "pictures": ("instagram-accounts", "instaloader", run_pictures),
}
