"""The database schema (SQLAlchemy 2, declarative). Migrations live in store/migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

VISIBILITIES = ("private", "followers", "public")
INTERACTION_KINDS = ("view", "click", "like", "comment", "share", "save", "dislike", "rating")
# Implicit-feedback strength per kind, used when an importer gives no explicit weight.
DEFAULT_WEIGHTS = {"view": 0.5, "click": 1.0, "like": 2.0, "comment": 3.0, "share": 4.0,
                   "save": 4.0, "dislike": -2.0, "rating": 1.0}


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<source>:<external id>", or its keyed hash when pseudonymisation is on.
    handle: Mapped[str] = mapped_column(String(200), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    platform: Mapped[str | None] = mapped_column(String(40))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2id; None: no web sign-in
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Picture(Base):
    __tablename__ = "pictures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    format: Mapped[str] = mapped_column(String(10))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    n_bytes: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(200))  # relative to the blob folder
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    analyses: Mapped[list[Analysis]] = relationship(back_populates="picture")


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("source", "external_id"),
                      Index("ix_posts_author_time", "author_id", "posted_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(40))  # the importer or "upload"
    external_id: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    picture_id: Mapped[int | None] = mapped_column(ForeignKey("pictures.id"), index=True)
    caption: Mapped[str | None] = mapped_column(Text)
    hashtags: Mapped[list[Any]] = mapped_column(default=list)
    posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    platform: Mapped[str | None] = mapped_column(String(40))
    likes: Mapped[int | None] = mapped_column(BigInteger)
    comments: Mapped[int | None] = mapped_column(BigInteger)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # private (its author only), followers (and the author's followers) or public
    visibility: Mapped[str] = mapped_column(String(10), default="public",
                                            server_default="public", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    picture: Mapped[Picture | None] = relationship()
    author: Mapped[User | None] = relationship()


class Analysis(Base):
    __tablename__ = "analyses"
    __table_args__ = (UniqueConstraint("picture_id", "model", "model_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    picture_id: Mapped[int] = mapped_column(ForeignKey("pictures.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(80))
    model_version: Mapped[str] = mapped_column(String(40))
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32, little-endian
    dim: Mapped[int] = mapped_column(Integer)
    labels: Mapped[list[Any]] = mapped_column(default=list)
    categories: Mapped[list[Any]] = mapped_column(default=list)
    # Other per-picture task results (JSON form), by task name.
    results: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    picture: Mapped[Picture] = relationship(back_populates="analyses")


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (UniqueConstraint("user_id", "post_id", "kind", "occurred_at"),
                      Index("ix_interactions_post", "post_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    weight: Mapped[float] = mapped_column(Float)
    value: Mapped[float | None] = mapped_column(Float)  # e.g. a star rating
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Follow(Base):
    __tablename__ = "follows"

    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             primary_key=True)
    followee_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Recommendation(Base):
    """One item shown to one user: the log that feedback and A/B reports refer to."""

    __tablename__ = "recommendations"
    __table_args__ = (Index("ix_recommendations_arm", "experiment", "arm"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(String(300))
    model: Mapped[str] = mapped_column(String(40))
    model_version: Mapped[str] = mapped_column(String(40))
    experiment: Mapped[str | None] = mapped_column(String(80))
    arm: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Feedback(Base):
    """A reaction to a recommendation (impression, click, like, dislike, ...)."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("recommendation_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recommendation_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="SET NULL"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """A user's API key, stored only as its SHA-256; writes and private reads need one."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, stored here as its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class TextEmbedding(Base):
    """A post's caption embedding, computed once per text model."""

    __tablename__ = "text_embeddings"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"),
                                         primary_key=True)
    model: Mapped[str] = mapped_column(String(80), primary_key=True)
    model_version: Mapped[str] = mapped_column(String(40), primary_key=True)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)  # float32; empty for no text
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InterestProfile(Base):
    """A user's stored top interests over one taxonomy, with the activity it was built from."""

    __tablename__ = "interest_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    taxonomy: Mapped[str] = mapped_column(String(80), primary_key=True)
    # What the profile was built from: changes when new posts or likes arrive.
    fingerprint: Mapped[str] = mapped_column(String(64))
    interests: Mapped[list[Any]] = mapped_column(default=list)
    n_posts: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Product(Base):
    """A catalogue item that can be recommended for a picture or shown as an ad."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(120), unique=True)  # the catalogue's own id
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(80), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[float | None] = mapped_column(Float)
    currency: Mapped[str | None] = mapped_column(String(3))
    picture: Mapped[str | None] = mapped_column(String(500))  # a URL or a served file name
    tags: Mapped[list[Any]] = mapped_column(default=list)
    target_attributes: Mapped[list[Any]] = mapped_column(default=list)  # face attributes
    target_interests: Mapped[dict[str, Any]] = mapped_column(default=dict)  # id -> weight
    source: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AdImpression(Base):
    """One ad shown to one user (frequency capping, clicks and A/B reports read these)."""

    __tablename__ = "ad_impressions"
    __table_args__ = (Index("ix_ad_impressions_user_time", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[str] = mapped_column(String(36), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(String(300))
    experiment: Mapped[str | None] = mapped_column(String(80))
    arm: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    clicked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dismissed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PublishedModel(Base):
    """The newest saved file of each trained recommender, where every worker finds it
    (``postlens.recommend.publish``)."""

    __tablename__ = "published_models"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
