"""Import files as they come in the wild: every problem named by file and line, nothing
stored, no picture file left behind."""

from __future__ import annotations

import json
import lzma
import shutil
from pathlib import Path

import pytest

from postlens.core import Postlens
from postlens.errors import MalformedRecord


@pytest.fixture
def folder(tmp_path: Path, cat_jpeg: bytes, coffee_jpeg: bytes) -> Path:
    (tmp_path / "cat.jpg").write_bytes(cat_jpeg)
    (tmp_path / "coffee.jpg").write_bytes(coffee_jpeg)
    return tmp_path


def nothing_stored(core: Postlens) -> None:
    assert core.stats()["totals"]["posts"] == 0
    assert list(core.db.blobs.files()) == []  # the rollback took its files along


@pytest.mark.parametrize(("name", "content", "where", "message"), [
    ("bad.csv", b"path,caption\ncat.jpg,ok\ncoffee.jpg,caf\xe9\n", ":3", "not valid UTF-8"),
    ("huge.csv", b"path,caption\ncat.jpg,ok\ncoffee.jpg," + b"x" * 140_000 + b"\n", ":3",
     "field larger than field limit"),
    ("num.jsonl", b'{"path": "cat.jpg"}\n{"path": "coffee.jpg", "caption": [1, 2]}\n', ":2",
     "'caption' must be text"),
    ("likes.jsonl", b'{"path": "cat.jpg", "likes": "many"}\n', ":1", "whole number"),
    ("inf.jsonl", b'{"path": "cat.jpg", "likes": 1e300}\n', ":1", "too large"),
])
def test_bad_manifest_rows_name_file_and_line(core: Postlens, folder: Path, name: str,
                                              content: bytes, where: str,
                                              message: str) -> None:
    (folder / name).write_bytes(content)
    with pytest.raises(MalformedRecord, match=message) as caught:
        core.ingest("manifest", folder / name)
    assert caught.value.source and caught.value.source.endswith(f"{name}{where}")
    nothing_stored(core)


def test_a_byte_order_mark_and_a_numeric_caption_are_fine(core: Postlens, folder: Path) -> None:
    (folder / "excel.csv").write_bytes(b"\xef\xbb\xbfpath,caption\ncat.jpg,my cat\n")
    assert core.ingest("manifest", folder / "excel.csv").posts_added == 1
    (folder / "n.jsonl").write_text(json.dumps({"path": "coffee.jpg", "caption": 2024}))
    assert core.ingest("manifest", folder / "n.jsonl").posts_added == 1
    assert "2024" in core.captions([2]).values()


def test_instaloader_counts_and_shortcodes_are_checked(core: Postlens, tmp_path: Path,
                                                       cat_jpeg: bytes) -> None:
    account = tmp_path / "posts" / "someone"
    account.mkdir(parents=True)
    stamp = "2024-01-01_10-00-00"
    (account / f"{stamp}_UTC.jpg").write_bytes(cat_jpeg)
    node = {"node": {"shortcode": "abc", "edge_media_preview_like": {"count": "many"}}}
    (account / f"{stamp}_UTC.json.xz").write_bytes(lzma.compress(json.dumps(node).encode()))
    with pytest.raises(MalformedRecord, match=r"edge_media_preview_like\.count") as caught:
        core.ingest("instaloader", tmp_path)
    assert str(caught.value.source).endswith(".json.xz")
    node["node"] = {"shortcode": ["a", "list"]}
    (account / f"{stamp}_UTC.json.xz").write_bytes(lzma.compress(json.dumps(node).encode()))
    with pytest.raises(MalformedRecord, match="'shortcode' must be text"):
        core.ingest("instaloader", tmp_path)
    nothing_stored(core)


def test_movielens_nan_rating_rolls_back_and_leaves_no_poster_files(core: Postlens,
                                                                    tmp_path: Path,
                                                                    cat_jpeg: bytes) -> None:
    (tmp_path / "posters").mkdir()
    for movie in (1, 2):
        shutil.copyfile(Path(__file__), tmp_path / "unused")  # noise in the folder
        (tmp_path / "posters" / f"{movie}.jpg").write_bytes(cat_jpeg[:-2] + bytes([movie, 0]))
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n1,A (2001),Drama\n"
                                         "2,B (2002),Comedy\n")
    (tmp_path / "ratings.csv").write_text("userId,movieId,rating,timestamp\n1,1,4.0,100\n"
                                          "1,2,nan,200\n")
    with pytest.raises(MalformedRecord, match="rating must be a number") as caught:
        core.ingest("movielens", tmp_path)
    assert str(caught.value.source).endswith("ratings.csv:3")
    nothing_stored(core)


def test_doctor_removes_orphans_older_than_the_grace_period(core: Postlens,
                                                           folder: Path) -> None:
    (folder / "m.csv").write_text("path\ncat.jpg\n")
    core.ingest("manifest", folder / "m.csv")
    orphan = core.db.blobs.root / "ab" / "cd" / ("ab" * 32 + ".jpg")
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"left by a killed import")
    temporary = core.db.blobs.root / "ab" / ".tmp123.tmp"
    temporary.write_bytes(b"half")
    from postlens.store.doctor import check

    assert check(core.db).healthy  # too fresh: a running import may still own them
    report = check(core.db, grace_seconds=0)
    assert report.orphan_files == [orphan.relative_to(core.db.blobs.root).as_posix()]
    assert len(report.temporary_files) == 1 and not report.missing_files
    check(core.db, repair=True, grace_seconds=0)
    assert not orphan.exists() and not temporary.exists()
    assert check(core.db, grace_seconds=0).healthy and core.stats()["totals"]["posts"] == 1
