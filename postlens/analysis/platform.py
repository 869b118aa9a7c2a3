"""``platform``: which platform the picture was downloaded from, with calibrated confidence
and the evidence (container facts only; see :mod:`postlens.provenance`)."""

from __future__ import annotations

from typing import Any

from postlens.analysis.task import PictureContext, PictureTask
from postlens.provenance.features import feature_matrix
from postlens.provenance.identify import Platform, combine
from postlens.provenance.model import PlatformClassifier


class PlatformTask(PictureTask[Platform]):
    name = "platform"

    def __init__(self, classifier: PlatformClassifier) -> None:
        self.classifier = classifier

    def run(self, picture: PictureContext) -> Platform:
        container = picture.loaded.container
        return combine(container, self.classifier.predict(feature_matrix([container]))[0])

    def to_json(self, result: Platform) -> dict[str, Any]:
        return result.to_json()
