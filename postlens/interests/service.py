"""Interests as the product serves them: for one post or text, and stored user profiles.

A profile is kept in ``interest_profiles`` with a fingerprint of what it was built from
(the taxonomy and model, and the ids and weights of the posts and likes it aggregated). A
read recomputes it only when that fingerprint changed, i.e. when new posts or likes arrived,
so profiles stay fresh without a batch job and cost a lookup otherwise.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postlens.config import Settings
from postlens.errors import NotFound
from postlens.interests import pretrained
from postlens.interests.aggregate import (
    DEFAULT_RECENT,
    profile_of,
    recency_weights,
    top_interests,
)
from postlens.interests.model import InterestModel, PostContent
from postlens.interests.posts import load_posts
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import DEFAULT_TAXONOMY, Taxonomy, load_taxonomy
from postlens.store.schema import DEFAULT_WEIGHTS, Interaction, InterestProfile, Post, User
from postlens.text.minilm import MiniLMEncoder

log = logging.getLogger(__name__)

OWN_POST_WEIGHT = DEFAULT_WEIGHTS["like"]  # an own post counts as much as a like


# Interests stated at sign-up count as this many recent posts: they lead a new profile and
# fade as the person's own posts and likes accumulate.
STATED_WEIGHT = 2.0


@dataclass
class Activity:
    post_ids: list[int]  # newest first
    weights: np.ndarray
    stated: list[int] = field(default_factory=list)  # taxonomy indices stated at sign-up


class InterestService:
    """Builds interest models per taxonomy (with trained heads when saved) and profiles."""

    def __init__(self, settings: Settings, space: TextSpace | None = None) -> None:
        self.settings = settings
        self.space = space or TextSpace(
            MiniLMEncoder(settings.model_dir, settings.inference_threads), settings.model_dir)
        self.encoder = self.space.encoder
        self._models: dict[str, InterestModel] = {}
        self._lock = threading.Lock()

    def model(self, taxonomy: str | Path = DEFAULT_TAXONOMY) -> InterestModel:
        key = str(taxonomy)
        with self._lock:
            if key not in self._models:
                model = InterestModel(load_taxonomy(taxonomy), self.space)
                pretrained = self.pretrained_path(model.taxonomy)
                if pretrained is not None:
                    load_pretrained(model, pretrained)
                trained = self.trained_path(model.taxonomy)
                if trained.exists():
                    model.load(trained)
                self._models[key] = model
            return self._models[key]

    def warm_up(self, taxonomy: str | Path = DEFAULT_TAXONOMY) -> None:
        """Export and load the text model and embed the class and category texts now."""
        self.encoder.load()
        self.space.class_embeddings()
        self.space.prototypes(self.model(taxonomy).taxonomy)

    def trained_path(self, taxonomy: Taxonomy) -> Path:
        return self.settings.model_dir / f"interests-{taxonomy.name}.npz"

    def retrained_pretrained_path(self, taxonomy: Taxonomy) -> Path:
        """Where ``postlens train-interests --texts`` writes its text sources."""
        return self.settings.model_dir / f"pretrained-{taxonomy.name}.npz"

    def pretrained_path(self, taxonomy: Taxonomy) -> Path | None:
        """The text sources in use: retrained ones in the model folder, else shipped ones."""
        retrained = self.retrained_pretrained_path(taxonomy)
        return retrained if retrained.exists() else pretrained.shipped_path(taxonomy.name)

    def reload(self) -> None:
        """Forget loaded models (after training), so the next use reads the new files."""
        with self._lock:
            self._models.clear()

    # --- one post -------------------------------------------------------------------
    def for_post(self, content: PostContent, taxonomy: str | Path = DEFAULT_TAXONOMY,
                 k: int = 5) -> dict[str, Any]:
        """Top-k interests of one picture and/or text, per view, with confidence."""
        model = self.model(taxonomy)
        scores = model.score_posts([content])
        body: dict[str, Any] = {"taxonomy": model.taxonomy.name}
        for view in ("fused", "image", "text"):
            row = scores.view(view)[0]
            body[view] = [] if np.isnan(row).any() else model.ranked(row, k)
        return body

    # --- users ----------------------------------------------------------------------
    def activity(self, session: Session, user_id: int, recent: int = DEFAULT_RECENT
                 ) -> Activity:
        """The user's recent own posts and liked posts, newest first, with their weights."""
        own = session.execute(
            select(Post.id, Post.posted_at, Post.created_at).where(Post.author_id == user_id)
            .order_by(Post.posted_at.desc(), Post.id.desc()).limit(recent)).all()
        liked = session.execute(
            select(Interaction.post_id, Interaction.occurred_at, Interaction.weight)
            .where(Interaction.user_id == user_id, Interaction.weight > 0)
            .order_by(Interaction.occurred_at.desc()).limit(recent)).all()
        items: dict[int, tuple[datetime, float]] = {}
        for post_id, posted_at, created_at in own:
            items[post_id] = (_aware(posted_at or created_at), OWN_POST_WEIGHT)
        for post_id, occurred_at, weight in liked:
            when, total = items.get(post_id, (_aware(occurred_at), 0.0))
            items[post_id] = (max(when, _aware(occurred_at)), total + float(weight))
        ordered = sorted(items.items(), key=lambda kv: (kv[1][0], kv[0]), reverse=True)
        strength = np.array([w for _, (_, w) in ordered]) / OWN_POST_WEIGHT
        weights = recency_weights(len(ordered)) * np.minimum(strength, 2.0)
        return Activity([post_id for post_id, _ in ordered], weights)

    def profile(self, session: Session, user_id: int, taxonomy: str | Path = DEFAULT_TAXONOMY,
                k: int = 5, recent: int = DEFAULT_RECENT) -> dict[str, Any]:
        """The user's stored top-k profile, recomputed first if their activity changed."""
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(f"unknown user id {user_id}")
        model = self.model(taxonomy)
        activity = self.activity(session, user_id, recent)
        ids = model.taxonomy.ids
        activity.stated = [ids.index(i) for i in (user.attributes or {}).get(
            "stated_interests", []) if i in ids]
        fingerprint = _fingerprint(model, activity, k)
        stored = session.get(InterestProfile, (user_id, model.taxonomy.name))
        if stored is not None and stored.fingerprint == fingerprint:
            return _public(user, stored)
        interests = self._compute(session, model, activity, k)
        stored = session.merge(InterestProfile(
            user_id=user_id, taxonomy=model.taxonomy.name, fingerprint=fingerprint,
            interests=interests, n_posts=len(activity.post_ids), updated_at=datetime.now(UTC)))
        session.flush()
        return _public(user, stored)

    def _compute(self, session: Session, model: InterestModel, activity: Activity, k: int
                 ) -> list[dict[str, Any]]:
        posts = load_posts(session, activity.post_ids, self.encoder,
                           with_embedding="image" in model.heads)
        found = {p.id for p in posts}
        weights = np.array([w for i, w in zip(activity.post_ids, activity.weights,
                                              strict=True) if i in found])
        scores = model.score_posts([p.content for p in posts])  # no posts: no rows
        profile = profile_of(scores, weights)
        if activity.stated:
            stated = np.zeros(len(model.taxonomy))
            stated[activity.stated] = 1.0 / len(activity.stated)
            used = float(weights.sum())
            profile = stated if profile is None else (
                (used * profile + STATED_WEIGHT * stated) / (used + STATED_WEIGHT))
        if profile is None:
            return []
        image, text = (profile_of(scores, weights, view) for view in ("image", "text"))
        out = []
        for interest in top_interests(profile, scores.fused, weights, k):
            category = model.taxonomy.categories[interest.index]
            out.append({"id": category.id, "name": category.name,
                        "score": round(interest.score, 4),
                        "image_score": _at(image, interest.index),
                        "text_score": _at(text, interest.index),
                        "level": ("stated at sign-up" if interest.posts == 0
                                  and interest.index in activity.stated else interest.level),
                        "posts_showing": interest.posts,
                        "stated": interest.index in activity.stated,
                        "supporting_posts": [posts[j].id for j in interest.supporting]})
        return out


