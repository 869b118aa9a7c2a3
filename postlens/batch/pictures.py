"""Pictures named by URI: a local path or ``s3://bucket/key`` (through the S3 settings)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from postlens.config import Settings
from postlens.errors import ImageTooLarge, NotFound, StorageError

_CLIENTS: dict[tuple[str | None, str], Any] = {}  # one S3 client per process and endpoint


def read_uri(uri: str, settings: Settings) -> bytes | Path:
    """A local file as a path (the analyzer reads it within its limits) or an S3 object's
    bytes (refused beyond ``max_image_bytes`` before it is downloaded)."""
    if not uri.startswith(("s3://", "s3a://")):
        path = Path(uri)
        if not path.is_file():
            raise NotFound(f"picture {uri} not found")
        return path
    from postlens.store.s3 import s3_client, split_uri

    bucket, key = split_uri(uri.replace("s3a://", "s3://", 1))
    endpoint = (settings.s3_endpoint_url, settings.s3_region)
    if endpoint not in _CLIENTS:
        _CLIENTS[endpoint] = s3_client(settings)
    client = _CLIENTS[endpoint]
    try:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = client.get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise NotFound(f"picture {uri} not found") from exc
            raise
        size = int(response.get("ContentLength", 0))
        if size > settings.max_image_bytes:
            response["Body"].close()
            raise ImageTooLarge(f"{uri} has {size} bytes, more than the "
                                f"{settings.max_image_bytes} allowed")
        data: bytes = response["Body"].read()
    except (BotoCoreError, ClientError) as exc:
        raise StorageError(f"cannot read {uri}: {exc}") from exc
    return data
