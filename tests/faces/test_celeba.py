"""CelebA-format folders: read as published, refused with file:line when malformed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from postlens.errors import InvalidInput
from postlens.faces.celeba import read_celeba


def folder(tmp_path: Path, text: str, files: tuple[str, ...] = ("a.jpg", "b.jpg")) -> Path:
    (tmp_path / "images").mkdir()
    for name in files:
        (tmp_path / "images" / name).write_bytes(b"x")
    (tmp_path / "list_attr_celeba.txt").write_text(text)
    return tmp_path


def test_reads_labels(tmp_path: Path) -> None:
    faces = read_celeba(folder(tmp_path, "2\nEyeglasses Wearing_Hat\na.jpg 1 -1\nb.jpg -1  1\n"))
    assert faces.files == ["a.jpg", "b.jpg"]
    assert faces.column("Eyeglasses").tolist() == [True, False]
    assert faces.column("Wearing_Hat").tolist() == [False, True]
    with pytest.raises(InvalidInput, match="no attribute 'Bald'"):
        faces.column("Bald")


@pytest.mark.parametrize("text, message", [
    ("x\nEyeglasses\na.jpg 1\n", ":1: expected the number of pictures"),
    ("2\nEyeglasses\na.jpg 1\nb.jpg 0\n", ":4: attribute values must be 1 or -1"),
    ("2\nEyeglasses\na.jpg 1 1\nb.jpg 1\n", ":3: expected a file name and 1 values"),
    ("2\nEyeglasses\n../a.jpg 1\nb.jpg 1\n", ":3: '../a.jpg' is not a plain file name"),
    ("2\nEyeglasses\na.jpg 1\na.jpg 1\n", ":4: a.jpg is listed twice"),
    ("3\nEyeglasses\na.jpg 1\nb.jpg 1\n", ":1: says 3 pictures, the file lists 2"),
    ("2\nEyeglasses\na.jpg 1\nc.jpg 1\n", "1 listed pictures are missing, e.g. c.jpg"),
])
def test_malformed_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)):
        read_celeba(folder(tmp_path, text))


def test_a_folder_without_the_attribute_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=re.escape("no list_attr_celeba.txt")):
        read_celeba(tmp_path)
