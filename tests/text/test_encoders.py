"""all-MiniLM-L6-v2 through ONNX Runtime."""

from __future__ import annotations

import numpy as np

from postlens.interests.space import TextSpace


def test_onnx_matches_sentence_transformers(text_space: TextSpace) -> None:
    from sentence_transformers import SentenceTransformer

    from postlens.text.minilm import checkpoint_dir

    texts = ["A golf tournament at Augusta", "espresso and a croissant", "#tbt to the beach"]
    reference = SentenceTransformer(str(checkpoint_dir()), device="cpu").encode(texts)
    ours = text_space.encoder.encode(texts)
    assert ours.shape == (3, 384)
    assert np.abs(ours - reference).max() < 1e-4


def test_similar_meanings_are_close_and_empty_text_is_zero(text_space: TextSpace) -> None:
    golf, masters, coffee, empty = text_space.encoder.encode(
        ["a golf tournament", "the Masters golf championship", "espresso coffee", "  "])
    assert golf @ masters > golf @ coffee + 0.3
    assert abs(np.linalg.norm(golf) - 1) < 1e-5
    assert not empty.any()
