"""Picture files in an S3-compatible bucket (AWS S3, MinIO, SeaweedFS...), through boto3.

Keys are ``<prefix><ab/cd/sha256.ext>``: content-addressed, so a put of bytes already there
writes nothing, and two workers storing the same picture store it once. S3 writes a whole
object or nothing, so no temporary files exist here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from postlens.errors import ConfigError, NotFound, StorageError
from postlens.store.blobs import StoredFile, check_relative, relative_path

if TYPE_CHECKING:
    from postlens.config import Settings


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client from the settings (endpoint, region, credentials)."""
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:  # pragma: no cover - boto3 is a declared dependency
        raise ConfigError("S3 storage needs boto3: pip install boto3") from exc
    key = settings.s3_access_key_id
    secret = settings.s3_secret_access_key
    return boto3.client(
        "s3", endpoint_url=settings.s3_endpoint_url, region_name=settings.s3_region,
        aws_access_key_id=key.get_secret_value() if key else None,
        aws_secret_access_key=secret.get_secret_value() if secret else None,
        config=Config(retries={"max_attempts": 5, "mode": "standard"},
                      s3={"addressing_style": "path"}))


def split_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise StorageError(f"{uri!r} is not an s3://bucket/key URI")
    return bucket, key


class S3BlobStore:
    def __init__(self, client: Any, bucket: str, prefix: str = "pictures/") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        if not settings.s3_bucket:
            raise ConfigError("POSTLENS_S3_BUCKET is not set")
        return cls(s3_client(settings), settings.s3_bucket, settings.s3_prefix)

    def _errors(self) -> tuple[type[Exception], ...]:
        from botocore.exceptions import BotoCoreError, ClientError

        return (BotoCoreError, ClientError)

    def put(self, sha256: str, extension: str, data: bytes) -> tuple[str, bool]:
        relative = relative_path(sha256, extension)
        key = self.prefix + relative
        try:
            try:
                head = self.client.head_object(Bucket=self.bucket, Key=key)
                if int(head["ContentLength"]) == len(data):
                    return relative, False
            except self._errors() as exc:
                if _status(exc) != 404:
                    raise
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                                   Metadata={"sha256": sha256})
        except self._errors() as exc:
            raise StorageError(f"cannot store {relative} in s3://{self.bucket}: {exc}") from exc
        return relative, True

    def read(self, relative: str) -> bytes:
        key = self.prefix + check_relative(relative)
        try:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except self._errors() as exc:
            if _status(exc) == 404:
                raise NotFound(f"picture file {relative} is missing from the store") from exc
            raise StorageError(f"cannot read s3://{self.bucket}/{key}: {exc}") from exc
        return body

    def delete(self, relative: str) -> None:
        key = self.prefix + check_relative(relative)
        try:
            self.client.delete_object(Bucket=self.bucket, Key=key)
        except self._errors() as exc:
            raise StorageError(f"cannot delete s3://{self.bucket}/{key}: {exc}") from exc

    def files(self) -> Iterator[StoredFile]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield StoredFile(item["Key"][len(self.prefix):],
                                 item["LastModified"].timestamp(), False)


def _status(exc: Exception) -> int | None:
    response = getattr(exc, "response", None) or {}
    code = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(code) if code is not None else None
