"""The grouped evaluation on real downloads (slow, needs the shared data) and its metrics."""

from __future__ import annotations

import pytest

from postlens.evaluation.provenance import (
    MethodResult,
    evaluate,
    report,
    wilson,
)
from postlens.evaluation.report import expected_calibration_error
from postlens.provenance.data import host_label, real_pictures
from postlens.provenance.training import real_set, simulated_set
from tests.conftest import SHARED_DATA, shared_dataset


def test_hosts_map_to_platforms() -> None:
    assert host_label("https://pbs.twimg.com/media/x.jpg") == "twitter"
    assert host_label("http://distilleryimage8.ak.instagram.com/a.jpg") == "instagram"
    assert host_label("http://i.imgur.com/LvoCC5T.jpg") == "unknown"
    assert host_label("") is None


def test_metrics() -> None:
    result = MethodResult("m", ["a", "a", "b", "b"], ["a", "b", "b", "b"], [0.9, 0.6, 0.8, 0.7])
    assert result.accuracy() == 0.75
    assert result.per_class()["a"]["recall"] == 0.5
    low, high = wilson(5, 10)
    assert low < 0.5 < high
    ece, table = expected_calibration_error([1.0, 1.0], [True, False])
    assert ece == pytest.approx(0.5) and table[-1][1] == 2


@pytest.mark.slow
@pytest.mark.realdata
def test_grouped_evaluation_on_real_downloads_beats_its_baselines() -> None:
    shared_dataset("instagram-accounts")
    shared_dataset("tweets-with-images")
    real = real_set(real_pictures(SHARED_DATA))
    assert {"instagram", "twitter", "unknown"} <= set(real.labels)
    simulated = simulated_set(None, per_pipeline=12)  # small: a smoke run of the protocol
    results = evaluate(real, simulated, folds=3)
    ours, sizes = results["postlens (container model + cues)"], results["format and size alone"]
    assert ours.per_class()["instagram"]["recall"] >= 0.95
    assert ours.macro_f1() > sizes.macro_f1()
    assert ours.macro_f1() > results["majority class"].macro_f1() + 0.3
    body, numbers = report(results, real, simulated)
    assert "Confusion matrix" in body and numbers["calibration"]["ece"] < 0.3
