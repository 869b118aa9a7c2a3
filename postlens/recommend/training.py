"""Fit recommenders on the store and keep the fitted ones in the model folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from postlens.config import Settings
from postlens.errors import NotFound
from postlens.recommend.base import Recommender
from postlens.recommend.data import Dataset, load_dataset, with_text_vectors
from postlens.recommend.publish import fetch, model_version, publish
from postlens.recommend.registry import load_recommender, recommender_class
from postlens.recommend.splits import temporal_split
from postlens.store.db import Database

VALIDATION_FRACTION = 0.1  # of each user's latest interactions, for models that tune


def model_path(settings: Settings, name: str) -> Path:
    return settings.model_dir / f"recommender-{name}.npz"


def fit_recommender(name: str, dataset: Dataset, **params: Any) -> Recommender:
    """Fit the model ``name`` on ``dataset``, handing it a temporal validation split (the
    latest 10% of each user's interactions) when it tunes on one."""
    model = recommender_class(name)(**params)
    if not model.tunes_on_validation:
        return model.fit(dataset)
    train, held_out = temporal_split(dataset.interactions, VALIDATION_FRACTION)
    return model.fit(dataset.with_interactions(train), dataset.with_interactions(held_out))


Encode = Callable[[Sequence[str]], np.ndarray]


def training_data(db: Database, source: str | None = None, encode: Encode | None = None
                  ) -> Dataset:
    """Everything in the store (or one source) a recommender learns from; with ``encode``
    (the text encoder), the items' descriptions as text vectors too, for cold start."""
    with db.reader() as session:
        dataset = load_dataset(session, source=source)
    return dataset if encode is None else with_text_vectors(dataset, encode)


def train(db: Database, settings: Settings, name: str = "hybrid", source: str | None = None,
          encode: Encode | None = None, **params: Any) -> Recommender:
    """Fit on everything in the store (or one source) and save the model atomically."""
    dataset = training_data(db, source, encode)
    if len(dataset.interactions) == 0 and dataset.features is None:
        raise NotFound("nothing to train on: ingest posts and interactions first")
    model = fit_recommender(name, dataset, **params)
    model.save(model_path(settings, name))
    publish(db, name, model_path(settings, name))  # every worker serves it from now on
    return model


def load_trained(settings: Settings, name: str = "hybrid", db: Database | None = None
                 ) -> Recommender:
    """The saved model ``name``; with ``db``, the published one (fetched when newer)."""
    path = model_path(settings, name)
    if db is not None:
        fetch(db, name, path)
    if not path.exists():
        raise NotFound(f"no trained {name} recommender: run `postlens train --model {name}`")
    return load_recommender(path)


__all__ = ["VALIDATION_FRACTION", "Encode", "fit_recommender", "load_trained", "model_path",
           "model_version", "train", "training_data"]
