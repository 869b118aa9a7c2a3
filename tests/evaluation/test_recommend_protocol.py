"""The offline recommendation protocols on data with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from postlens.errors import InvalidInput
from postlens.evaluation.recommend import (
    HEADER,
    comparisons,
    evaluate,
    make_split,
    markdown_table,
    paired_ratio,
    report,
)
from postlens.evaluation.recommend_baselines import fixed_order, postlens_trainer
from postlens.recommend.data import Dataset, Interactions, ItemFeatures


def taste_world(seed: int = 3) -> Dataset:
    """60 users in two taste groups over 40 items; each user's latest likes are from their
    own group, and 4 items of group A are never interacted with (cold) but look like A.
    Items' text vectors say the group too."""
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
    text = np.stack([np.r_[1.0, 0.0] if i <= 20 else np.r_[0.0, 1.0] for i in ids])
    return Dataset(interactions, ItemFeatures(ids, vectors, text_vectors=text.astype(np.float32)),
                   all_item_ids=np.array(cold))


def test_personal_models_beat_popularity_and_only_content_reaches_cold_items() -> None:
    split = make_split(taste_world(), "temporal")
    trainers = {"popularity": postlens_trainer("popularity"),
                "als": postlens_trainer("als", factors=8), "content": postlens_trainer("content")}
    results = {r.name: r for r in evaluate(split, trainers)}
    assert len(results["als"].per_user["ndcg@10"]) == 60
    assert results["als"].mean("ndcg@10") > results["popularity"].mean("ndcg@10")
    assert results["content"].mean("ndcg@10") > results["popularity"].mean("ndcg@10")
    assert results["popularity"].mean("cold_recall@10") == 0.0
    assert 0 < results["content"].coverage <= 1
    assert results["popularity"].head_share == 1.0  # everyone gets the same popular items
    table = markdown_table(list(results.values()))
    assert table.splitlines()[0] == "| " + " | ".join(HEADER) + " |"
    assert len(table.splitlines()) == 2 + len(results)


def test_item_cold_protocol_holds_out_whole_items_and_ranks_only_them() -> None:
    data = taste_world()
    split = make_split(data, "item-cold", seed=1)
    assert split.candidates is not None and len(split.candidates) == 6  # 15% of 40
    assert not np.isin(split.train.interactions.item_ids, split.candidates).any()
    assert np.isin(split.test.item_ids, split.candidates).all()
    assert len(split.train.interactions) + len(split.test) == len(data.interactions)
    results = {r.name: r for r in evaluate(split, {
        "visual-als": postlens_trainer("visual-als", factors=8),
        "random": fixed_order("random")})}
    # Every list holds only held-out items; content says which group each belongs to.
    assert results["visual-als"].mean("ndcg@10") > results["random"].mean("ndcg@10") + 0.1
    body = report(split, list(results.values()))
    assert body["protocol"] == "item-cold" and set(body["models"]) == {"visual-als", "random"}
    assert body["users"] == len(results["random"].per_user["ndcg@10"])


def test_random_split_depends_on_the_seed_and_keeps_every_rating() -> None:
    data = taste_world()
    a, b = make_split(data, "random", 0), make_split(data, "random", 1)
    assert len(a.train.interactions) + len(a.test) == len(data.interactions)
    assert not np.array_equal(a.test.item_ids, b.test.item_ids)
    assert 0.1 < len(a.test) / len(data.interactions) < 0.3
    with pytest.raises(InvalidInput, match="unknown protocol"):
        make_split(data, "leave-one-out")


def test_paired_ratio_interval_brackets_the_ratio_and_needs_shared_users() -> None:
    a = np.array([0.2, 0.4, 0.0, 0.6, np.nan])
    b = np.array([0.1, 0.2, 0.1, 0.3, 0.5])
    ratio, low, high = paired_ratio(a, b)
    assert ratio == pytest.approx(1.2 / 0.7)
    assert low <= ratio <= high
    assert paired_ratio(np.array([np.nan, 1.0]), np.array([1.0, np.nan])) is None
    split = make_split(taste_world(), "temporal")
    results = evaluate(split, {"hybrid": postlens_trainer("popularity"),
                               "same": postlens_trainer("popularity")})
    assert comparisons(results)["same"]["ndcg@10"] == [1.0, 1.0, 1.0]
