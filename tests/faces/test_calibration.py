"""Platt scaling of the attribute heads: the fit, what it does to probabilities, the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from postlens.analysis.registry import FACE_DETECTOR
from postlens.core import Postlens
from postlens.errors import InvalidInput, ModelError
from postlens.evaluation.faces import uncalibrated
from postlens.evaluation.report import expected_calibration_error
from postlens.faces.attributes import AttributeWeights, load_weights, save_weights
from postlens.faces.calibration import Calibration, fit_platt, identity
from postlens.faces.retrain import train_faces
from postlens.vision.face_detector import CenterFaceDetector


def overconfident(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from sigmoid(z), reported as 2.5 z - 1: too sure and shifted."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 2, (n, 2))
    labels = rng.random((n, 2)) < 1 / (1 + np.exp(-z))
    return 2.5 * z - 1.0, labels


def test_platt_recovers_the_distortion_and_lowers_the_calibration_error() -> None:
    logits, labels = overconfident()
    calibration = fit_platt(logits, labels)
    np.testing.assert_allclose(calibration.slope, 0.4, atol=0.04)
    np.testing.assert_allclose(calibration.intercept, 0.4, atol=0.1)
    assert calibration.faces == 4000
    test_logits, test_labels = overconfident(seed=1)
    raw = 1 / (1 + np.exp(-test_logits[:, 0]))
    served = calibration.apply(test_logits)[:, 0]
    ece_raw = expected_calibration_error(raw.tolist(), test_labels[:, 0].tolist())[0]
    ece = expected_calibration_error(served.tolist(), test_labels[:, 0].tolist())[0]
    assert ece < 0.02 < ece_raw
    # monotone: the ranking, and so the AUC, is the raw logits'
    assert (np.diff(served[np.argsort(test_logits[:, 0])]) >= 0).all()
    np.testing.assert_allclose(uncalibrated(calibration.apply(test_logits), calibration)[:, 0],
                               raw, atol=1e-5)


def test_a_few_separable_faces_do_not_make_the_probabilities_certain() -> None:
    # one bald face out of 75, and it has the highest logit: plain maximum likelihood would
    # send the slope to infinity (a 2-epoch run on 300 faces fitted 44); Platt's targets stop it
    logits = np.linspace(-4, 2, 75)[:, None]
    labels = np.zeros((75, 1), dtype=bool)
    labels[-1] = True
    calibration = fit_platt(logits, labels)
    assert 0 < calibration.slope[0] < 5
    served = calibration.apply(logits)[:, 0]
    assert 0.02 < served[-1] < 0.9 and served[0] > 1e-4


def test_a_head_with_one_class_or_a_reversed_fit_keeps_its_logits() -> None:
    logits, labels = overconfident(400)
    labels[:, 0] = True  # no negative face: nothing to fit
    logits[:, 1] = -logits[:, 1]  # ranking reversed: a negative slope is refused
    calibration = fit_platt(logits, labels)
    assert calibration.slope.tolist() == [1.0, 1.0]
    assert calibration.intercept.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="do not match"):
        fit_platt(logits, labels[:10])


def test_the_weights_file_keeps_the_calibration_and_refuses_a_bad_one(tmp_path: Path) -> None:
    top = {"classifier.weight": np.ones((2, 4), np.float16)}
    calibration = Calibration(np.array([0.5, 0.7]), np.array([-1.0, 0.25]), 500)
    path = tmp_path / "w.npz"
    save_weights(path, AttributeWeights(["Bald", "Goatee"], [top], frozenset(), {}, calibration))
    loaded = load_weights(path).calibrated()
    np.testing.assert_allclose(loaded.slope, [0.5, 0.7])
    np.testing.assert_allclose(loaded.intercept, [-1.0, 0.25])
    assert loaded.faces == 500
    # without one: the raw sigmoid
    save_weights(path, AttributeWeights(["Bald", "Goatee"], [top], frozenset(), {}))
    plain = load_weights(path)
    assert plain.calibration is None
    np.testing.assert_allclose(plain.calibrated().apply(np.array([[0.0, 2.0]])),
                               [[0.5, 1 / (1 + np.exp(-2.0))]], rtol=1e-6)
    for bad in (Calibration(np.array([0.5]), np.array([0.0]), 5),  # one head short
                Calibration(np.array([0.5, -0.1]), np.array([0.0, 0.0]), 5)):  # reversed
        save_weights(path, AttributeWeights(["Bald", "Goatee"], [top], frozenset(), {}, bad))
        with pytest.raises(ModelError, match="calibration"):
            load_weights(path)
    assert identity(3).apply(np.zeros((1, 3))).tolist() == [[0.5, 0.5, 0.5]]


def test_retraining_calibrates_on_the_last_training_faces(tmp_path: Path, core: Postlens
                                                          ) -> None:
    rng = np.random.default_rng(0)
    (tmp_path / "images").mkdir()
    rows = []
    for n in range(24):
        pixels = rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)
        hat = n % 3 == 0
        if hat:
            pixels[:24] = 240
        Image.fromarray(pixels).save(tmp_path / "images" / f"{n:06d}.jpg")
        rows.append(f"{n:06d}.jpg {1 if hat else -1} {1 if n % 4 == 0 else -1}")
    (tmp_path / "list_attr_celeba.txt").write_text(
        "24\nWearing_Hat Eyeglasses\n" + "\n".join(rows) + "\n")
    detector = core.models.get_as(FACE_DETECTOR, CenterFaceDetector)
    with pytest.raises(InvalidInput, match="calibration"):
        train_faces(tmp_path, tmp_path / "w.npz", detector, calibration=0.6)
    summary = train_faces(tmp_path, tmp_path / "w.npz", detector, epochs=1, jittered=0,
                          members=1, calibration=0.25)
    assert summary["faces"] == 24 and summary["calibrated_on"] == 6
    weights = load_weights(tmp_path / "w.npz")
    assert weights.attributes == ["Eyeglasses", "Wearing_Hat"]
    assert weights.calibration is not None and weights.calibration.faces == 6
    assert (weights.calibration.slope > 0).all()
