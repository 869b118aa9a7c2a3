"""Synthetic data with known answers: two taste communities and their pictures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from postlens.recommend.data import Dataset, Interactions, ItemFeatures
from postlens.store.db import Database
from postlens.store.schema import Interaction, Post, User

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


@dataclass
class StoredCommunity:
    users: dict[int, int]  # synthetic user -> database id
    posts: dict[int, int]  # synthetic item -> database post id


def store_community(db: Database) -> StoredCommunity:
    """The two communities as database rows (no pictures: collaborative signal only)."""
    with db.transaction() as session:
        users = {u: User(handle=f"t:{u}") for u in range(1, 41)}
        posts = {i: Post(source="t", external_id=str(i), caption=f"picture {i}")
                 for i in COMMUNITY_A + COMMUNITY_B}
        session.add_all([*users.values(), *posts.values()])
        session.flush()
        for u, user in users.items():
            for i in COMMUNITY_A if u <= 20 else COMMUNITY_B:
                if (u, i) != (1, HELD_OUT):
                    session.add(Interaction(user_id=user.id, post_id=posts[i].id, kind="like",
                                            weight=2.0, occurred_at=datetime.now(UTC)))
        return StoredCommunity({u: x.id for u, x in users.items()},
                               {i: p.id for i, p in posts.items()})
