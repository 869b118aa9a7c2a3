"""Fine-tuning the attribute heads: a tiny real run, the saved file, the holdout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from postlens.errors import ModelError
from postlens.faces.attributes import (
    META_KEY,
    AttributeWeights,
    as_targets,
    fingerprint,
    load_weights,
    save_weights,
)
from postlens.faces.retrain import held_out
from postlens.faces.training import Recipe, fit_members, jitter, predict_logits


def test_a_tiny_fit_learns_and_round_trips(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 255, (6, 160, 160, 3), dtype=np.uint8)
    crops[:3, :80] = 250  # "hats": a bright top half
    labels = np.array([[1], [1], [1], [0], [0], [0]], dtype=bool)
    tops = fit_members(crops, labels, Recipe(epochs=8, batch_size=6, jittered=0, dropout=0.0,
                                             learning_rate=3e-3), members=2)
    assert len(tops) == 2 and not np.array_equal(tops[0]["classifier.weight"],
                                                 tops[1]["classifier.weight"])
    logits = predict_logits(tops, ["Wearing_Hat"], crops)[:, 0]
    assert logits[:3].min() > logits[3:].max()
    alone = [predict_logits([top], ["Wearing_Hat"], crops)[:, 0] for top in tops]
    np.testing.assert_allclose(logits, (alone[0] + alone[1]) / 2, rtol=1e-4, atol=1e-4)
    path = tmp_path / "w.npz"
    save_weights(path, AttributeWeights(["Wearing_Hat"], tops, frozenset({"abc"}), {"n": 6}))
    again = load_weights(path)
    assert again.attributes == ["Wearing_Hat"] and again.trained_on == {"abc"}
    assert len(again.members) == 2
    for top, loaded in zip(tops, again.members, strict=True):
        assert set(loaded) == set(top)
        np.testing.assert_array_equal(loaded["classifier.weight"], top["classifier.weight"])
    # A file of one unprefixed top (written before ensembles) is one member.
    arrays: dict[str, np.ndarray] = {**tops[0], META_KEY: np.frombuffer(
        json.dumps({"attributes": ["Wearing_Hat"], "trained_on": []}).encode(), np.uint8)}
    np.savez(tmp_path / "old.npz", **arrays)  # type: ignore[arg-type]
    old = load_weights(tmp_path / "old.npz")
    assert len(old.members) == 1 and set(old.members[0]) == set(tops[0])
    # Members numbered from 1 (member 0 missing) are not mistaken for an old single top.
    np.savez(tmp_path / "gap.npz", **{"member1." + k: v for k, v in tops[0].items()},
             **{META_KEY: arrays[META_KEY]})  # type: ignore[arg-type]
    with pytest.raises(ModelError, match="numbered members"):
        load_weights(tmp_path / "gap.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError):
        load_weights(tmp_path / "bad.npz")


def test_jitter_keeps_shape_and_changes_pixels() -> None:
    crops = np.random.default_rng(1).integers(0, 255, (2, 160, 160, 3), dtype=np.uint8)
    moved = jitter(crops, np.random.default_rng(2))
    assert moved.shape == crops.shape and moved.dtype == np.uint8
    assert not np.array_equal(moved, crops)


def test_holdout_is_by_fingerprint_and_stable() -> None:
    prints = [fingerprint(str(n).encode()) for n in range(1000)]
    mask = held_out(prints, 0.2)
    assert 150 < mask.sum() < 250
    assert np.array_equal(mask, held_out(list(prints), 0.2))
    assert not held_out(prints, 0.0).any()


def test_beard_is_the_opposite_of_no_beard() -> None:
    values = as_targets(np.array([[0.9, 0.2]]), ["No_Beard", "Wearing_Hat"])[0]
    assert values == {"beard": pytest.approx(0.1), "hat": pytest.approx(0.2)}
