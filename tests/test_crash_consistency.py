"""kill -9 in the middle of an import and of uploads: the database stays consistent, and
`postlens doctor --repair` leaves no orphan file behind."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow
POSTLENS = str(Path(sys.executable).parent / "postlens")


def pictures(folder: Path, count: int) -> list[str]:
    rng = np.random.default_rng(1)
    names = []
    for i in range(count):
        noise = rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)
        name = f"p{i}.jpg"
        Image.fromarray(noise).save(folder / name, quality=85)
        names.append(name)
    return names


def consistent(home: Path) -> None:
    """Integrity check, every picture row has its file, every post's picture is analysed."""
    db = sqlite3.connect(home / "postlens.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    for (path,) in db.execute("SELECT path FROM pictures"):
        assert (home / "pictures" / path).is_file(), path
    unanalysed = db.execute("SELECT count(*) FROM posts p WHERE p.picture_id IS NOT NULL AND "
                            "NOT EXISTS (SELECT 1 FROM analyses a WHERE a.picture_id = "
                            "p.picture_id)").fetchone()[0]
    assert unanalysed == 0
    db.close()


def doctor(env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run([POSTLENS, "doctor", "--repair"], env=env, capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout)


def wait_for_files(folder: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not (folder.is_dir() and any(folder.rglob("*.jpg"))):
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.05)


def test_kill_during_an_import_leaves_nothing_half_done(tmp_path: Path,
                                                        cli_env: dict[str, str]) -> None:
    data = tmp_path / "data"
    data.mkdir()
    names = pictures(data, 120)
    (data / "m.csv").write_text("path,user\n" + "".join(f"{n},u{i % 7}\n"
                                                       for i, n in enumerate(names)))
    env = {**os.environ, **cli_env, "POSTLENS_BATCH_SIZE": "4"}
    home = Path(cli_env["POSTLENS_HOME"])
    job = subprocess.Popen([POSTLENS, "ingest", "manifest", str(data / "m.csv")], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_files(home / "pictures")
    job.send_signal(signal.SIGKILL)
    job.wait()
    consistent(home)
    db = sqlite3.connect(home / "postlens.db")
    assert db.execute("SELECT count(*) FROM posts").fetchone()[0] == 0  # one transaction
    db.close()
    left = [p for p in (home / "pictures").rglob("*") if p.is_file()]
    assert left  # killed while storing: files written, nothing committed
    report = doctor(env)  # fresh files are spared: a running import may still own them
    assert report["pictures"] == 0 and report["removed"] == 0
    for path in left:  # an hour later
        os.utime(path, (time.time() - 7200, time.time() - 7200))
    report = doctor(env)
    assert report["removed"] == len(left)
    assert not [p for p in (home / "pictures").rglob("*") if p.is_file()]
    rerun = subprocess.run([POSTLENS, "ingest", "manifest", str(data / "m.csv")], env=env,
                           capture_output=True, text=True, check=True)
    assert json.loads(rerun.stdout)["posts_added"] == 120
    consistent(home)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_kill_during_uploads_then_restart(tmp_path: Path, cli_env: dict[str, str]) -> None:
    env = {**os.environ, **cli_env}
    home = Path(cli_env["POSTLENS_HOME"])
    key = subprocess.run([POSTLENS, "users", "add", "uploader"], env=env, check=True,
                         capture_output=True)
    assert key.returncode == 0
    key = subprocess.run([POSTLENS, "keys", "create", "local:uploader"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    port = free_port()

    def start() -> subprocess.Popen[bytes]:
        server = subprocess.Popen([POSTLENS, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health").is_success:
                    return server
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)

    server = start()
    rng = np.random.default_rng(2)
    done = 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for i in range(40):
            buffer = io.BytesIO()
            Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(
                buffer, "JPEG")
            if i == 6:
                server.send_signal(signal.SIGKILL)  # mid-stream, uploads in flight
                server.wait()
                break
            response = client.post("/api/analyses", headers={"X-API-Key": key},
                                   files={"file": (f"{i}.jpg", buffer.getvalue(), "image/jpeg")})
            done += response.status_code == 201
    consistent(home)
    server = start()  # a restart works on what was left
    try:
        health = httpx.get(f"http://127.0.0.1:{port}/api/health").json()
        assert health["status"] == "ok"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    db = sqlite3.connect(home / "postlens.db")
    assert db.execute("SELECT count(*) FROM posts WHERE source='upload'").fetchone()[0] == done
    db.close()
    consistent(home)
