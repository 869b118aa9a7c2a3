"""What a post page and an upload answer show beside the picture's own analysis: the most
similar pictures (public ones) and the post's top interests from picture and caption."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from postlens.errors import NotFound

if TYPE_CHECKING:
    from postlens.interests.model import PostContent
    from postlens.interests.service import InterestService
    from postlens.recommend.live import LiveRecommender
    from postlens.store.db import Database


@dataclass
class PostInsights:
    similar_ids: list[int]
    similar_scores: list[float]
    interests: list[dict[str, Any]]


def post_insights(post_id: int, content: PostContent, recommender: LiveRecommender,
                  interests: InterestService, n_similar: int = 6, n_interests: int = 3
                  ) -> PostInsights:
    similar: tuple[list[int], list[float]] = ([], [])
    if content.embedding is not None:
        similar = recommender.similar_to_vector(content.embedding, n_similar, exclude=post_id)
    ranked = interests.for_post(content, k=n_interests)["fused"]
    return PostInsights(similar[0], similar[1], ranked)


def stored_post_insights(post_id: int, db: Database, recommender: LiveRecommender,
                         interests: InterestService) -> PostInsights:
    from postlens.interests.posts import load_posts

    with db.transaction() as session:
        stored = load_posts(session, [post_id], interests.encoder, with_embedding=True)
    if not stored:
        raise NotFound(f"unknown post id {post_id}")
    return post_insights(post_id, stored[0].content, recommender, interests)
