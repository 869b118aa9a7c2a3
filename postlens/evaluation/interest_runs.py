"""The three interest evaluations: run the protocol on a data set the caller has imported
(``RUNS`` names each one's folder and format), return a markdown section for
docs/evaluation.md."""

from __future__ import annotations

from collections.abc import Callable

from postlens.evaluation import interests, movie_profiles, topics
from postlens.evaluation.report import markdown
from postlens.interests.model import InterestModel
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import load_taxonomy
from postlens.store.db import Database

Run = Callable[[Database, TextSpace], tuple[str, str]]


def run_instagram(db: Database, space: TextSpace) -> tuple[str, str]:
    model = InterestModel(load_taxonomy("curlie-36"), space)
    with db.transaction() as session:
        accounts, skipped, features = interests.load_accounts(session, model)
    results = interests.evaluate_accounts(model, features, accounts)
    mapping = ", ".join(f"{k} -> {v}" for k, v in interests.PROFESSION_INTERESTS.items())
    label = interests.primary_labels(model, accounts, len(features.has_image))
    calibration = model.fit_calibration(features, label)
    body = (f"{len(accounts)} accounts, their {len(features.has_image)} most recent posts "
            f"(at most 20 each), curlie-36 taxonomy; leave one account out. Profession -> "
            f"interest mapping: {mapping}. Left out (no interest among the 36): "
            f"{'; '.join(skipped) or 'none'}.\n\n"
            + markdown(interests.HEADER, [r.row() for r in results])
            + "\n\nZero-shot calibration fitted on all accounts (the shipped defaults): "
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


# name -> (folder in the shared data, import format, protocol)
RUNS: dict[str, tuple[str, str, Run]] = {
    "instagram": ("instagram-accounts", "instaloader", run_instagram),
    "tweets": ("tweets-with-images", "tweets", run_tweets),
    "movielens": ("movielens-posters", "movielens", run_movielens),
}
