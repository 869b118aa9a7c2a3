"""Hostile load on the real server over loopback: pictures built to cost memory, and slow
clients trying to hold every connection.

    python benchmarks/hostile.py [--slow-clients 300]

Measures, against `postlens serve` on the demo community: for each hostile picture, the
answer (or refusal) time and the server's peak RSS while handling it; then, with N clients
each sending one body byte every 2 s, how long /api/health takes to answer.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import write_docs  # noqa: E402
from benchmarks.serve import rss_mb  # noqa: E402


def hostile_pictures() -> list[tuple[str, bytes]]:
    def png(size: tuple[int, int], mode: str) -> bytes:
        buffer = io.BytesIO()
        Image.new(mode, size).save(buffer, "PNG", optimize=True)
        return buffer.getvalue()

    noise = np.random.default_rng(0).integers(0, 255, (6000, 8000, 3), dtype=np.uint8)
    jpeg = io.BytesIO()
    Image.fromarray(noise).save(jpeg, "JPEG", quality=60)
    return [("1 x 50,000 strip PNG", png((1, 50_000), "RGB")),
            ("7999 x 7999 RGBA PNG", png((7999, 7999), "RGBA")),
            ("5999 x 5999 RGBA PNG (about the largest PNG accepted)",
             png((5999, 5999), "RGBA")),
            ("48 MP noise JPEG", jpeg.getvalue())]


def peak_rss_during(pid: int, action: callable) -> tuple[float, float, int]:  # type: ignore[valid-type]
    peak, stop = [rss_mb(pid)], threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak.append(rss_mb(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    status = action()
    elapsed = time.perf_counter() - start
    stop.set()
    sampler.join()
    return elapsed, max(peak), status


def slow_client(port: int, key: str, stop: threading.Event, opened: list[int]) -> None:
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return
    opened.append(1)
    body_length = 10_000
    head = (f"POST /api/interests HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {key}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {body_length}\r\n\r\n")
    try:
        sock.sendall(head.encode())
        while not stop.wait(2.0):
            sock.sendall(b" ")
    except OSError:
        pass  # the server cut us off: that is the point
    finally:
        sock.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--slow-clients", type=int, default=300)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    exe = str(Path(sys.executable).parent / "postlens")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "POSTLENS_HOME": tmp}
        subprocess.run([exe, "demo"], env=env, check=True, capture_output=True)
        key = next(iter(json.loads((Path(tmp) / "demo-keys.json").read_text()).values()))
        port = 8766
        server = subprocess.Popen([exe, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        rows = []
        try:
            for _ in range(150):
                try:
                    if httpx.get(f"{base}/api/health").is_success:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            with httpx.Client(base_url=base, timeout=60) as client:
                client.post("/api/interests", json={"text": "warm up"},
                            headers={"X-API-Key": key})
                for name, data in hostile_pictures():
                    def upload(data: bytes = data) -> int:
                        return client.post("/api/analyses", headers={"X-API-Key": key},
                                           files={"file": ("x", data, "image/png")}
                                           ).status_code
                    elapsed, peak, status = peak_rss_during(server.pid, upload)
                    rows.append((name, len(data), status, elapsed, peak, rss_mb(server.pid)))
            stop, opened = threading.Event(), []
            threads = [threading.Thread(target=slow_client, args=(port, key, stop, opened),
                                        daemon=True) for _ in range(args.slow_clients)]
            for thread in threads:
                thread.start()
            time.sleep(6)  # all connected and trickling
            health = []
            for _ in range(10):
                start = time.perf_counter()
                ok = httpx.get(f"{base}/api/health", timeout=10).status_code
                health.append((time.perf_counter() - start, ok))
                time.sleep(0.5)
            stop.set()
        finally:
            server.terminate()
            server.wait(timeout=30)
    worst = max(h[0] for h in health)
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({os.cpu_count()} cores), command `python benchmarks/hostile.py`, demo community.",
        "", "| hostile input | bytes | answer | time | server RSS peak / after | target |",
        "|---|---|---|---|---|---|",
        *[f"| {n} | {b:,} | {s} | {t:.2f} s | {p:.0f} / {a:.0f} MB | < 2 s, < 1.5 GB |"
          for n, b, s, t, p, a in rows],
        "", f"{len(opened)} slow clients connected (one body byte every 2 s): /api/health "
        f"answered {sum(ok == 200 for _, ok in health)} of {len(health)} times with 200, "
        f"slowest {worst * 1000:.0f} ms (target: 200 within 1 s).",
    ]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        write_docs(report, key="hostile benchmark", title="Hostile input")


if __name__ == "__main__":
    main()
