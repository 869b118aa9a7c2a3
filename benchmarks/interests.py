"""Interest scoring speed: caption embeddings, one post's interests, user profiles.

    python benchmarks/interests.py          # prints a table and updates docs/benchmarks.md

Captions are the real Instagram and tweet texts of ../shared/data when present (else
generated sentences); the profile measures use the Instagram accounts, imported into a
fresh temporary home. Everything runs as the server runs it: ONNX Runtime on the CPU.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.ingest import DATA, ROOT, write_docs


def captions(n: int) -> list[str]:
    texts: list[str] = []
    posts = DATA / "instagram-accounts" / "posts.csv"
    if posts.exists():
        with posts.open(newline="", encoding="utf-8") as handle:
            texts += [row["Caption"] for row in csv.DictReader(handle) if row["Caption"]]
    tweets = DATA / "tweets-with-images" / "posts.tsv"
    if tweets.exists():
        with tweets.open(encoding="utf-8") as handle:
            next(handle)
            texts += [line.split("\t")[1] for line in handle if line.count("\t") >= 2]
    if not texts:
        texts = [f"day {i} of my trip: beach, sunset and great food #travel" for i in range(n)]
    return (texts * (n // len(texts) + 1))[:n]


def timed(call, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append(time.perf_counter() - start)
    return out


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS")) / 1024


def text_model_memory(texts: list[str]) -> tuple[float, float]:
    """In a fresh process, as a server holds it (the ONNX file already exported): RSS added
    by loading MiniLM, and RSS added by then embedding ``texts`` one at a time."""
    from postlens.config import Settings
    from postlens.text.minilm import MiniLMEncoder

    encoder = MiniLMEncoder(Settings().model_dir)
    before = rss_mb()
    encoder.load()
    loaded = rss_mb()
    for text in texts:
        encoder.encode([text])
    return loaded - before, rss_mb() - loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-write", action="store_true", help="Do not update the docs.")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="postlens-bench-interests-"))
    os.environ["POSTLENS_HOME"] = str(home)

    from sqlalchemy import select

    from postlens.core import Postlens
    from postlens.interests.model import PostContent
    from postlens.store.schema import InterestProfile, TextEmbedding, User

    core = Postlens()
    service = core.interests
    start = time.perf_counter()
    service.encoder.load()
    first_load = time.perf_counter() - start  # includes the one-off ONNX export
    service.space.class_embeddings()
    texts = captions(2000)
    batch = timed(lambda: service.encoder.encode(texts), 1)[0]
    single = timed(lambda: service.encoder.encode([texts[7]]), 200)
    labels = [{"index": 967, "score": 0.6}, {"index": 968, "score": 0.2}]  # espresso, cup
    content = PostContent(caption=texts[3], labels=labels)
    service.for_post(content)
    per_post = timed(lambda: service.for_post(content), 200)
    varied = iter(texts[100:400])
    caption_only = timed(lambda: service.for_post(PostContent(caption=next(varied))), 300)

    rows: list[str] = []
    instagram = DATA / "instagram-accounts"
    if instagram.is_dir():
        db = core.db
        core.ingest("instaloader", instagram)
        with db.reader() as session:
            users = session.scalars(select(User.id)).all()

        def all_profiles() -> None:
            with db.transaction() as session:
                for user_id in users:
                    service.profile(session, user_id)

        def forget(table: type) -> None:
            with db.transaction() as session:
                session.query(table).delete()

        forget(TextEmbedding)
        cold = timed(all_profiles, 1)[0] / len(users)  # captions embedded and cached
        forget(InterestProfile)
        warm_text = timed(all_profiles, 1)[0] / len(users)  # captions from the cache
        cached = timed(all_profiles, 20)
        rows += [
            f"| profile from 10 posts, captions not yet embedded | {cold * 1000:.1f} ms | |",
            f"| profile from 10 posts, caption embeddings cached | {warm_text * 1000:.1f} ms |"
            " |",
            f"| stored profile, activity unchanged (lookup + fingerprint) | "
            f"{statistics.median(cached) / len(users) * 1000:.2f} ms | |"]
    cli = [timed(lambda: subprocess.run(
        [str(Path(sys.executable).parent / "postlens"), "interests", "golf at Augusta", "--json"],
        check=True, capture_output=True), 1)[0] for _ in range(3)]
    probe = subprocess.run(
        [sys.executable, "-c", "import json, sys; sys.path.insert(0, sys.argv[1]); "
         "from benchmarks.interests import captions, text_model_memory; "
         "print(json.dumps(text_model_memory(captions(400))))", str(ROOT)],
        check=True, capture_output=True, text=True)
    load_mb, working_mb = json.loads(probe.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report = "\n".join([
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({os.cpu_count()} cores), command `python benchmarks/interests.py`; "
        f"{len(texts):,} real captions and tweets; profiles over curlie-36.",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| MiniLM first load (ONNX export once, then verified load) | {first_load:.1f} s | |",
        f"| caption embeddings, batches of 64 | {len(texts) / batch:.0f} texts/s | |",
        f"| one caption embedding, p50 / p99 | {statistics.median(single) * 1000:.1f} / "
        f"{pct(single, 0.99) * 1000:.1f} ms | |",
        f"| one caption's interests (shipped text sources), 300 different captions, p50 / p99 "
        f"| {statistics.median(caption_only) * 1000:.1f} / "
        f"{pct(caption_only, 0.99) * 1000:.1f} ms | < 25 ms p50 |",
        f"| one post's interests (caption + labels, 3 views), p50 / p99 | "
        f"{statistics.median(per_post) * 1000:.1f} / {pct(per_post, 0.99) * 1000:.1f} ms | |",
        *rows,
        f"| `postlens interests TEXT`, process start included (median of 3) | "
        f"{statistics.median(cli):.2f} s | |",
        f"| text model memory in a fresh process: loading / embedding 400 captions | "
        f"+{load_mb:.0f} / +{working_mb:.0f} MB | |",
        f"| peak RSS of this benchmark process (includes the one-off export with torch) | "
        f"{peak:.0f} MB | |",
    ])
    print(report)
    if not args.no_write:
        write_docs(report, key="interests benchmark", title="Interests")


if __name__ == "__main__":
    main()
