"""The offline recommendation protocol on data with a known answer."""

from __future__ import annotations

import numpy as np

from postlens.evaluation.recommend import HEADER, evaluate, markdown_table, postlens_trainer
from postlens.recommend.data import Dataset, Interactions, ItemFeatures


def taste_world(seed: int = 3) -> Dataset:
    """60 users in two taste groups over 40 items; each user's latest likes are from their
    own group, and 4 items of group A are never interacted with (cold) but look like A."""
    rng = np.random.default_rng(seed)
    group_a, group_b, cold = list(range(1, 17)), list(range(21, 41)), [17, 18, 19, 20]
    users, items, times = [], [], []
    for user in range(1, 61):
        pool = group_a if user <= 30 else group_b
        for t, item in enumerate(rng.choice(pool, size=10, replace=False)):
            users.append(user)
            items.append(int(item))
            times.append(1_700_000_000 + user * 1000 + t)
    interactions = Interactions(users, items, np.full(len(users), 2.0), times)
    dim = 16
    centre_a, centre_b = rng.standard_normal(dim), rng.standard_normal(dim)
    ids = np.arange(1, 41)
    vectors = np.stack([(centre_a if i <= 20 else centre_b) + 0.2 * rng.standard_normal(dim)
                        for i in ids]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return Dataset(interactions, ItemFeatures(ids, vectors), all_item_ids=np.array(cold))


def test_personal_models_beat_popularity_and_only_content_reaches_cold_items() -> None:
    data = taste_world()
    trainers = {name: postlens_trainer(name, **params) for name, params in
                [("popularity", {}), ("als", {"factors": 8}), ("content", {})]}
    results = {r.name: r for r in evaluate(data, trainers)}
    assert results["als"].users == 60
    assert results["als"].ndcg > results["popularity"].ndcg
    assert results["content"].ndcg > results["popularity"].ndcg
    assert results["popularity"].cold_recall == 0.0 and results["als"].cold_recall == 0.0
    assert 0 < results["content"].coverage <= 1
    table = markdown_table(list(results.values()))
    assert table.splitlines()[0] == "| " + " | ".join(HEADER) + " |"
    assert len(table.splitlines()) == 2 + len(results)
