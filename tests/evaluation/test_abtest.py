"""A/B assignment, confidence intervals and the significance test."""

from __future__ import annotations

from collections import Counter

import pytest

from postlens.errors import InvalidInput
from postlens.evaluation.abtest import two_proportion_p_value, wilson_interval
from postlens.recommend.experiments import Experiment


def test_assignment_is_deterministic_and_balanced() -> None:
    experiment = Experiment("ranker", ("control", "hybrid"))
    arms = [experiment.assign(user) for user in range(10_000)]
    assert arms == [experiment.assign(user) for user in range(10_000)]
    share = Counter(arms)["hybrid"] / len(arms)
    assert 0.48 < share < 0.52
    reshuffled = Experiment("ranker", ("control", "hybrid"), salt="other")
    assert sum(a != reshuffled.assign(u) for u, a in enumerate(arms)) > 4_000


def test_weighted_arms() -> None:
    experiment = Experiment("ramp", ("control", "new"), weights=(0.9, 0.1))
    share = Counter(experiment.assign(u) for u in range(20_000))["new"] / 20_000
    assert 0.08 < share < 0.12


def test_bad_experiments_are_refused() -> None:
    with pytest.raises(InvalidInput):
        Experiment("x", ("only",))
    with pytest.raises(InvalidInput):
        Experiment("x", ("a", "b"), weights=(1.0,))


def test_wilson_interval_by_hand() -> None:
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-3) and high == pytest.approx(0.5962, abs=1e-3)
    assert wilson_interval(0, 0) == (0.0, 0.0)


def test_two_proportion_test() -> None:
    assert two_proportion_p_value(50, 1000, 50, 1000) == pytest.approx(1.0)
    # 10% vs 5% on 1000 each: z = 4.18, p ~ 3e-5
    assert two_proportion_p_value(100, 1000, 50, 1000) < 1e-4
