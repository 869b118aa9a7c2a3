"""Which platform each picture came from: the model's calibrated scores, the decisive cues
and the evidence, combined."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from postlens.provenance.cues import conflict, decisive_cues, evidence, silent
from postlens.provenance.features import feature_matrix
from postlens.provenance.model import PlatformClassifier
from postlens.provenance.platforms import CLASSES, LABELS
from postlens.vision.container import Container

# Below this probability no platform is named: the answer is "unknown".
MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Platform:
    name: str  # one of CLASSES
    confidence: float  # the probability of ``name``
    scores: dict[str, float]
    evidence: tuple[str, ...]

    @property
    def label(self) -> str:
        return LABELS[self.name]

    def sentence(self) -> str:
        return sentence(self.name, self.confidence)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "confidence": round(self.confidence, 4),
                "scores": {k: round(v, 4) for k, v in self.scores.items()},
                "evidence": list(self.evidence)}


def sentence(name: str, confidence: float) -> str:
    """"Probably downloaded from Instagram, 97%" and the like."""
    percent = f"{confidence:.0%}"
    if name == "unknown":
        return f"Source platform unknown ({percent})"
    if name == "original":
        return f"Probably {LABELS[name]}, never shared through a platform ({percent})"
    return f"Probably downloaded from {LABELS.get(name, name)}, {percent}"


def combine(container: Container, probabilities: np.ndarray,
            min_confidence: float = MIN_CONFIDENCE) -> Platform:
    """One picture's answer from the model's probabilities (``CLASSES`` order) and its cues."""
    scores = np.asarray(probabilities, dtype=np.float64).copy()
    if silent(container):  # only the dimensions speak: the model's belief is halved
        scores = 0.5 * scores + 0.5 / len(scores)
    cues = decisive_cues(container)
    disagreement = conflict(cues)
    if disagreement:  # contradicting cues: move that share of the belief to "unknown"
        unknown = np.zeros_like(scores)
        unknown[CLASSES.index("unknown")] = 1.0
        scores = (1.0 - disagreement) * scores + disagreement * unknown
    best = int(np.argmax(scores))
    # A class that agreeing decisive cues point to is named when it is the most probable one,
    # even under the threshold: the cue is evidence of its own.
    supported = frozenset.intersection(*(cue.classes for cue in cues)) \
        if cues and not disagreement else frozenset()
    named = scores[best] >= min_confidence or CLASSES[best] in supported
    name = CLASSES[best] if named else "unknown"
    lines = evidence(container, name, cues)
    if disagreement:
        lines.insert(0, "decisive cues contradict each other: " +
                     "; ".join(cue.text for cue in cues))
    elif name == "unknown" and CLASSES[best] != "unknown":
        lines.insert(0, f"closest: {LABELS[CLASSES[best]]} at {scores[best]:.0%}, too "
                        "uncertain to name")
    return Platform(name, float(scores[CLASSES.index(name)]),
                    {cls: float(p) for cls, p in zip(CLASSES, scores, strict=True)},
                    tuple(lines))


def identify(containers: Sequence[Container], classifier: PlatformClassifier,
             min_confidence: float = MIN_CONFIDENCE) -> list[Platform]:
    """The answer for each container, one batched model call for all of them."""
    if not containers:
        return []
    probabilities = classifier.predict(feature_matrix(containers))
    return [combine(c, p, min_confidence) for c, p in zip(containers, probabilities,
                                                          strict=True)]
