"""Recommenders by name, for `postlens train --model NAME`, and loading saved models."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from postlens.errors import InvalidInput, ModelError
from postlens.recommend.base import Recommender
from postlens.recommend.collaborative import ALSRecommender, BPRRecommender
from postlens.recommend.content import ContentRecommender
from postlens.recommend.hybrid import HybridRecommender
from postlens.recommend.popularity import PopularityRecommender
from postlens.recommend.social import SocialRecommender
from postlens.recommend.visual import VisualALSRecommender

CLASSES: tuple[type[Recommender], ...] = (
    PopularityRecommender, ALSRecommender, BPRRecommender, ContentRecommender,
    SocialRecommender, VisualALSRecommender, HybridRecommender)


def recommender_classes() -> dict[str, type[Recommender]]:
    return {cls.name: cls for cls in CLASSES}


def recommender_class(name: str) -> type[Recommender]:
    classes = recommender_classes()
    if name not in classes:
        raise InvalidInput(f"unknown recommender {name!r}; one of: {', '.join(classes)}")
    return classes[name]


def load_recommender(path: Path) -> Recommender:
    """A model saved with :meth:`Recommender.save` (``.npz``, no pickles)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            meta = json.loads(str(archive["meta"]))
            model = recommender_class(meta["name"])(**meta["params"])
            model.restore_from(archive)
    except (OSError, KeyError, ValueError) as exc:
        raise ModelError(f"cannot load the recommender in {path}: {exc}") from exc
    return model
