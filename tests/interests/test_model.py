"""Per-post interest scores: zero-shot from pictures and text, heads, calibrated fusion."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from postlens.analysis.analyzer import Analyzer
from postlens.errors import InvalidInput
from postlens.interests.model import (
    Calibration,
    InterestModel,
    PostContent,
    fit_calibration,
)
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import load_taxonomy

GOLF = "What a final round at the Augusta golf tournament! #TheMasters #golflife"


def model(space: TextSpace, taxonomy: str = "curlie-36") -> InterestModel:
    return InterestModel(load_taxonomy(taxonomy), space)


@pytest.mark.parametrize(("taxonomy", "expected"), [
    ("content-categories", "food_drink"), ("curlie-36", "food"),
    ("babelnet-34", "food_and_drink")])
def test_coffee_photo_scores_food_and_drink_first(
        text_space: TextSpace, analyzer: Analyzer, coffee_jpeg: bytes, taxonomy: str,
        expected: str) -> None:
    labels = analyzer.analyze_one("coffee.jpg", coffee_jpeg).labels
    interests = model(text_space, taxonomy)
    scores = interests.score_posts([PostContent(labels=labels)])
    assert interests.ranked(scores.image[0])[0]["id"] == expected
    assert np.isnan(scores.text[0]).all()  # no caption: no text view
    np.testing.assert_allclose(scores.fused[0], scores.image[0])  # and fused is the image


def test_golf_caption_scores_golf_first(text_space: TextSpace) -> None:
    interests = model(text_space)
    scores = interests.score_posts([PostContent(caption=GOLF)])
    ranked = interests.ranked(scores.text[0], 3)
    assert ranked[0]["id"] == "golf" and ranked[0]["score"] > 0.5
    assert np.isnan(scores.image[0]).all()
    assert abs(scores.fused[0].sum() - 1) < 1e-6


def test_fusion_uses_both_modalities(text_space: TextSpace, analyzer: Analyzer,
                                     coffee_jpeg: bytes) -> None:
    labels = analyzer.analyze_one("coffee.jpg", coffee_jpeg).labels
    interests = model(text_space)
    interests.calibration = Calibration({"image": {"image:zero-shot": 20.0},
                                         "text": {"text:zero-shot": 20.0},
                                         "fused": {"image:zero-shot": 20.0,
                                                   "text:zero-shot": 20.0}})
    scores = interests.score_posts([PostContent(caption=GOLF, labels=labels)])
    food, golf = (interests.taxonomy.index(c) for c in ("food", "golf"))
    # The picture pulls food up and golf down relative to the caption alone.
    assert scores.fused[0, food] > scores.text[0, food]
    assert scores.fused[0, golf] < scores.text[0, golf]


def _synthetic(n: int = 300, k: int = 3, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    # The image logits are noisier than the text logits; both point at the truth.
    image = rng.normal(0, 1, (n, k)) + 1.0 * np.eye(k)[y]
    text = rng.normal(0, 1, (n, k)) + 3.0 * np.eye(k)[y]
    return image, text, y


def test_calibration_weighs_the_reliable_modality_more() -> None:
    image, text, y = _synthetic()
    present = np.ones(len(y), dtype=bool)
    calibration = fit_calibration({"image:zero-shot": image, "text:zero-shot": text},
                                  present, present, y)
    fused = calibration.weights["fused"]
    assert fused["text:zero-shot"] > 2 * fused["image:zero-shot"] > 0
    # Fitted weights are close to the log-likelihood ratio scales of the generator.
    assert 2.0 < calibration.weights["text"]["text:zero-shot"] < 4.0


def test_heads_learn_labelled_examples_and_survive_save_load(text_space: TextSpace,
                                                             tmp_path: Path) -> None:
    interests = model(text_space)
    texts = ["birdie on the 18th hole", "new album out on friday", "my sourdough recipe",
             "the putt that won the open", "live on stage tonight", "baking bread at home"]
    labels = np.array([interests.taxonomy.index(c)
                       for c in ("golf", "music", "cooking") * 2])
    features = interests.features([PostContent(caption=t) for t in texts])
    interests.fit_head("text", features.text, labels, c=10.0)
    interests.use_heads_alone()
    predicted = interests.score(features).text.argmax(axis=1)
    assert (predicted == labels).all()
    interests.save(tmp_path / "model.npz")
    again = model(text_space).load(tmp_path / "model.npz")
    np.testing.assert_allclose(again.score(features).text, interests.score(features).text)
    with pytest.raises(InvalidInput):
        interests.fit_head("text", features.text, np.zeros(6, dtype=int))
    with pytest.raises(InvalidInput):
        model(text_space, "babelnet-34").load(tmp_path / "model.npz")
