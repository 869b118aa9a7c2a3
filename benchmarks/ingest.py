"""Ingest throughput, per-stage time, peak memory and CLI latency, on the real shared data.

    python benchmarks/ingest.py            # prints a table and writes docs/benchmarks.md

Each data set is ingested in a fresh subprocess (so its peak RSS is its own) into a fresh
temporary home; the model-only ONNX Runtime throughput is measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
DATASETS = {
    "instagram-accounts (1080 px JPEG)": ("instaloader", DATA / "instagram-accounts"),
    "movielens posters (185x278 JPEG, all 3,872)": ("manifest", DATA / "movielens-posters"),
}


def poster_manifest(posters: Path, folder: Path) -> Path:
    """All posters as a manifest, so every file is ingested (not only rated movies)."""
    manifest = folder / "posters.jsonl"
    with manifest.open("w") as handle:
        for path in sorted((posters / "posters").glob("*.jpg")):
            handle.write(json.dumps({"path": str(path), "id": path.stem}) + "\n")
    return manifest


def run_one(format_name: str, path: str) -> dict[str, float]:
    """Ingest one data set in this process; print one JSON line of measurements."""
    from postlens.core import Postlens

    core = Postlens()
    analyzer = core.analyzer
    analyzer.encoder.encode(np.zeros((1, 3, 224, 224), dtype=np.float32))  # load the model
    core.db  # noqa: B018 - opened (and migrated) before the clock starts
    start = time.perf_counter()
    report = core.ingest(format_name, Path(path))
    wall = time.perf_counter() - start
    times = analyzer.times
    return {"pictures": times.count, "posts": report.posts_added, "wall_s": wall,
            "analysis_s": report.analysis_seconds, "storage_s": report.storage_seconds,
            "decode_s": times.decode, "preprocess_s": times.preprocess,
            "inference_s": times.inference,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def model_only_throughput(batch: int = 16, seconds: float = 8.0) -> float:
    from postlens.core import Postlens

    encoder = Postlens().analyzer.encoder
    pixels = np.random.default_rng(0).standard_normal((batch, 3, 224, 224)).astype(np.float32)
    encoder.encode(pixels)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        encoder.encode(pixels)
        done += batch
    return done / (time.perf_counter() - start)


def cli_latency(picture: Path, runs: int = 5) -> float:
    """Median seconds for `postlens analyze PICTURE --json`, process start included."""
    exe = Path(sys.executable).parent / "postlens"
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(exe), "analyze", str(picture), "--json"], check=True,
                       capture_output=True, env=os.environ)
        timings.append(time.perf_counter() - start)
    return float(np.median(timings))


def warm_latency(picture: Path, runs: int = 30) -> float:
    from postlens.core import Postlens

    analyzer = Postlens().analyzer
    data = picture.read_bytes()
    analyzer.analyze_one("warm-up", data)
    start = time.perf_counter()
    for i in range(runs):
        analyzer.analyze_one(f"run {i}", data)
    return (time.perf_counter() - start) / runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", nargs=2, metavar=("FORMAT", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="Do not update docs/.")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(*args.one)))
        return
    if not DATA.is_dir():
        sys.exit(f"the shared data is not at {DATA}; nothing to measure")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "POSTLENS_HOME": str(Path(tmp) / "models-home")}
        os.environ.update(env)
        model_rate = model_only_throughput()
        rows = []
        for title, (format_name, path) in DATASETS.items():
            target = poster_manifest(path, Path(tmp)) if format_name == "manifest" else path
            home = Path(tmp) / format_name
            (home / "models").mkdir(parents=True)
            for model_file in (Path(tmp) / "models-home" / "models").iterdir():
                (home / "models" / model_file.name).symlink_to(model_file)
            out = subprocess.run(
                [sys.executable, __file__, "--one", format_name, str(target)], check=True,
                capture_output=True, text=True, env={**env, "POSTLENS_HOME": str(home)})
            rows.append((title, json.loads(out.stdout.strip().splitlines()[-1])))
        sample = next((DATA / "instagram-accounts" / "posts" / "natgeo").glob("*.jpg"))
        cold = cli_latency(sample)
        warm = warm_latency(sample)
    report = render(model_rate, rows, cold, warm)
    print(report)
    if not args.no_write:
        write_docs(report)


def render(model_rate: float, rows: list[tuple[str, dict[str, float]]], cold: float,
           warm: float) -> str:
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}), command `python benchmarks/ingest.py`.",
        "",
        f"Model-only ONNX Runtime throughput (batch 16, 224 px): **{model_rate:.1f} pictures/s**",
        "",
        "| data set | pictures | end-to-end pictures/s | share of model-only | decode s* | "
        "preprocess s* | inference s | storage s | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for title, r in rows:
        rate = r["pictures"] / r["wall_s"]
        lines.append(
            f"| {title} | {r['pictures']:.0f} | {rate:.1f} | {rate / model_rate:.2f} | "
            f"{r['decode_s']:.1f} | {r['preprocess_s']:.1f} | {r['inference_s']:.1f} | "
            f"{r['storage_s']:.1f} | {r['peak_rss_mb']:.0f} |")
    lines += [
        "",
        "\\* decode and preprocess run in worker threads, overlapped with inference; their "
        "seconds are summed over threads.",
        "",
        f"`postlens analyze` of one 1080 px JPEG, process start included (median of 5): "
        f"**{cold:.2f} s**; warm engine, one picture at a time: **{warm * 1000:.1f} ms**.",
    ]
    return "\n".join(lines)


def write_docs(report: str, key: str = "ingest benchmark", title: str = "Ingest (foundation)"
               ) -> None:
    from postlens.evaluation.report import replace_section

    replace_section(ROOT / "docs" / "benchmarks.md", key, f"## {title}\n\n{report}",
                    "# Benchmarks\n")


if __name__ == "__main__":
    main()
