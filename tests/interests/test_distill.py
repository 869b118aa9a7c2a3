"""Pictures learn from captions: an image head distilled from the caption interests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from skimage import data as skdata

from postlens.analysis.analyzer import Analyzer
from postlens.errors import InvalidInput
from postlens.interests.distill import distil
from postlens.interests.model import PostContent
from postlens.interests.service import InterestService
from postlens.store.db import Database
from tests.conftest import jpeg_bytes
from tests.interests.test_service import ingest

CAPTIONS = {"chelsea": ["my cat napping", "kitten wants treats", "our cat at the vet",
                        "the cat sleeps on my bed"],
            # Captions any teacher reads as food ("latte art" is art, a croissant cooking).
            "coffee": ["espresso before work", "coffee at my favourite cafe",
                       "best cappuccino in town", "coffee with breakfast"]}


def crops(name: str, n: int) -> list[np.ndarray]:
    image = getattr(skdata, name)()
    h, w = image.shape[:2]
    return [image[i * 4:h - (n - i) * 3, (n - i) * 3:w - i * 4] for i in range(n)]


def test_distilled_head_learns_from_captions_and_is_saved(
        db: Database, analyzer: Analyzer, interests: InterestService, tmp_path: Path) -> None:
    rows = []
    for name, captions in CAPTIONS.items():
        for i, picture in enumerate(crops(name, 12)):
            (tmp_path / f"{name}{i}.jpg").write_bytes(jpeg_bytes(picture))
            rows.append({"path": f"{name}{i}.jpg", "user": f"{name}-fan{i % 4}",
                         "caption": captions[i % 4], "id": f"{name}{i}",
                         "timestamp": f"2024-05-{i + 1:02d}T10:00:00Z"})
    ingest(db, analyzer, tmp_path, rows)
    model = interests.model()
    target = tmp_path / "interests.npz"
    with db.transaction() as session:
        report = distil(session, model, target)
    assert report.pictures == 24 and report.authors == 8 and target.exists()
    assert set(report.methods) == {"zero-shot", "prior", "distilled"}
    assert report.methods["distilled"]["top1"] >= 0.75  # cats are pets, coffee is food
    assert report.weights["image:head"] > 0 and "image" in model.heads
    cat = analyzer.analyze_one("cat", jpeg_bytes(crops("chelsea", 13)[-1]))
    scores = model.score_posts([PostContent(labels=cat.labels, embedding=cat.embedding)])
    assert model.ranked(scores.image[0], 1)[0]["id"] == "pets"
    saved = json.loads(str(np.load(target)["calibration"]))
    assert saved["image"]["image:head"] == pytest.approx(report.weights["image:head"])


def test_too_few_captioned_pictures(db: Database, interests: InterestService,
                                    tmp_path: Path) -> None:
    with db.transaction() as session, pytest.raises(InvalidInput, match="at least 20"):
        distil(session, interests.model(), tmp_path / "x.npz")
