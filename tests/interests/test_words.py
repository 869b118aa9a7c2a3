"""The bag-of-words interest source: fitting, scoring, interests it never saw, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from postlens.errors import InvalidInput
from postlens.interests.words import WordsHead, fit_words

TEXTS = ["deadlift form check", "new deadlift record", "squat and deadlift day",
         "bokashi bin for the compost", "my bokashi ferment smells", "compost and bokashi tips",
         "gym session done", "garden beds in spring"]
LABELS = np.array([0, 0, 0, 2, 2, 2, 0, 2])  # interest 1 has no texts


def test_words_decide_by_the_words_they_learned() -> None:
    head = fit_words(TEXTS, LABELS, np.ones(len(TEXTS)), k=3)
    assert "deadlift" in head.terms and "bokashi" in head.terms
    logits = head.logits(["deadlift today", "started a bokashi bucket"])
    assert logits.shape == (2, 3)
    assert logits[0].argmax() == 0 and logits[1].argmax() == 2
    # An interest without texts gets the mean row: neither favoured nor ruled out.
    assert np.allclose(head.weights[1], head.weights[[0, 2]].mean(axis=0), atol=1e-6)
    assert head.logits([]).shape == (0, 3)
    unknown = head.logits(["zzz qqq"])[0]  # no known word: the bias alone
    assert np.allclose(unknown, head.bias)


def test_a_rebuilt_head_scores_the_same() -> None:
    head = fit_words(TEXTS, LABELS, np.ones(len(TEXTS)), k=3)
    again = WordsHead(list(head.terms), head.idf.copy(), head.weights.astype(np.float16)
                      .astype(np.float32), head.bias)
    texts = ["deadlift and bokashi", "spring compost"]
    assert np.allclose(again.logits(texts), head.logits(texts), atol=1e-2)


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidInput, match="two interests"):
        fit_words(TEXTS[:3], LABELS[:3], np.ones(3), k=3)
    with pytest.raises(InvalidInput, match="no words"):
        fit_words(["a", "I", "!"], np.array([0, 1, 0]), np.ones(3), k=3)
    head = fit_words(TEXTS, LABELS, np.ones(len(TEXTS)), k=3)
    with pytest.raises(InvalidInput, match="do not match"):
        WordsHead(head.terms[:-1], head.idf, head.weights, head.bias)
