"""Metric values checked against hand-computed examples."""

from __future__ import annotations

import math

import numpy as np
import pytest

from postlens.recommend.data import Interactions
from postlens.recommend.metrics import (
    average_precision_at_k,
    coverage,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)
from postlens.recommend.splits import temporal_split

RANKED = [7, 3, 9, 1, 5]
RELEVANT = {3, 5, 8}


def test_precision_and_recall() -> None:
    assert precision_at_k(RANKED, RELEVANT, 5) == pytest.approx(2 / 5)
    assert recall_at_k(RANKED, RELEVANT, 5) == pytest.approx(2 / 3)
    assert precision_at_k(RANKED, RELEVANT, 2) == pytest.approx(1 / 2)
    assert recall_at_k(RANKED, set(), 5) == 0.0


def test_ndcg_by_hand() -> None:
    # hits at ranks 2 and 5; ideal: three hits at ranks 1-3
    dcg = 1 / math.log2(3) + 1 / math.log2(6)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RANKED, RELEVANT, 5) == pytest.approx(dcg / idcg)
    assert ndcg_at_k([3, 5, 8], RELEVANT, 3) == pytest.approx(1.0)
    assert ndcg_at_k([1, 2], RELEVANT, 2) == 0.0


def test_average_precision_by_hand() -> None:
    # precision at the hits: 1/2 at rank 2, 2/5 at rank 5; divided by min(3, 5) = 3
    assert average_precision_at_k(RANKED, RELEVANT, 5) == pytest.approx((1 / 2 + 2 / 5) / 3)
    assert average_precision_at_k([3, 5, 8], RELEVANT, 3) == pytest.approx(1.0)


def test_coverage() -> None:
    assert coverage([[1, 2], [2, 3]], 10) == pytest.approx(0.3)


def test_temporal_split_holds_out_each_users_latest() -> None:
    users = [1] * 10 + [2] * 3 + [3]
    times = [*range(10, 0, -1), 5, 6, 7, 1]  # user 1 listed newest first
    interactions = Interactions(users, list(range(14)), np.ones(14), times)
    train, test = temporal_split(interactions, 0.2)
    held = {(int(u), int(i)) for u, i in zip(test.user_ids, test.item_ids, strict=True)}
    assert held == {(1, 0), (1, 1), (2, 12)}  # user 1's two newest, user 2's newest
    assert len(train) == 11 and 3 in train.user_ids.tolist()  # a lone interaction trains
