"""Response and request bodies (ThingPublic / ThingCreate), built from library objects."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from fastapi import Response
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from postlens.provenance.identify import sentence
from postlens.recommend.feed import FeedPage
from postlens.service.likes_schemas import LikesPredictionPublic
from postlens.store.db import MAX_ID
from postlens.store.schema import Analysis, Post

TaxonomyName = Literal["curlie-36", "babelnet-34", "content-categories", "movielens-genres"]
FeedbackKind = Literal["impression", "click", "like", "dislike", "share", "save", "comment"]


class Scored(BaseModel):
    label: str
    score: float


class CategoryScore(BaseModel):
    category: str
    id: str
    score: float


PlatformName = Literal["facebook", "instagram", "twitter", "whatsapp", "telegram", "linkedin",
                       "flickr", "original", "unknown"]


class PlatformPublic(BaseModel):
    """Which platform the picture file was downloaded from, read from its container."""

    name: PlatformName = Field(description="`original`: a camera or editor file that never "
                                           "went through a platform; `unknown`: none named "
                                           "with enough confidence, or cues that contradict.")
    confidence: float = Field(ge=0, le=1, description="Calibrated probability of `name`.")
    scores: dict[str, float] = Field(description="Probability of every class.")
    evidence: list[str] = Field(description="The file's facts behind the answer.")
    sentence: str = Field(description='For people: "Probably downloaded from Instagram, 97%".')


def platform_public(body: dict[str, Any] | None) -> PlatformPublic | None:
    """The stored or fresh JSON form of the platform task, presented (None if absent)."""
    if not body or body.get("name") not in get_args(PlatformName):
        return None
    return PlatformPublic(name=body["name"], confidence=float(body["confidence"]),
                          scores=dict(body.get("scores") or {}),
                          evidence=list(body.get("evidence") or []),
                          sentence=sentence(body["name"], float(body["confidence"])))


class FacePublic(BaseModel):
    box: list[float] = Field(description="x1, y1, x2, y2 in the picture's pixels.")
    score: float = Field(description="The detector's confidence.")
    landmarks: list[list[float]] = Field(description="Eyes, nose, mouth corners (x, y).")
    attributes: dict[str, float] = Field(
        description="Calibrated probability of each attribute products target (hat, eyewear, "
                    "beard...); from 0.5 the face is said to show it.")


class ProductPublic(BaseModel):
    id: int
    sku: str
    name: str
    category: str
    description: str
    price: float | None
    currency: str | None
    picture: str | None
    tags: list[str]
    target_attributes: list[str]
    target_interests: dict[str, float]
    score: float | None = None
    reasons: list[str] = Field(default_factory=list, description="Why it is recommended.")
    impression_id: int | None = Field(None, description="For ads: send reactions with it.")


class PostPublic(BaseModel):
    id: int
    caption: str | None
    hashtags: list[str]
    platform: str | None
    posted_at: datetime | None = Field(description="With its time zone (UTC when stored "
                                                   "without one).")
    likes: int | None
    picture_url: str | None
    labels: list[Scored] = []
    categories: list[CategoryScore] = []
    detected_platform: PlatformPublic | None = Field(
        default=None, description="The platform the picture file was downloaded from, as "
                                  "detected (`platform` is where the post was imported from).")
    faces: list[FacePublic] | None = Field(
        default=None, description="Faces found and what they wear (None: not analysed).")

    visibility: Literal["private", "followers", "public"] = "public"

    @field_validator("posted_at")
    @classmethod
    def _with_zone(cls, value: datetime | None) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class ItemPublic(BaseModel):
    post: PostPublic
    score: float
    explanation: str | None = None
    recommendation_id: int | None = None


class Page(BaseModel):
    items: list[ItemPublic]
    offset: int
    limit: int


class InterestScore(BaseModel):
    id: str
    name: str
    score: float


class InterestsPublic(BaseModel):
    taxonomy: str
    fused: list[InterestScore]
    image: list[InterestScore]
    text: list[InterestScore]


class InterestsQuery(BaseModel):
    text: str = Field(min_length=1, max_length=5000, description="A caption or any text.")
    taxonomy: TaxonomyName = Field(default="curlie-36", description="A built-in taxonomy.")
    k: int = Field(default=5, ge=1, le=50)


class StatedInterests(BaseModel):
    interests: list[str] = Field(max_length=10, description="curlie-36 interest ids, e.g. "
                                                            "[\"golf\", \"travel\"].")


class ProfileInterest(InterestScore):
    image_score: float | None = Field(description="The picture-only profile's confidence.")
    text_score: float | None = Field(description="The text-only profile's confidence.")
    supporting_posts: list[int]
    level: str | None = Field(None, description="clearly into, some interest or touched once: "
                                                "the share of recent posts that show it")
    posts_showing: int | None = None
    stated: bool = Field(False, description="Stated at sign-up.")


class AnalysisPublic(BaseModel):
    post_id: int
    faces: list[FacePublic] = Field(default_factory=list)
    products: list[ProductPublic] = Field(
        default_factory=list, description="Products for what the picture shows (see "
                                          "POST /api/products/recommendations).")
    predicted_likes: LikesPredictionPublic | None = Field(
        None, description="Likes it would get, with an interval (once a model is trained).")
    sha256: str
    width: int
    height: int
    format: str
    labels: list[Scored]
    categories: list[CategoryScore]
    interests: list[InterestScore]
    similar: list[ItemPublic]
    platform: PlatformPublic | None = None
    model: str


class DeletedPublic(BaseModel):
    posts: int
    pictures: int
    interactions: int


class VisibilityUpdate(BaseModel):
    visibility: Literal["private", "followers", "public"]


class FeedbackCreate(BaseModel):
    post_id: int = Field(ge=1, le=MAX_ID)
    kind: FeedbackKind = Field(description="What happened; likes, dislikes, saves and shares "
                                           "count once per post.")
    recommendation_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class FeedbackPublic(BaseModel):
    post_id: int
    kind: FeedbackKind
    weight: float


class ProfilePublic(BaseModel):
    user_id: int
    handle: str
    display_name: str | None
    taxonomy: str
    interests: list[ProfileInterest]
    posts_used: int
    updated_at: str
    posts: int
    interactions: int


def post_public(post: Post, analysis: Analysis | None = None) -> PostPublic:
    return PostPublic(
        id=post.id, caption=post.caption, hashtags=list(post.hashtags or []),
        platform=post.platform, posted_at=post.posted_at, likes=post.likes,
        picture_url=f"/pictures/{post.id}" if post.picture_id else None,
        visibility=post.visibility,  # type: ignore[arg-type]  # checked on every write
        labels=[Scored(label=x["label"], score=x["score"]) for x in (analysis.labels or [])]
        if analysis else [],
        categories=[CategoryScore(**c) for c in (analysis.categories or [])] if analysis else [],
        detected_platform=platform_public((analysis.results or {}).get("platform"))
        if analysis else None,
        faces=None if analysis is None or "faces" not in (analysis.results or {})
        else [FacePublic(**f) for f in analysis.results["faces"]])


def json_response(body: BaseModel | list[Any], status_code: int = 200) -> Response:
    """Serialise once with pydantic-core; returning a Response skips FastAPI's re-validation
    of the response model (which would rebuild every nested model a second time)."""
    if isinstance(body, list):
        content = b"[" + b",".join(item.model_dump_json().encode() for item in body) + b"]"
    else:
        content = body.model_dump_json().encode()
    return Response(content, status_code=status_code, media_type="application/json")


class PostCache:
    """Presented posts by id. Posts do not change once stored, so feeds skip the database
    and validation for posts they have shown before; bounded, oldest dropped first."""

    def __init__(self, size: int = 20_000) -> None:
        self.size = size
        self._posts: dict[int, PostPublic] = {}
        self._lock = threading.Lock()

    def forget(self, post_id: int) -> None:
        with self._lock:
            self._posts.pop(post_id, None)

    def get_many(self, session: Session, ids: list[int]) -> dict[int, PostPublic]:
        with self._lock:
            found = {i: self._posts[i] for i in ids if i in self._posts}
        missing = [i for i in ids if i not in found]
        if missing:
            fresh = posts_by_id(session, missing)
            with self._lock:
                self._posts.update(fresh)
                while len(self._posts) > self.size:
                    self._posts.pop(next(iter(self._posts)))
            found.update(fresh)
        return found


def posts_by_id(session: Session, ids: list[int]) -> dict[int, PostPublic]:
    rows = session.execute(select(Post, Analysis).outerjoin(
        Analysis, Analysis.picture_id == Post.picture_id).where(Post.id.in_(ids))).all()
    return {post.id: post_public(post, analysis) for post, analysis in rows}


def items(session: Session, ids: list[int], scores: list[float],
          explanations: list[str] | None = None,
          recommendation_ids: list[int | None] | None = None,
          cache: PostCache | None = None) -> list[ItemPublic]:
    posts = cache.get_many(session, ids) if cache else posts_by_id(session, ids)
    out = []
    for i, (post_id, score) in enumerate(zip(ids, scores, strict=True)):
        if post_id in posts:
            out.append(ItemPublic(
                post=posts[post_id], score=round(float(score), 5),
                explanation=explanations[i] if explanations else None,
                recommendation_id=recommendation_ids[i] if recommendation_ids else None))
    return out


def feed_public(session: Session, page: FeedPage, cache: PostCache) -> Page:
    """A feed page with each post presented (from the cache when shown before)."""
    return Page(items=items(session, [i.post_id for i in page.items],
                            [i.score for i in page.items],
                            [i.explanation for i in page.items],
                            [i.recommendation_id for i in page.items], cache=cache),
                offset=page.offset, limit=page.limit)


def export_response(archive: bytes) -> Response:
    return Response(archive, media_type="application/zip", headers={
        "Content-Disposition": 'attachment; filename="postlens-my-data.zip"',
        "Cache-Control": "no-store"})
