"""The per-picture tasks by name, and the order that satisfies what each one needs.

Adding a task: write its module (a :class:`PictureTask` subclass) and add one entry to
:data:`BUILTIN_TASKS`; the analyzer, the CLI's ``--tasks`` and the stored results pick it up.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from postlens.analysis.analyzer import Analyzer
from postlens.analysis.appearance import AppearanceTask
from postlens.analysis.categories import CategoriesTask
from postlens.analysis.container import ContainerTask
from postlens.analysis.embedding import EmbeddingTask
from postlens.analysis.faces import FacesTask
from postlens.analysis.labels import LabelsTask
from postlens.analysis.platform import PlatformTask
from postlens.analysis.task import PictureTask, TaskFactory
from postlens.config import Settings
from postlens.errors import InvalidInput
from postlens.faces.attributes import FaceAttributeModel
from postlens.provenance.model import PlatformClassifier
from postlens.runtime.cache import ModelCache
from postlens.vision.encoders import ImageEncoder
from postlens.vision.face_detector import CenterFaceDetector

BUILTIN_TASKS: dict[str, TaskFactory] = {
    "embedding": lambda settings, models: EmbeddingTask(),
    "labels": lambda settings, models: LabelsTask(settings.top_k_labels),
    "categories": lambda settings, models: CategoriesTask(),
    "container": lambda settings, models: ContainerTask(),
    "appearance": lambda settings, models: AppearanceTask(),
    "platform": lambda settings, models: PlatformTask(
        models.get_as(PLATFORM_MODEL, PlatformClassifier)),
    "faces": lambda settings, models: FacesTask(
        models.get_as(FACE_DETECTOR, CenterFaceDetector),
        models.get_as(FACE_ATTRIBUTES, FaceAttributeModel), min_face=settings.face_min_size),
}
# What every stored analysis holds: recommendations and interests read these.
STORED_TASKS = ("embedding", "labels", "categories")
PLATFORM_MODEL = "platform"
FACE_DETECTOR = "centerface"
FACE_ATTRIBUTES = "face-attributes"


def available_tasks() -> list[str]:
    return sorted(BUILTIN_TASKS)


def build_tasks(names: Iterable[str], settings: Settings, models: ModelCache
                ) -> list[PictureTask[Any]]:
    """The tasks asked for plus everything they need, each before the tasks that need it."""
    built: dict[str, PictureTask[Any]] = {}
    visiting: set[str] = set()

    def add(name: str) -> None:
        if name in built:
            return
        if name not in BUILTIN_TASKS:
            raise InvalidInput(f"unknown analysis task {name!r}; available: "
                               f"{', '.join(available_tasks())}")
        if name in visiting:
            raise InvalidInput(f"analysis task {name!r} needs itself")
        visiting.add(name)
        task = BUILTIN_TASKS[name](settings, models)
        for needed in task.needs:
            add(needed)
        built[name] = task
        visiting.discard(name)

    for name in names:
        add(name)
    return list(built.values())


def build_analyzer(settings: Settings, models: ModelCache, tasks: Iterable[str] | None = None
                   ) -> Analyzer:
    """An analyzer running ``tasks`` (default: the settings' ``analysis_tasks``) with the
    image encoder the settings name, shared through the model cache."""
    encoder = models.get(settings.image_encoder)
    if not isinstance(encoder, ImageEncoder):
        raise InvalidInput(f"model {settings.image_encoder!r} is not an image encoder")
    names = list(tasks) if tasks is not None else list(settings.analysis_tasks)
    return Analyzer(encoder, build_tasks(names, settings, models),
                    limits=settings.image_limits,
                    batch_size=settings.batch_size, workers=settings.decode_workers)
