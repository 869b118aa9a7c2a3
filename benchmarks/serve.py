"""Load on the real server over loopback: upload latency, feed throughput, a mixed soak.

    python benchmarks/serve.py [--soak-seconds 300]

Builds the demo community in a temporary home, starts `postlens serve` in a subprocess and
measures: upload-to-answer latency of 1080 px JPEGs with 4 concurrent clients; requests/s of
the recommendations endpoint (with `wrk` when installed, else Python threads); and a mixed
load (feeds, feedback, posts, similar, uploads) counting errors and sampling the server's RSS.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import DATA, write_docs  # noqa: E402


def pictures_1080(count: int) -> list[bytes]:
    """Distinct 1080 px JPEGs: the Instagram posts when present, else varied sample photos."""
    folder = DATA / "instagram-accounts" / "posts"
    files = sorted(folder.glob("*/*.jpg")) if folder.is_dir() else []
    if files:
        return [f.read_bytes() for f in files[:count]]
    from skimage import data as skdata

    rng = np.random.default_rng(0)
    base = Image.fromarray(skdata.astronaut()).resize((1080, 1080))
    out = []
    for _ in range(count):
        noisy = np.clip(np.asarray(base, np.int16) + rng.integers(-8, 8, (1080, 1080, 3)), 0, 255)
        buffer = io.BytesIO()
        Image.fromarray(noisy.astype(np.uint8)).save(buffer, "JPEG", quality=90)
        out.append(buffer.getvalue())
    return out


def captions_1080(count: int) -> list[str]:
    """The captions of the same Instagram posts (Instaloader's .txt), else generated ones."""
    folder = DATA / "instagram-accounts" / "posts"
    files = sorted(folder.glob("*/*.jpg")) if folder.is_dir() else []
    out = []
    for i in range(count):
        text = files[i].with_suffix(".txt") if i < len(files) else None
        out.append(text.read_text(encoding="utf-8")[:2200] if text and text.exists()
                   else f"day {i} of the trip: beach, sunset and great food #travel")
    return out


CAPTIONS = captions_1080(120)


def rss_mb(pid: int) -> float:
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024 if match else 0.0


def run_threads(workers: int, job: Callable[[int], None]) -> None:
    threads = [threading.Thread(target=job, args=(w,)) for w in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def bench_uploads(base: str, keys: list[str], pictures: list[bytes], clients: int = 4
                  ) -> tuple[float, float, int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def job(worker: int) -> None:
        nonlocal errors
        with httpx.Client(base_url=base, timeout=30) as client:
            # First request of each client, with a caption like the measured ones: the
            # connection, caches and every model's first run (the caption's too) are warm.
            warm = pictures[worker]
            client.post("/api/analyses", headers={"X-API-Key": keys[worker]},
                        files={"file": ("warm.jpg", warm, "image/jpeg")},
                        data={"caption": CAPTIONS[worker]})
            for i in range(worker + clients, len(pictures), clients):
                start = time.perf_counter()
                response = client.post("/api/analyses", headers={"X-API-Key": keys[worker]},
                                       files={"file": (f"{i}.jpg", pictures[i], "image/jpeg")},
                                       data={"caption": CAPTIONS[i]})
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    errors += response.status_code != 201

    run_threads(clients, job)
    return float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99)), errors


def bench_feed(base: str, key: str, user_id: int, seconds: int = 20) -> tuple[float, int, str]:
    url = f"{base}/api/users/{user_id}/recommendations?limit=10"
    if shutil.which("wrk"):
        out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-H", f"X-API-Key: {key}",
                              url], capture_output=True, text=True, check=True).stdout
        rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
        bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return rate, int(bad.group(1)) if bad else 0, "wrk -t2 -c8"
    done, errors, stop = [0], [0], time.time() + seconds

    def job(_: int) -> None:
        with httpx.Client(timeout=30) as client:
            while time.time() < stop:
                response = client.get(url, headers={"X-API-Key": key})
                done[0] += 1
                errors[0] += response.status_code != 200

    run_threads(8, job)
    return done[0] / seconds, errors[0], "8 Python threads"


def bench_profile(base: str, key: str, user_id: int, n: int = 200) -> tuple[float, float]:
    """p50 and p99 of one user's stored profile (activity unchanged between reads)."""
    latencies = []
    with httpx.Client(base_url=base, timeout=30) as client:
        client.get(f"/api/users/{user_id}/profile", headers={"X-API-Key": key})
        for _ in range(n):
            start = time.perf_counter()
            client.get(f"/api/users/{user_id}/profile", headers={"X-API-Key": key})
            latencies.append(time.perf_counter() - start)
    return float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99))


