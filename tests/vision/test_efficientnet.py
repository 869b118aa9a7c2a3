"""The real EfficientNet-Lite0 through ONNX Runtime."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from postlens.analysis.analyzer import Analyzer
from postlens.runtime.onnx import file_sha256
from postlens.vision.efficientnet import EfficientNetLite0, ensure_model, preprocess_pixels
from postlens.vision.encoders import ImageEncoder
from tests.conftest import jpeg_bytes

CAT_CLASSES = {"Egyptian cat", "tabby", "tiger cat"}


def test_cat_photo_is_a_cat(analyzer: Analyzer, cat_jpeg: bytes) -> None:
    result = analyzer.analyze_one("chelsea.jpg", cat_jpeg)
    top3 = {label["label"] for label in result.labels[:3]}
    assert top3 & CAT_CLASSES, result.labels
    assert result.categories[0]["category"] == "animals & pets"
    assert result.categories[0]["score"] > 0.8


def test_coffee_photo_is_espresso_or_cup(analyzer: Analyzer, coffee_jpeg: bytes) -> None:
    result = analyzer.analyze_one("coffee.jpg", coffee_jpeg)
    assert {label["label"] for label in result.labels[:3]} & {"espresso", "cup"}
    assert result.categories[0]["category"] == "food & drink"


def test_embeddings_are_normalised_and_discriminative(analyzer: Analyzer, cat_jpeg: bytes,
                                                     coffee_jpeg: bytes) -> None:
    cat = analyzer.analyze_one("cat", cat_jpeg).embedding
    coffee = analyzer.analyze_one("coffee", coffee_jpeg).embedding
    flipped = np.fliplr(skdata.chelsea()).copy()
    cat_again = analyzer.analyze_one("cat flipped", jpeg_bytes(flipped)).embedding
    assert cat.shape == (1280,)
    assert np.linalg.norm(cat) == pytest.approx(1.0, abs=1e-5)
    assert float(cat @ cat_again) > float(cat @ coffee) + 0.2


def test_batch_equals_single(encoder: ImageEncoder) -> None:
    pictures = [skdata.chelsea(), skdata.coffee(), skdata.astronaut()]
    batch = np.stack([encoder.preprocess(Image.fromarray(p)) for p in pictures])
    together = encoder.encode(batch).embeddings
    alone = np.concatenate([encoder.encode(batch[i:i + 1]).embeddings for i in range(3)])
    np.testing.assert_allclose(together, alone, atol=1e-5)


@pytest.mark.slow
def test_onnx_matches_pytorch_on_real_photos(encoder: EfficientNetLite0) -> None:
    import torch

    from postlens.vision.efficientnet import build_torch_model

    photos = [skdata.chelsea(), skdata.coffee(), skdata.rocket()]
    batch = np.stack([preprocess_pixels(Image.fromarray(p)) for p in photos])
    encoder.load()
    session = encoder._session
    onnx_features, onnx_logits = session.run(None, {"pixels": batch})
    with torch.no_grad():
        torch_features, torch_logits = build_torch_model()(torch.from_numpy(batch))
    assert np.abs(onnx_features - torch_features.numpy()).max() < 1e-3
    assert np.abs(onnx_logits - torch_logits.numpy()).max() < 1e-3


def test_damaged_onnx_file_is_rebuilt(tmp_path: Path, model_dir: Path, encoder: ImageEncoder
                                      ) -> None:
    encoder.encode(np.zeros((1, 3, 224, 224), dtype=np.float32))  # make sure it is exported
    source = next(model_dir.glob("*.onnx"))
    copy_dir = tmp_path / "models"
    copy_dir.mkdir()
    for path in model_dir.iterdir():
        (copy_dir / path.name).write_bytes(path.read_bytes())
    damaged = copy_dir / source.name
    broken = damaged.read_bytes()[:-100] + b"x" * 100
    damaged.write_bytes(broken)
    rebuilt = ensure_model(copy_dir)
    assert rebuilt == damaged and rebuilt.read_bytes() != broken
    assert file_sha256(rebuilt) == rebuilt.with_suffix(".sha256").read_text().strip()


def test_bad_batch_shape_is_refused(encoder: ImageEncoder) -> None:
    from postlens.errors import InvalidInput

    with pytest.raises(InvalidInput):
        encoder.encode(np.zeros((2, 224, 224), dtype=np.float32))
