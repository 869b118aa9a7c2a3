"""Profile aggregation on small synthetic users with known answers."""

from __future__ import annotations

import numpy as np

from postlens.interests.aggregate import (
    fuse_profiles,
    profile_of,
    recency_weights,
    top_interests,
    weighted_mean,
)
from postlens.interests.model import PostScores

NAN = np.nan


def test_recency_halves_every_half_life() -> None:
    np.testing.assert_allclose(recency_weights(3, half_life=1.0), [1.0, 0.5, 0.25])


def test_profile_of_a_synthetic_user() -> None:
    # Three categories; newest post first. Two golf posts and one older cooking post.
    image = np.array([[0.6, 0.2, 0.2], [NAN, NAN, NAN], [0.1, 0.1, 0.8]])
    text = np.array([[0.8, 0.1, 0.1], [0.7, 0.2, 0.1], [NAN, NAN, NAN]])
    scores = PostScores(image, text, fused=np.full((3, 3), NAN))
    weights = recency_weights(3, half_life=1.0)  # 1, 0.5, 0.25
    image_profile = weighted_mean(image, weights)
    assert image_profile is not None
    np.testing.assert_allclose(image_profile, (np.array([0.6, 0.2, 0.2]) + 0.25 * np.array(
        [0.1, 0.1, 0.8])) / 1.25)
    text_profile = profile_of(scores, weights, "text")
    np.testing.assert_allclose(text_profile, [(0.8 + 0.35) / 1.5, 0.2 / 1.5, 0.15 / 1.5])
    fused = profile_of(scores, weights)
    assert fused is not None and abs(fused.sum() - 1) < 1e-9
    assert fused.argmax() == 0  # golf: first in both modalities


def test_fusion_is_the_normalised_product() -> None:
    fused = fuse_profiles(np.array([0.5, 0.5]), np.array([0.9, 0.1]), None)
    assert fused is not None  # a flat view leaves the other one as it is
    np.testing.assert_allclose(fused, [0.9, 0.1])
    both = fuse_profiles(np.array([0.6, 0.4]), np.array([0.6, 0.4]))
    assert both is not None  # agreeing views reinforce each other
    np.testing.assert_allclose(both, [0.36 / 0.52, 0.16 / 0.52])
    assert fuse_profiles(None, None) is None


def test_top_interests_name_their_supporting_posts() -> None:
    posts = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.6, 0.4]])
    weights = np.ones(4)
    profile = weighted_mean(posts, weights)
    assert profile is not None
    first, second = top_interests(profile, posts, weights, k=2)
    assert (first.index, second.index) == (0, 1)
    assert first.supporting == (0, 2, 3) and second.supporting == (1, 3, 2)
    assert abs(first.score - 0.6) < 1e-9


def test_a_user_without_usable_posts_has_no_profile() -> None:
    assert weighted_mean(np.full((2, 3), NAN), [1.0, 1.0]) is None
    assert weighted_mean(np.ones((2, 3)) / 3, [0.0, 0.0]) is None
