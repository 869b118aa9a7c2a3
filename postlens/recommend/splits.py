"""Train/test splits of interactions: per-user temporal, random, and item-cold."""

from __future__ import annotations

import numpy as np

from postlens.recommend.data import Interactions


def temporal_split(interactions: Interactions, test_fraction: float = 0.2
                   ) -> tuple[Interactions, Interactions]:
    """The last ``test_fraction`` of each user's interactions by time (at least one, for users
    with two or more) form the test set; the rest the training set. Ties keep input order."""
    order = np.lexsort((np.arange(len(interactions)), interactions.times, interactions.user_ids))
    users = interactions.user_ids[order]
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]])
    counts = np.diff(np.r_[starts, len(users)])
    n_test = np.where(counts >= 2, np.maximum(1, np.round(counts * test_fraction)), 0)
    rank = np.arange(len(users)) - np.repeat(starts, counts)
    is_test = np.zeros(len(interactions), dtype=bool)
    is_test[order] = rank >= np.repeat(counts - n_test, counts)
    return interactions.subset(~is_test), interactions.subset(is_test)


def random_split(interactions: Interactions, test_fraction: float = 0.2, seed: int = 0
                 ) -> tuple[Interactions, Interactions]:
    """Each interaction goes to the test set with probability ``test_fraction``."""
    is_test = np.random.default_rng(seed).random(len(interactions)) < test_fraction
    return interactions.subset(~is_test), interactions.subset(is_test)


def item_cold_split(interactions: Interactions, catalogue: np.ndarray,
                    test_fraction: float = 0.15, seed: int = 0
                    ) -> tuple[Interactions, Interactions, np.ndarray]:
    """``test_fraction`` of the catalogue's items, drawn at random, with every interaction on
    them held out: (training, test, the held-out items)."""
    catalogue = np.unique(np.asarray(catalogue, dtype=np.int64))
    n_cold = max(1, round(len(catalogue) * test_fraction))
    cold = np.sort(np.random.default_rng(seed).choice(catalogue, n_cold, replace=False))
    is_test = np.isin(interactions.item_ids, cold)
    return interactions.subset(~is_test), interactions.subset(is_test), cold
