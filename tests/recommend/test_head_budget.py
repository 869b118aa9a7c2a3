"""Keeping the most-liked items to a budget: the cap, or a penalty learned on validation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import postlens.recommend.hybrid as hybrid_module
from postlens.recommend.head_budget import BUDGETS, keep_head_to, learn_head_penalties
from postlens.recommend.registry import load_recommender
from postlens.recommend.training import fit_recommender
from tests.recommend.synthetic import community_dataset

HEAD = 8
ITEMS = 60


def validation_scores(relevant_in_head: bool) -> tuple[np.ndarray, np.ndarray, list[set[int]]]:
    """120 users whose lists open with the 8 head items (scores about 2), three non-head
    items just below them (1.9) and noise; the held-out items are those three, or three of
    the head items."""
    rng = np.random.default_rng(0)
    head = np.zeros(ITEMS, dtype=bool)
    head[:HEAD] = True
    scores = rng.normal(0.0, 0.3, (120, ITEMS)).astype(np.float32)
    scores[:, :HEAD] = 2.0 + rng.normal(0.0, 0.01, (120, HEAD))
    relevant = []
    for row in scores:
        below = rng.choice(np.arange(HEAD, ITEMS), 3, replace=False)
        row[below] = 1.9
        chosen = rng.choice(HEAD, 3, replace=False) if relevant_in_head else below
        relevant.append({int(c) for c in chosen})
    scores[:, -1] = -np.inf  # seen by everyone
    return scores, head, relevant


def test_a_penalty_replaces_the_cap_where_the_head_only_barely_wins() -> None:
    scores, head, relevant = validation_scores(relevant_in_head=False)
    learned = learn_head_penalties(scores, head, np.arange(ITEMS), relevant)
    assert set(learned) == set(BUDGETS)
    for budget, penalty in learned.items():
        served, cap = keep_head_to(scores, head, budget, learned)
        assert cap is None
        top = np.argsort(-served, axis=1)[:, :10]
        assert head[top].mean() <= budget  # the budget is kept on average
        assert penalty > 0


def test_the_cap_stays_where_the_head_items_are_what_people_wanted() -> None:
    scores, head, relevant = validation_scores(relevant_in_head=True)
    assert learn_head_penalties(scores, head, np.arange(ITEMS), relevant) == {}
    same, cap = keep_head_to(scores, head, 0.5, {})
    assert cap is head and same is scores


def test_the_hybrid_learns_its_penalties_on_validation_and_keeps_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def spy(scores: np.ndarray, head: np.ndarray, catalogue: np.ndarray,
            relevant: list[set[int]]) -> dict[float, float]:
        seen.update(scores=scores, head=head, catalogue=catalogue, relevant=relevant)
        return {0.5: 3.0}

    monkeypatch.setattr(hybrid_module, "MIN_TUNING_USERS", 1)
    monkeypatch.setattr(hybrid_module, "learn_head_penalties", spy)
    model = fit_recommender("hybrid", community_dataset(),
                            component_params={"visual-als": {"factors": 16}})
    assert model.head_penalties_ == {0.5: 3.0}  # type: ignore[attr-defined]
    scores, head = seen["scores"], seen["head"]
    assert scores.shape == (len(seen["relevant"]), len(seen["catalogue"])) == (
        scores.shape[0], len(head))
    assert np.isneginf(scores).any(axis=1).all()  # what each user had seen is out
    assert 0 < head.sum() < len(head)

    path = tmp_path / "hybrid.npz"
    model.save(path)
    loaded = load_recommender(path)
    assert loaded.head_penalties_ == {0.5: 3.0}  # type: ignore[attr-defined]
    users = [1, 2, 3, 21, 22]
    for budget in (0.5, 0.3):
        assert np.array_equal(loaded.recommend(users, n=10, max_popular=budget)[0],
                              model.recommend(users, n=10, max_popular=budget)[0])
    penalised = model.recommend(users, n=10, max_popular=0.5)[0]
    model.head_penalties_ = {}  # type: ignore[attr-defined]
    assert not np.array_equal(penalised, model.recommend(users, n=10, max_popular=0.5)[0])
