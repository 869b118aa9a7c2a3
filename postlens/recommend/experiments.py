"""A/B experiments on the feed: which arm a user is in, and what each arm serves.

Users are assigned by a salted SHA-256 of (salt, experiment, user id), so the same user is
always in the same arm without storing anything, and a new salt reshuffles everyone. The
arms are ranking configurations served from the same trained model.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from postlens.errors import InvalidInput

# Arm name -> re-ranking options of Recommender.recommend. Both keep the 2% most-liked posts
# to half of the slots (max_popular; the cap, or the penalty the hybrid learned for that
# budget): on MovieLens that takes the 50 most-liked movies from 60-70% of all top-10 slots
# to under 50% for 1-3% of NDCG on most splits (docs/evaluation.md).
FEED_ARMS: dict[str, dict[str, float]] = {
    "hybrid": {"diversity": 0.0, "freshness": 0.0, "max_popular": 0.5},
    "hybrid-diverse": {"diversity": 0.3, "freshness": 0.5, "max_popular": 0.5},
}


@dataclass(frozen=True)
class Experiment:
    name: str
    arms: tuple[str, ...]  # the first is the control
    weights: tuple[float, ...] | None = None
    salt: str = "postlens"

    def __post_init__(self) -> None:
        if len(self.arms) < 2 or len(set(self.arms)) != len(self.arms):
            raise InvalidInput("an experiment needs two or more distinct arms")
        if self.weights is not None and (len(self.weights) != len(self.arms)
                                         or min(self.weights) < 0 or sum(self.weights) <= 0):
            raise InvalidInput("arm weights must be non-negative, one per arm")

    def assign(self, user_id: int) -> str:
        digest = hashlib.sha256(f"{self.salt}:{self.name}:{user_id}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") / 2**64
        weights = self.weights or (1.0,) * len(self.arms)
        total, cumulative = sum(weights), 0.0
        for arm, weight in zip(self.arms, weights, strict=True):
            cumulative += weight / total
            if point < cumulative:
                return arm
        return self.arms[-1]


