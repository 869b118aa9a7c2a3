"""The three interest evaluations end to end: import the data set (idempotently), run the
protocol, return a markdown section for docs/evaluation.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from postlens.analysis import Analyzer
from postlens.config import Settings
from postlens.evaluation import interests, movie_profiles, topics
from postlens.evaluation.report import markdown
from postlens.ingest import open_source
from postlens.ingest.pipeline import Ingestor
from postlens.interests.model import InterestModel
from postlens.interests.service import InterestService
from postlens.interests.taxonomy import load_taxonomy
from postlens.store.db import Database

Run = Callable[[Settings, Path], tuple[str, str]]


def _prepare(settings: Settings, format_name: str, path: Path) -> tuple[Database, InterestService]:
    db = Database.from_settings(settings)
    Ingestor(db, Analyzer.from_settings(settings)).ingest(open_source(format_name, path))
    return db, InterestService(settings)


def run_instagram(settings: Settings, path: Path) -> tuple[str, str]:
    db, service = _prepare(settings, "instaloader", path)
    model = InterestModel(load_taxonomy("curlie-36"), service.space)
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


def run_tweets(settings: Settings, path: Path) -> tuple[str, str]:
    db, service = _prepare(settings, "tweets", path)
    with db.transaction() as session:
        data = topics.load_topics(session, service.space)
    rows = topics.evaluate_topics(data, service.space)
    body = (f"{len(data.label)} tweets with a picture, {len(set(data.pictures.tolist()))} "
            f"distinct pictures, {len(data.taxonomy)} events "
            f"({', '.join(c.name for c in data.taxonomy.categories)}); events with fewer than "
            f"{topics.MIN_PICTURES} pictures left out ({data.dropped}). {topics.FOLDS}-fold "
            "StratifiedGroupKFold by picture; heads and fusion weights fitted inside each "
            "training fold.\n\n" + markdown(topics.HEADER, rows))
    return "Interests: topic classification on tweets-with-images (seed 003 Table 5)", body


def run_movielens(settings: Settings, path: Path) -> tuple[str, str]:
    db, service = _prepare(settings, "movielens", path)
    with db.transaction() as session:
        data = movie_profiles.load_movies(session, service.space)
    rows = movie_profiles.evaluate_movie_profiles(data)
    body = (f"{len(data.post_ids)} movies with posters, {len(data.liked)} users with a rating "
            ">= 4; movielens-genres taxonomy. Seed 002 reports mean F1 0.43-0.46 (tags vs "
            "ImageNet objects, BabelNet domains, 300 Flickr users).\n\n"
            + markdown(movie_profiles.HEADER, rows))
    return "Interests: seed 002 protocol on movielens-posters", body


RUNS: dict[str, tuple[str, Run]] = {
    "instagram": ("instagram-accounts", run_instagram),
    "tweets": ("tweets-with-images", run_tweets),
    "movielens": ("movielens-posters", run_movielens),
}
