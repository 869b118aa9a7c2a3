"""Settings, read from the environment (prefix ``POSTLENS_``) or passed in explicitly.

One ``Settings`` instance is built at the edge (CLI, web app, test) and handed down; no
module reads the environment on its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from postlens.vision.images import ImageLimits


def _default_home() -> Path:
    return Path.home() / ".postlens"


class Settings(BaseSettings):
    """Every knob postlens has. Each field is documented in docs/configuration.md."""

    model_config = SettingsConfigDict(env_prefix="POSTLENS_", extra="ignore")

    home: Path = Field(default_factory=_default_home, description="Database, pictures, models.")
    database_url: str | None = Field(
        default=None,
        description="Any SQLAlchemy URL; default: a SQLite file in the home folder.",
    )
    image_encoder: str = Field(default="efficientnet-lite0", description="Registered encoder.")
    analysis_tasks: list[str] = Field(
        default=["embedding", "labels", "categories", "platform", "faces", "appearance"],
        description="Per-picture tasks run by default (postlens analyze --tasks overrides).")
    model_idle_seconds: float = Field(
        default=0.0, ge=0,
        description="Unload a model unused this long (0: keep models loaded).")
    max_image_bytes: int = Field(default=30 * 1024 * 1024, gt=0, description="Largest upload.")
    max_image_pixels: int = Field(
        default=64_000_000, gt=0, description="Largest width*height (decompression bombs)."
    )
    max_image_pixels_lossless: int = Field(
        default=36_000_000, gt=0,
        description="Largest width*height of a picture that is not a JPEG (decoded whole).")
    max_image_aspect: float = Field(
        default=20.0, ge=1.0, description="Largest long side / short side of a picture.")
    face_min_size: int = Field(
        default=24, ge=8, le=4096, description="Smallest face reported (pixels of its side).")
    likes_coverage: float = Field(
        default=0.8, gt=0.0, lt=1.0,
        description="Share of actual likes the predicted likes interval should contain.")
    top_k_labels: int = Field(default=5, ge=1, le=50, description="Labels kept per picture.")
    batch_size: int = Field(default=16, ge=1, le=256, description="Pictures per inference batch.")
    decode_workers: int = Field(default=2, ge=1, le=32, description="Decoding threads.")
    inference_threads: int = Field(
        default=0, ge=0, description="ONNX Runtime intra-op threads (0: one per core)."
    )
    pseudonymise_key: SecretStr | None = Field(
        default=None,
        description="When set, user handles are stored as keyed hashes (HMAC-SHA256).",
    )

    demo_login: bool = Field(
        default=False, description="Let the web app sign in as any demo user (demos only).")
    admin_key: SecretStr | None = Field(
        default=None, description="An API key that may read every user's private data.")
    uploads_per_minute: int = Field(
        default=60, ge=1, description="Pictures one user may upload per minute.")
    writes_per_minute: int = Field(
        default=600, ge=1, description="Other writes (feedback, visibility) per user a minute.")
    request_body_seconds: float = Field(
        default=30.0, gt=0, description="Time a client has to send a request body.")
    retrain_delay_seconds: float = Field(
        default=30.0, ge=0, description="Uploads trigger one retraining this long after.")
    served_model: str = Field(
        default="hybrid", description="The recommender the feed serves (hybrid, als...).")
    experiment: str = Field(default="ranker", description="The A/B experiment the feed runs.")
    log_retention_days: float = Field(
        default=90.0, ge=0, description="Keep logged recommendations this long (0: forever).")

    spark_master: str = Field(
        default="local[*]",
        description="Spark master URL for `postlens batch` (a cluster: spark://host:7077).")
    s3_bucket: str | None = Field(
        default=None, description="Store pictures in this S3 bucket instead of local files.")
    s3_prefix: str = Field(default="pictures/", description="Key prefix of stored pictures.")
    s3_endpoint_url: str | None = Field(
        default=None, description="An S3-compatible server (MinIO, SeaweedFS); default AWS.")
    s3_region: str = Field(default="us-east-1", description="The bucket's region.")
    s3_access_key_id: SecretStr | None = Field(
        default=None, description="S3 credentials; default: boto3's own lookup chain.")
    s3_secret_access_key: SecretStr | None = Field(default=None, description="See above.")
    model_check_seconds: float = Field(
        default=5.0, ge=0,
        description="How often a server looks for a model published by another worker "
                    "and for feedback recorded by other workers (0: never).")

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'postlens.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.home / "pictures"

    @property
    def image_limits(self) -> ImageLimits:
        from postlens.vision.images import ImageLimits

        return ImageLimits(self.max_image_bytes, self.max_image_pixels, self.max_image_aspect,
                           self.max_image_pixels_lossless)

    @property
    def served_dir(self) -> Path:
        """Pictures as served: re-encoded without metadata, made on first request."""
        return self.home / "served"

    @property
    def model_dir(self) -> Path:
        return self.home / "models"
