"""Spark batch analysis in local[2] against single-process analysis and ingest, same
pictures, same 2 cores, same run; and whether the outputs agree.

    python benchmarks/batch.py [--pictures 1000] [--no-write]

Pictures: the 200 Instagram downloads (1080 px) and the first MovieLens posters, with every
default analysis task (embedding, labels, categories, platform, faces, appearance).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import DATA, write_docs  # noqa: E402


def pictures(n: int) -> list[Path]:
    instagram = sorted((DATA / "instagram-accounts" / "posts").glob("*/*.jpg"))
    posters = sorted((DATA / "movielens-posters" / "posters").glob("*.jpg"))
    return (instagram + posters)[:n]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pictures", type=int, default=1000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from pyspark.sql import functions as F  # noqa: F401 - fail early without Spark

    from postlens.analysis.registry import build_analyzer
    from postlens.batch.analyze import analyse_manifest
    from postlens.batch.session import spark_session
    from postlens.config import Settings
    from postlens.core import Postlens
    from postlens.models import model_cache

    files = pictures(args.pictures)
    work = Path(tempfile.mkdtemp(prefix="postlens-batch-bench-"))
    manifest = work / "posts.jsonl"
    manifest.write_text("".join(json.dumps({"path": str(p), "id": f"{i}"}) + "\n"
                                for i, p in enumerate(files)))
    settings = Settings(home=work / "home")

    # 1. One process, the analyzer ingest uses (decode threads + ONNX on every core).
    analyzer = build_analyzer(settings, model_cache(settings))
    analyzer.analyze_one(str(files[0]), files[0])  # models loaded before the clock
    start = time.perf_counter()
    local = {r.source: r for r in analyzer.analyze_many((str(p), p) for p in files)}
    single_s = time.perf_counter() - start

    # 2. One process, the whole ingest (analysis + picture files + rows).
    core = Postlens(settings.model_copy(update={"home": work / "ingest-home"}))
    core.analyzer.analyze_one(str(files[0]), files[0])
    core.db  # noqa: B018 - migrated before the clock
    start = time.perf_counter()
    core.ingest("manifest", manifest)
    ingest_s = time.perf_counter() - start
    core.close()

    # 3. Spark local[2]: the session start is timed apart from the job.
    start = time.perf_counter()
    spark = spark_session("local[2]", "postlens batch benchmark")
    session_s = time.perf_counter() - start
    start = time.perf_counter()
    report = analyse_manifest(spark, str(manifest), work / "out", settings)
    spark_s = time.perf_counter() - start
    spark.stop()

    import pyarrow.parquet as pq

    rows = pq.read_table(work / "out" / "analyses").to_pylist()
    diffs, same_label, same_platform, same_faces = [], 0, 0, 0
    for row in rows:
        mine = local[row["uri"]]
        diffs.append(float(np.max(np.abs(np.asarray(row["embedding"]) - mine.embedding))))
        same_label += json.loads(row["labels"])[0]["label"] == mine.labels[0]["label"]
        others = json.loads(row["results"])
        same_platform += others["platform"]["name"] == mine.public["platform"]["name"]
        same_faces += len(others["faces"]) == len(mine.public["faces"])
    n = len(files)
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()} "
        f"({os.cpu_count()} cores), `python benchmarks/batch.py --pictures {n}`.", "",
        f"{n} pictures (200 Instagram 1080 px downloads, the rest MovieLens posters), every "
        "default task (embedding, labels, categories, platform, faces, appearance).", "",
        "| run | seconds | pictures/s | vs single-process analysis | vs single-process ingest |",
        "|---|---|---|---|---|",
        f"| single process: analysis (what ingest runs) | {single_s:.1f} | {n / single_s:.1f} "
        "| 1.00 | |",
        f"| single process: `ingest manifest` (analysis + files + rows) | {ingest_s:.1f} | "
        f"{n / ingest_s:.1f} | | 1.00 |",
        f"| Spark local[2]: `batch analyze` job | {spark_s:.1f} | {n / spark_s:.1f} | "
        f"{single_s / spark_s:.2f} | {ingest_s / spark_s:.2f} |",
        f"| Spark local[2]: session start + job | {session_s + spark_s:.1f} | "
        f"{n / (session_s + spark_s):.1f} | {single_s / (session_s + spark_s):.2f} | "
        f"{ingest_s / (session_s + spark_s):.2f} |", "",
        f"Agreement with the single-process analysis over {len(rows)} pictures "
        f"({report.errors} errors): largest embedding difference {max(diffs):.2e}, same top "
        f"label {same_label}/{len(rows)}, same platform {same_platform}/{len(rows)}, same "
        f"number of faces {same_faces}/{len(rows)}."]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_docs(text, "batch benchmark", "Spark batch analysis")


if __name__ == "__main__":
    main()
