"""A user's interest profile from per-post interest probabilities.

A modality's profile is a recency-weighted mean of the probabilities of the user's most
recent posts (default 20, as seed 003) and liked pictures (as seed 002): the newest post
weighs 1 and the weight halves every ``half_life`` posts, while a like counts with its
interaction weight relative to an own post. The fused profile pools the image profile and
the text profile log-linearly (their normalised product): fusing per user rather than
per post keeps a user's many caption-less or picture-less posts from drowning the other
modality's evidence. Confidences of a profile sum to 1; each interest lists the posts that
support it most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from postlens.interests.model import PostScores

DEFAULT_RECENT = 20
DEFAULT_HALF_LIFE = 10.0
SUPPORT = 3


# A post "shows" an interest when it is the post's most probable one; the weighted share of
# posts that show it tells a steady interest from one touched once.
CLEARLY_INTO = 0.3
SOME = 0.1


@dataclass(frozen=True)
class Interest:
    index: int
    score: float
    supporting: tuple[int, ...]  # indices into the aggregated posts, strongest first
    posts: int = 0  # posts whose most probable interest this is
    share: float = 0.0  # their recency-weighted share of the posts

    @property
    def level(self) -> str:
        if self.share >= CLEARLY_INTO:
            return "clearly into"
        return "some interest" if self.share >= SOME else "touched once"


def recency_weights(n: int, half_life: float = DEFAULT_HALF_LIFE) -> np.ndarray:
    """Weights for n posts ordered newest first."""
    return np.power(0.5, np.arange(n, dtype=np.float64) / max(half_life, 1e-9))


def weighted_mean(probabilities: np.ndarray, weights: np.ndarray | Sequence[float]
                  ) -> np.ndarray | None:
    """The weighted mean of (n, K) probabilities, skipping NaN rows; None if none is left."""
    p = np.asarray(probabilities, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    usable = ~np.isnan(p).any(axis=1) & (w > 0)
    if not usable.any():
        return None
    return np.asarray((p[usable] * w[usable, None]).sum(axis=0) / w[usable].sum())


def fuse_profiles(*profiles: np.ndarray | None) -> np.ndarray | None:
    """Normalised product of the available profiles (a product of experts: each view's
    evidence counts in full, so a flat, uninformative view leaves the other unchanged
    instead of halving its confidence as a geometric mean would)."""
    present = [p for p in profiles if p is not None]
    if not present:
        return None
    log = np.sum([np.log(np.maximum(p, 1e-12)) for p in present], axis=0)
    pooled = np.exp(log - log.max())
    return np.asarray(pooled / pooled.sum())


def profile_of(scores: PostScores, weights: np.ndarray | Sequence[float], view: str = "fused"
               ) -> np.ndarray | None:
    """A user's profile in one view ("image", "text" or "fused") from their posts' scores."""
    if view != "fused":
        return weighted_mean(scores.view(view), weights)
    return fuse_profiles(weighted_mean(scores.image, weights),
                         weighted_mean(scores.text, weights))


def top_interests(profile: np.ndarray, post_probabilities: np.ndarray,
                  weights: np.ndarray | Sequence[float], k: int = 5) -> list[Interest]:
    """The k strongest interests of a profile, each with the posts that support it most."""
    probabilities = np.nan_to_num(np.asarray(post_probabilities, dtype=np.float64))
    w = np.asarray(weights, dtype=np.float64)
    contributions = probabilities * w[:, None]
    usable = probabilities.sum(axis=1) > 0
    shown = np.where(usable, probabilities.argmax(axis=1), -1)
    total = max(float(w[usable].sum()), 1e-12)
    interests = []
    for index in np.argsort(-profile, kind="stable")[:k]:
        if profile[index] <= 0:  # no evidence at all (e.g. only stated interests): not listed
            break
        order = np.argsort(-contributions[:, index], kind="stable")[:SUPPORT]
        interests.append(Interest(int(index), float(profile[index]),
                                  tuple(int(j) for j in order if contributions[j, index] > 0),
                                  int((shown == index).sum()),
                                  float(w[shown == index].sum() / total)))
    return interests
