"""Synthetic data with known answers: two taste communities and their pictures."""

from __future__ import annotations

import numpy as np

from postlens.recommend.data import Dataset, Interactions, ItemFeatures

COMMUNITY_A = list(range(100, 120))
COMMUNITY_B = list(range(200, 220))
HELD_OUT = 105  # the one community-A picture user 1 has not seen
NEW_PICTURE = 999  # no interactions at all, looks like community A's pictures


def community_dataset(*, with_follows: bool = True) -> Dataset:
    rng = np.random.default_rng(7)
    users, items, times = [], [], []
    for user in range(1, 41):
        liked = COMMUNITY_A if user <= 20 else COMMUNITY_B
        for item in liked:
            if user == 1 and item == HELD_OUT:
                continue
            users.append(user)
            items.append(item)
            times.append(1_700_000_000 + len(times) * 60)
    interactions = Interactions(users, items, np.full(len(users), 2.0), times)
    dim = 32
    centre_a, centre_b = rng.standard_normal(dim), rng.standard_normal(dim)
    ids = [*COMMUNITY_A, *COMMUNITY_B, NEW_PICTURE]
    vectors = np.stack([(centre_a if i < 200 or i == NEW_PICTURE else centre_b)
                        + 0.3 * rng.standard_normal(dim) for i in ids]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    features = ItemFeatures(np.array(ids), vectors, {i: f"picture {i}" for i in ids})
    follows = {1: np.array([2, 3]), 21: np.array([22])} if with_follows else {}
    return Dataset(interactions, features, follows)
