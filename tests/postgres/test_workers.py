"""Two API workers on loopback ports sharing one PostgreSQL and nothing else (each has its
own home and model folder): feedback taken by one reaches the other's feed, and a model
published by a retraining elsewhere is picked up by both, each within the check interval."""

from __future__ import annotations

import csv
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select

from postlens.config import Settings
from postlens.core import Postlens
from postlens.recommend.live import file_version
from postlens.recommend.training import model_path
from postlens.runtime.cache import ModelCache
from postlens.samples import write_samples
from postlens.service.app import create_app
from postlens.store.schema import Post, Recommendation

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Worker:
    def __init__(self, settings: Settings, models: ModelCache) -> None:
        self.core = Postlens(settings, models=models, serving=True)
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(create_app(self.core), host="127.0.0.1",
                                                    port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.core.close()


def eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def shared(pg_settings: Settings, models: ModelCache, tmp_path: Path) -> Iterator[Settings]:
    settings = pg_settings.model_copy(update={"served_model": "als",
                                              "model_check_seconds": 0.2})
    pictures = write_samples(tmp_path / "pics", ["astronaut", "coffee", "chelsea", "rocket",
                                                 "camera", "horse"])
    with (tmp_path / "posts.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "user"])
        writer.writerows([[f"pics/{p.name}", "bo"] for p in pictures])
    setup = Postlens(settings, models=models)
    setup.ingest("manifest", tmp_path / "posts.csv")
    setup.close()
    yield settings


def test_feedback_and_new_models_reach_every_worker(shared: Settings,
                                                    models: ModelCache) -> None:
    admin = Postlens(shared, models=models)
    ana = admin.accounts.add_user("ana")
    key = {"X-API-Key": admin.accounts.create_key(ana.id)}
    with admin.db.reader() as session:
        posts = list(session.scalars(select(Post.id).order_by(Post.id)))
    admin.feedback(ana.id, posts[0], "like")
    admin.train("als")
    homes = [shared.home.parent / name for name in ("worker-1", "worker-2")]
    first, second = (Worker(shared.model_copy(update={"home": home}), models)
                     for home in homes)
    try:
        def feed(worker: Worker) -> list[int]:
            answer = httpx.get(f"{worker.url}/api/users/{ana.id}/recommendations?limit=10",
                               headers=key, timeout=30)
            assert answer.status_code == 200, answer.text
            return [item["post"]["id"] for item in answer.json()["items"]]

        shown = feed(second)
        assert shown and posts[0] not in shown
        liked = shown[0]
        answer = httpx.post(f"{first.url}/api/feedback", headers=key, timeout=30,
                            json={"post_id": liked, "kind": "like"})
        assert answer.status_code == 201, answer.text
        # The second worker's cached feed for ana goes, and the like filters the post.
        assert eventually(lambda: liked not in feed(second))

        admin.feedback(ana.id, posts[-1], "like")
        admin.train("als")  # a retraining elsewhere publishes a new model file
        published = f"als-{file_version(model_path(shared, 'als'))()}"

        for worker, home in zip((first, second), homes, strict=True):
            # Requests keep coming; within the check interval the worker serves the new model.
            assert eventually(lambda w=worker: bool(feed(w))
                              and w.core.recommender.version == published)
            # The worker's own model folder now holds the published file.
            assert file_version(home / "models" / "recommender-als.npz")() == published[4:]
        with admin.db.reader() as session:  # impressions are logged with the new version
            assert session.scalar(select(Recommendation.id).where(
                Recommendation.model_version == published).limit(1)) is not None
    finally:
        first.stop()
        second.stop()
        admin.close()
