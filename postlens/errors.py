"""The postlens error hierarchy. Each class carries the HTTP status the API answers with."""

from __future__ import annotations


class PostlensError(Exception):
    """Base class: a problem the user can act on, with a stable machine-readable code."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, source: str | None = None) -> None:
        self.message = message
        self.source = source
        super().__init__(f"{source}: {message}" if source else message)

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {"code": self.code, "message": self.message}
        if self.source:
            body["source"] = self.source
        return body


class InvalidInput(PostlensError):
    status_code = 422
    code = "invalid_input"


class ImageError(InvalidInput):
    """A picture that cannot or must not be decoded."""

    code = "invalid_image"


class UnsupportedImageType(ImageError):
    status_code = 415
    code = "unsupported_media_type"


class ImageTooLarge(ImageError):
    status_code = 413
    code = "image_too_large"


class MalformedRecord(InvalidInput):
    """A bad row or field in an import file; ``source`` names the file and line."""

    code = "malformed_record"


class Unauthorized(PostlensError):
    status_code = 401
    code = "unauthorized"


class Forbidden(PostlensError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(PostlensError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, *, retry_after: int = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(PostlensError):
    status_code = 404
    code = "not_found"


class ModelError(PostlensError):
    """A model that cannot be built, exported or loaded."""

    code = "model_error"


class NotFittedError(PostlensError):
    """A model used before it was trained."""

    status_code = 409
    code = "not_fitted"


class TaxonomyError(InvalidInput):
    """A taxonomy file that cannot be used; the message names the file and the field."""

    code = "invalid_taxonomy"


class ConfigError(PostlensError):
    """A setting that cannot work (a missing bucket, no Java for Spark...)."""

    code = "config_error"


class StorageError(PostlensError):
    """The picture store or an external one (S3) failed; the message says which call."""

    status_code = 503
    code = "storage_unavailable"
