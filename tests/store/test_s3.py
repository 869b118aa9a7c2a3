"""Pictures in an S3-compatible bucket: a real HTTP S3 server (moto's server mode) on
loopback, reached through boto3 exactly as AWS, MinIO or SeaweedFS would be."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from postlens.config import Settings
from postlens.core import Postlens
from postlens.errors import InvalidInput, NotFound
from postlens.runtime.cache import ModelCache
from postlens.samples import write_samples
from postlens.store.doctor import check
from postlens.store.s3 import S3BlobStore, s3_client


@pytest.fixture
def s3_settings(tmp_path: Path, s3_endpoint: str) -> Settings:
    settings = Settings(home=tmp_path / "home", s3_bucket=f"pics-{tmp_path.name[-12:]}"
                        .lower().replace("_", "-"), s3_endpoint_url=s3_endpoint,
                        s3_access_key_id="test", s3_secret_access_key="test")
    s3_client(settings).create_bucket(Bucket=settings.s3_bucket)
    return settings


def test_content_addressed_and_idempotent(s3_settings: Settings) -> None:
    blobs = S3BlobStore.from_settings(s3_settings)
    sha = "ab" * 32
    relative, created = blobs.put(sha, "jpg", b"picture")
    assert (relative, created) == (f"ab/ab/{sha}.jpg", True)
    assert blobs.put(sha, "jpg", b"picture") == (relative, False)  # nothing written again
    assert blobs.read(relative) == b"picture"
    assert [f.relative for f in blobs.files()] == [relative]
    blobs.delete(relative)
    with pytest.raises(NotFound):
        blobs.read(relative)
    with pytest.raises(InvalidInput):
        blobs.read("../../etc/passwd")


def test_ingest_serve_export_and_delete_with_pictures_on_s3(
        s3_settings: Settings, models: ModelCache, tmp_path: Path) -> None:
    pictures = write_samples(tmp_path / "pics", ["astronaut", "coffee"])
    manifest = tmp_path / "posts.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "user"])
        writer.writerows([[f"pics/{p.name}", "ana"] for p in pictures])
    core = Postlens(s3_settings, models=models)
    try:
        assert core.ingest("manifest", manifest).pictures_added == 2
        assert core.ingest("manifest", manifest).posts_added == 0
        assert not s3_settings.blob_dir.exists()  # nothing on the local disk
        keys = {f.relative for f in core.db.blobs.files()}
        assert len(keys) == 2
        stored = core.db.blobs.read(sorted(keys)[0])
        assert stored in {p.read_bytes() for p in pictures}
        user = core.user("manifest:ana")
        assert b"pictures/" in core.privacy.export(user.id)
        core.db.blobs.put("cd" * 32, "jpg", b"orphan")
        report = check(core.db, repair=True, grace_seconds=0)
        assert report.orphan_files == [f"cd/cd/{'cd' * 32}.jpg"] and report.missing_files == []
        assert core.privacy.delete_user(user.id)["pictures"] == 2
        assert list(core.db.blobs.files()) == []
    finally:
        core.close()
