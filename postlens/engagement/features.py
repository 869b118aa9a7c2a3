"""What the likes model reads about one post, and the fixed feature columns it becomes.

One :class:`LikesInput` per post holds what is known *before* posting: the picture's
embedding and per-picture results (categories, faces, appearance), the caption's embedding
and counts, the posting time and the account's follower count. Likes themselves are the
target, never a feature. Columns are named so that predictions can be explained by block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from postlens.analysis.appearance import APPEARANCE_KEYS
from postlens.text.hashtags import hashtags
from postlens.vision.labels import content_categories

FACE_KEYS = ("eyewear", "hat", "beard", "lipstick", "makeup")
MENTION = "@"
MAX_AGE_DAYS = 365.0


@dataclass
class LikesInput:
    """One post as the likes model sees it; ``likes`` is only set for training posts."""

    account: str
    embedding: np.ndarray  # the picture's image embedding
    text_embedding: np.ndarray  # the caption's text embedding
    caption: str = ""
    posted_at: datetime | None = None
    categories: list[dict[str, Any]] = field(default_factory=list)
    faces: list[dict[str, Any]] = field(default_factory=list)
    appearance: dict[str, float] = field(default_factory=dict)
    size: tuple[int, int] = (1, 1)  # the picture's width and height, for face areas
    followers: int | None = None
    age_days: float | None = None  # how old the post was when its likes were counted
    likes: int | None = None
    name: str = ""  # a path or post id, for answers and messages


def _time_columns(item: LikesInput) -> list[float]:
    if item.posted_at is None:
        return [0.0] * 5
    hour = item.posted_at.hour + item.posted_at.minute / 60
    weekday = item.posted_at.weekday()
    return [math.sin(2 * math.pi * hour / 24), math.cos(2 * math.pi * hour / 24),
            math.sin(2 * math.pi * weekday / 7), math.cos(2 * math.pi * weekday / 7),
            float(weekday >= 5)]


def _face_columns(item: LikesInput) -> list[float]:
    faces = item.faces
    area = float(item.size[0] * item.size[1]) or 1.0
    largest = max(((f["box"][2] - f["box"][0]) * (f["box"][3] - f["box"][1]) for f in faces),
                  default=0.0)
    means = [float(np.mean([f.get("attributes", {}).get(key, 0.0) for f in faces]))
             if faces else 0.0 for key in FACE_KEYS]
    return [math.log1p(len(faces)), float(bool(faces)), math.sqrt(max(largest, 0.0) / area),
            *means]


def _caption_columns(item: LikesInput) -> list[float]:
    caption = item.caption or ""
    return [math.log1p(len(caption)), math.log1p(len(hashtags(caption))),
            math.log1p(caption.count(MENTION)), float(bool(caption.strip()))]


def _category_columns(item: LikesInput) -> list[float]:
    scores = {c.get("id"): float(c.get("score", 0.0)) for c in item.categories}
    return [scores.get(c.id, 0.0) for c in content_categories()]


def _appearance_columns(item: LikesInput) -> list[float]:
    return [float(item.appearance.get(key, 0.0)) for key in APPEARANCE_KEYS]


def _age_columns(item: LikesInput) -> list[float]:
    age = item.age_days
    return [math.log1p(min(max(age, 0.0), MAX_AGE_DAYS)) if age is not None else 0.0]


# block name -> (what a person reads in an explanation, column names, how to compute them)
BLOCKS = {
    "time": ("posting time (hour and weekday)",
             ["hour_sin", "hour_cos", "weekday_sin", "weekday_cos", "weekend"], _time_columns),
    "age": ("how long the post has been up", ["log_age_days"], _age_columns),
    "faces": ("faces in the picture", ["log_faces", "has_face", "largest_face",
                                       *[f"face_{k}" for k in FACE_KEYS]], _face_columns),
    "appearance": ("brightness, colour and sharpness", list(APPEARANCE_KEYS),
                   _appearance_columns),
    "categories": ("content category", [f"category_{c.id}" for c in content_categories()],
                   _category_columns),
    "caption": ("caption length, hashtags and mentions",
                ["log_chars", "log_hashtags", "log_mentions", "has_caption"],
                _caption_columns),
}
# the embedding blocks, reduced by PCA inside the model
EMBEDDING_BLOCKS = {"image": "what the picture shows", "text": "what the caption says"}
OTHER_LABELS = {"followers": "follower count (against the training accounts' median)"}


def tabular(items: list[LikesInput]) -> tuple[np.ndarray, list[str]]:
    """The hand-made columns of every post, with the block each column belongs to."""
    columns = [block for block, (_, names, _) in BLOCKS.items() for _ in names]
    rows = [[v for _, _, compute in BLOCKS.values() for v in compute(item)] for item in items]
    return np.asarray(rows, dtype=np.float64).reshape(len(items), len(columns)), columns


def embeddings(items: list[LikesInput]) -> tuple[np.ndarray, np.ndarray]:
    image = np.stack([np.asarray(i.embedding, dtype=np.float32) for i in items])
    text = np.stack([np.asarray(i.text_embedding, dtype=np.float32) for i in items])
    return image, text


def log_likes(items: list[LikesInput]) -> np.ndarray:
    return np.log1p(np.asarray([float(i.likes or 0) for i in items]))


def log_followers(items: list[LikesInput], default: float) -> np.ndarray:
    return np.asarray([math.log1p(i.followers) if i.followers is not None else default
                       for i in items])


def block_label(block: str) -> str:
    if block in BLOCKS:
        return BLOCKS[block][0]
    return {**EMBEDDING_BLOCKS, **OTHER_LABELS}[block]