def soak(base: str, keys: dict[str, str], users: dict[str, int], pictures: list[bytes],
         seconds: int, pid: int, clients: int = 16) -> tuple[int, int, int, list[float]]:
    stop = time.time() + seconds
    counts, errors, limited, memory = [0], [0], [0], [rss_mb(pid)]
    failures: list[str] = []
    handles = list(keys)

    def job(worker: int) -> None:
        rng = np.random.default_rng(worker)
        with httpx.Client(base_url=base, timeout=60) as client:
            while time.time() < stop:
                handle = handles[int(rng.integers(len(handles)))]
                headers = {"X-API-Key": keys[handle]}
                draw = rng.random()
                if draw < 0.6:
                    response = client.get(f"/api/users/{users[handle]}/recommendations",
                                          headers=headers)
                    feed = response.json().get("items", []) if response.is_success else []
                    if feed and rng.random() < 0.5:
                        item = feed[int(rng.integers(len(feed)))]
                        response = client.post("/api/feedback", headers=headers, json={
                            "post_id": item["post"]["id"], "kind": str(rng.choice(
                                ["click", "like", "dislike"])),
                            "recommendation_id": item["recommendation_id"]})
                elif draw < 0.8:
                    response = client.get("/api/posts", params={"limit": 20})
                    posts = response.json()["items"]
                    post_id = posts[int(rng.integers(len(posts)))]["post"]["id"]
                    response = client.get(f"/api/posts/{post_id}/similar")
                    if response.status_code == 404:  # newer than the model: not an error
                        response = client.get(f"/api/posts/{post_id}")
                elif draw < 0.83:
                    i = int(rng.integers(len(pictures)))
                    response = client.post("/api/analyses", headers=headers,
                                           files={"file": ("p.jpg", pictures[i], "image/jpeg")},
                                           data={"caption": CAPTIONS[i]})
                elif draw < 0.88:
                    response = client.get(f"/api/users/{users[handle]}/profile",
                                          headers=headers)
                else:
                    response = client.get("/api/health")
                counts[0] += 1
                if response.status_code == 429:  # the per-key upload limit, by design
                    limited[0] += 1
                elif response.status_code >= 400:
                    errors[0] += 1
                    failures.append(f"{response.request.method} {response.request.url.path} "
                                    f"{response.status_code} {response.text[:120]}")

    sampler_stop = threading.Event()

    def sample() -> None:
        while not sampler_stop.wait(5):
            memory.append(rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    run_threads(clients, job)
    sampler_stop.set()
    memory.append(rss_mb(pid))
    for failure in failures[:5]:
        print("error:", failure, file=sys.stderr)
    return counts[0], errors[0], limited[0], memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--soak-seconds", type=int, default=300)
    parser.add_argument("--soak-clients", type=int, default=16)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    exe = str(Path(sys.executable).parent / "postlens")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "POSTLENS_HOME": tmp, "POSTLENS_RETRAIN_DELAY_SECONDS": "30"}
        subprocess.run([exe, "demo"], env=env, check=True, capture_output=True)
        keys: dict[str, str] = json.loads((Path(tmp) / "demo-keys.json").read_text())
        port = 8765
        log = (Path(tmp) / "server.log").open("w")
        server = subprocess.Popen([exe, "serve", "--port", str(port)], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/api/health").is_success:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            users = {h: _user_id(base, k) for h, k in keys.items()}
            pictures = pictures_1080(120)
            handles = list(keys)
            p50, p99, upload_errors = bench_uploads(base, [keys[h] for h in handles[:4]],
                                                    pictures[:80])
            first = handles[0]
            rate, feed_errors, tool = bench_feed(base, keys[first], users[first])
            profile_p50, profile_p99 = bench_profile(base, keys[first], users[first])
            db_before = db_bytes(Path(tmp))
            count, soak_errors, limited, memory = soak(
                base, keys, users, pictures[80:], args.soak_seconds, server.pid,
                args.soak_clients)
            db_growth = (db_bytes(Path(tmp)) - db_before) / 1e6
        finally:
            alive = server.poll() is None
            server.terminate()
            server.wait(timeout=30)
            if not alive:
                print((Path(tmp) / "server.log").read_text()[-3000:], file=sys.stderr)
    report = "\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({os.cpu_count()} cores; server and load generator share them), command "
        "`python benchmarks/serve.py`, demo community, SQLite.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| upload with its Instagram caption -> answer (labels, categories, interests, "
        f"similar), 1080 px JPEG, 4 concurrent clients, p50 | {p50 * 1000:.0f} ms | "
        "< 150 ms |",
        f"| same, p99 | {p99 * 1000:.0f} ms | < 400 ms |",
        f"| upload errors | {upload_errors} of 80 | 0 |",
        f"| recommendations endpoint ({tool}, 20 s) | {rate:.0f} requests/s, {feed_errors} "
        "errors | >= 300 requests/s |",
        f"| stored interest profile, p50 / p99 | {profile_p50 * 1000:.1f} / "
        f"{profile_p99 * 1000:.1f} ms | |",
        f"| mixed load for {args.soak_seconds} s, {args.soak_clients} clients (60% "
        "feed+feedback, 20% posts+similar, 3% captioned uploads, 5% profiles, rest health) | "
        f"{count} requests, {soak_errors} errors, {limited} uploads refused by the per-key "
        "upload limit (429, by design) | 0 errors |",
        f"| database growth during the mixed load | {db_growth:.1f} MB | bounded |",
        f"| server RSS during the mixed load: start / max / end | {memory[0]:.0f} / "
        f"{max(memory):.0f} / {memory[-1]:.0f} MB | bounded |",
    ])
    print(report)
    if not args.no_write:
        write_docs(report, key="serve benchmark", title="Web app and API under load")


def db_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in home.glob("postlens.db*"))


def _user_id(base: str, key: str) -> int:
    for candidate in range(1, 100):
        if httpx.get(f"{base}/api/users/{candidate}/profile",
                     headers={"X-API-Key": key}).is_success:
            return candidate
    raise RuntimeError("no user for a demo key")


if __name__ == "__main__":
    main()