def shipped_model(space: TextSpace, taxonomy: str = DEFAULT_TAXONOMY) -> InterestModel:
    """A model with the sources shipped in the package for ``taxonomy`` (if any), and no
    trained heads: what postlens does out of the box."""
    model = InterestModel(load_taxonomy(taxonomy), space)
    path = pretrained.shipped_path(model.taxonomy.name)
    if path is not None:
        load_pretrained(model, path)
    return model


def load_pretrained(model: InterestModel, path: Path) -> None:
    """Give ``model`` the text sources in ``path`` and their pooling weights, when they were
    made for its taxonomy and text encoder."""
    sources, calibration, about = pretrained.load(path)
    encoder = model.space.encoder
    if (about.get("taxonomy") != model.taxonomy.name
            or about.get("encoder") != [encoder.name, encoder.version]
            or any(len(h.bias) != len(model.taxonomy) for h in sources.values())):
        log.warning("%s does not fit taxonomy %s and encoder %s; not used", path,
                    model.taxonomy.name, encoder.name)
        return
    model.pretrained, model.calibration = sources, calibration


def activity_counts(session: Session, user_id: int) -> tuple[int, int]:
    """All of a user's posts and interactions (the profile uses the recent ones)."""
    posts = session.scalar(select(func.count()).select_from(Post)
                           .where(Post.author_id == user_id)) or 0
    interactions = session.scalar(select(func.count()).select_from(Interaction)
                                  .where(Interaction.user_id == user_id)) or 0
    return posts, interactions


def _at(profile: np.ndarray | None, index: int) -> float | None:
    return None if profile is None else round(float(profile[index]), 4)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _fingerprint(model: InterestModel, activity: Activity, k: int) -> str:
    basis = {"taxonomy": [model.taxonomy.name, model.taxonomy.version,
                          [c.prompts() for c in model.taxonomy.categories]],
             "calibration": model.calibration.weights, "heads": sorted(model.heads),
             "pretrained": sorted(model.pretrained), "k": k, "stated": activity.stated,
             "posts": activity.post_ids, "weights": [round(float(w), 6) for w in activity.weights]}
    return hashlib.sha256(json.dumps(basis, sort_keys=True).encode()).hexdigest()


def _public(user: User, stored: InterestProfile) -> dict[str, Any]:
    return {"user_id": user.id, "handle": user.handle, "display_name": user.display_name,
            "taxonomy": stored.taxonomy, "interests": stored.interests,
            "posts_used": stored.n_posts, "updated_at": _aware(stored.updated_at).isoformat()}

