"""Recommenders by name, for `postlens train --model NAME` and for loading saved models."""

from __future__ import annotations

from postlens.errors import InvalidInput
from postlens.recommend.base import Recommender


def recommender_classes() -> dict[str, type[Recommender]]:
    from postlens.recommend.collaborative import ALSRecommender, BPRRecommender
    from postlens.recommend.content import ContentRecommender
    from postlens.recommend.hybrid import HybridRecommender
    from postlens.recommend.popularity import PopularityRecommender
    from postlens.recommend.social import SocialRecommender
    from postlens.recommend.visual import VisualALSRecommender

    classes: list[type[Recommender]] = [PopularityRecommender, ALSRecommender, BPRRecommender,
                                        ContentRecommender, SocialRecommender, VisualALSRecommender,
                                        HybridRecommender]
    return {cls.name: cls for cls in classes}


def recommender_class(name: str) -> type[Recommender]:
    classes = recommender_classes()
    if name not in classes:
        raise InvalidInput(f"unknown recommender {name!r}; one of: {', '.join(classes)}")
    return classes[name]
