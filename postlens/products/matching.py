"""Products for a picture (seed 004) and ads for a user (seed 003): scores with reasons.

A product scores from two kinds of evidence, each with its reason:

* **seen on a face**: the largest probability, over the picture's faces, of an attribute the
  product targets ("wearing a hat 91% -> Wool beanie"); counted from ``SEEN`` up;
* **interests**: the dot product of the picture's (or the user's) interest distribution
  with the product's target interests ("about Camping 34%").

The score is ``FACE_WEIGHT * seen + interest match``: what a face shows outranks what a
picture is about, and a product nobody's face or interests point to is not offered. A list
takes one product per seen attribute (or interest) before a second for any. Everything is
one matrix product over the catalogue, so 10,000 products cost microseconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from postlens.faces.attributes import FACE_TARGETS
from postlens.products.store import CatalogueMatrix

SEEN = 0.5  # an attribute probability from which the face is said to show it
FACE_WEIGHT = 1.0
MIN_INTEREST_MATCH = 0.02
PHRASES = {
    "eyewear": "wearing glasses", "hat": "wearing a hat", "beard": "has a beard",
    "goatee": "has a goatee", "mustache": "has a mustache", "stubble": "has stubble",
    "sideburns": "has sideburns", "earrings": "wearing earrings",
    "necklace": "wearing a necklace", "necktie": "wearing a tie",
    "lipstick": "wearing lipstick", "makeup": "wearing make-up", "bald": "is bald",
}


@dataclass(frozen=True)
class Evidence:
    """What a picture or a user shows: face attributes (max over faces) and interests."""

    attributes: np.ndarray  # (len(FACE_TARGETS),) probabilities, 0 without faces
    interests: np.ndarray  # (n interests,) distribution (or zeros)
    interest_names: Sequence[str]

    @classmethod
    def build(cls, faces: Sequence[Mapping[str, float]], interests: Mapping[str, float],
              interest_ids: Sequence[str], interest_names: Sequence[str]) -> Evidence:
        attributes = np.zeros(len(FACE_TARGETS), dtype=np.float32)
        for face in faces:
            for n, target in enumerate(FACE_TARGETS):
                attributes[n] = max(attributes[n], float(face.get(target, 0.0)))
        return cls(attributes, interest_vector(interests, interest_ids), interest_names)


def interest_vector(interests: Mapping[str, float], interest_ids: Sequence[str]) -> np.ndarray:
    vector = np.zeros(len(interest_ids), dtype=np.float32)
    index = {i: n for n, i in enumerate(interest_ids)}
    for interest, value in interests.items():
        if interest in index:
            vector[index[interest]] = float(value)
    return vector


@dataclass(frozen=True)
class Match:
    product_id: int
    name: str
    category: str
    score: float
    reasons: list[str]

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def score(catalogue: CatalogueMatrix, evidence: Evidence, face_weight: float = FACE_WEIGHT,
          seen_from: float = SEEN) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(scores, face part, interest part), one value per catalogue row."""
    seen = np.where(evidence.attributes >= seen_from, evidence.attributes, 0.0)
    face = (catalogue.attributes * seen).max(axis=1) if len(catalogue) else np.zeros(0)
    interest = catalogue.interests @ evidence.interests
    interest = np.where(interest >= MIN_INTEREST_MATCH, interest, 0.0)
    return face_weight * face + interest, face, interest


def strongest(catalogue: CatalogueMatrix, evidence: Evidence) -> tuple[np.ndarray, np.ndarray]:
    """Per product, the attribute and the interest its reasons name: where the product's
    targets meet the evidence most."""
    attribute = np.argmax(catalogue.attributes * evidence.attributes, axis=1)
    interest = (np.argmax(catalogue.interests * evidence.interests, axis=1)
                if len(evidence.interests) else np.zeros(len(catalogue), dtype=int))
    return attribute, interest


def diversified(order: np.ndarray, lead: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` first of ``order`` (best first), taking one product per lead (what its
    first reason names) before a second for any: a face with a beard and a hat gets a beard
    product and a hat product, not three beard oils."""
    first, rest, used = [], [], set()
    for row in order:
        if lead[row] in used:
            rest.append(row)
        else:
            used.add(lead[row])
            first.append(row)
            if len(first) == k:
                break
    return np.asarray((first + rest)[:k], dtype=int)


def rank(catalogue: CatalogueMatrix, evidence: Evidence, k: int,
         exclude: np.ndarray | None = None, face_weight: float = FACE_WEIGHT,
         seen: float = SEEN) -> list[Match]:
    """The ``k`` best products with a positive score, each with its reasons: best first,
    one per seen attribute or interest before a second for any (:func:`diversified`)."""
    if len(catalogue) == 0 or k <= 0:
        return []
    total, face, interest = score(catalogue, evidence, face_weight, seen)
    if exclude is not None:
        total = np.where(exclude, 0.0, total)
    candidates = np.flatnonzero(total > 0)
    if not len(candidates):
        return []
    attribute, topic = strongest(catalogue, evidence)
    lead = np.where(face > 0, attribute, -1 - topic)  # a seen attribute, else an interest
    top = diversified(candidates[np.argsort(-total[candidates], kind="stable")], lead, k)
    share = "" if seen == SEEN else " of your pictures with faces"
    out = []
    for row in top:
        reasons = []
        if face[row] > 0:
            best = int(attribute[row])
            reasons.append(f"{PHRASES[FACE_TARGETS[best]]} ({evidence.attributes[best]:.0%}"
                           f"{share}) -> {catalogue.names[row]}")
        if interest[row] > 0:
            best = int(topic[row])
            reasons.append(f"about {evidence.interest_names[best]} "
                           f"({evidence.interests[best]:.0%}) -> {catalogue.names[row]}")
        out.append(Match(int(catalogue.ids[row]), catalogue.names[row],
                         catalogue.categories[row], round(float(total[row]), 4), reasons))
    return out
