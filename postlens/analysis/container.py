"""``container``: what the file's headers say (format, metadata blocks, JPEG encoding,
file name), read without decoding; the evidence source-platform identification builds on."""

from __future__ import annotations

from typing import Any

from postlens.analysis.task import PictureContext, PictureTask
from postlens.vision.container import Container


class ContainerTask(PictureTask[Container]):
    name = "container"

    def run(self, picture: PictureContext) -> Container:
        return picture.loaded.container

    def to_json(self, result: Container) -> dict[str, Any]:
        return result.to_dict()
