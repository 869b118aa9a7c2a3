"""``postlens batch analyze``: the per-picture tasks over a manifest, inside Spark executors.

* The manifest (CSV, JSON Lines or Parquet) has a ``path`` (or ``uri``) column: local paths,
  relative to the manifest like ``postlens ingest manifest``, or ``s3://bucket/key``. Its
  other columns (caption, user, likes, timestamp...) travel with each picture, so
  ``postlens batch load`` can store the posts without the manifest.
* Each Python worker builds one analyzer (models loaded once, reused across tasks:
  ``spark.python.worker.reuse``) and runs it over Arrow batches (``mapInArrow``).
* Output: ``OUT/analyses`` (one row per picture) and ``OUT/errors`` (one row per picture
  that could not be read or analysed, with the reason), both Parquet. A rerun skips every
  URI already in either, so a job that died half-way picks up where it stopped; the work is
  written in chunks of ``chunk_rows`` pictures, each chunk committed on its own.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postlens.batch.pictures import read_uri
from postlens.config import Settings
from postlens.errors import InvalidInput, PostlensError

OUTPUT_SCHEMA = (
    "uri string, post string, sha256 string, format string, width int, height int, "
    "bytes long, model string, model_version string, embedding array<float>, labels string, "
    "categories string, results string, error string, error_code string")
MANIFEST_FORMATS = {".csv": "csv", ".jsonl": "json", ".ndjson": "json", ".json": "json",
                    ".parquet": "parquet"}
# Settings the executors need to rebuild the analyzer (the rest stays on the driver).
WORKER_SETTINGS = ("home", "image_encoder", "analysis_tasks", "top_k_labels", "face_min_size",
                   "max_image_bytes", "max_image_pixels", "max_image_pixels_lossless",
                   "max_image_aspect", "batch_size", "s3_endpoint_url", "s3_region",
                   "s3_access_key_id", "s3_secret_access_key")


@dataclass
class BatchReport:
    manifest_rows: int = 0
    skipped: int = 0  # done by an earlier run
    analysed: int = 0
    errors: int = 0
    seconds: float = 0.0

    @property
    def pictures_per_second(self) -> float:
        return (self.analysed + self.errors) / self.seconds if self.seconds else 0.0


def worker_settings(settings: Settings, tasks: list[str] | None) -> dict[str, Any]:
    """The settings an executor rebuilds its analyzer from: one inference thread and one
    decode thread per Python worker, since Spark runs one worker per core."""
    fields: dict[str, Any] = {}
    for name in WORKER_SETTINGS:
        value = getattr(settings, name)
        fields[name] = value.get_secret_value() if hasattr(value, "get_secret_value") else value
    fields["home"] = str(settings.home)
    if tasks is not None:
        fields["analysis_tasks"] = list(tasks)
    return {**fields, "inference_threads": 1, "decode_workers": 1}


_WORKER: dict[str, Any] = {}  # per Python worker: the analyzer, built on first use


def _analyzer(fields: dict[str, Any]) -> Any:
    key = json.dumps(fields, sort_keys=True, default=str)
    if _WORKER.get("key") != key:
        from postlens.analysis.registry import build_analyzer
        from postlens.models import model_cache

        settings = Settings(**fields)
        _WORKER.update(key=key, settings=settings,
                       analyzer=build_analyzer(settings, model_cache(settings)))
    return _WORKER["analyzer"], _WORKER["settings"]


def analyse_batches(fields: dict[str, Any]) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The function ``mapInArrow`` runs: Arrow batches of (uri, post) in, results out."""
    def run(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        analyzer, settings = _analyzer(fields)
        for batch in batches:
            uris = batch.column("uri").to_pylist()
            posts = batch.column("post").to_pylist()
            yield pa.RecordBatch.from_pylist(
                list(analyse_rows(analyzer, settings, uris, posts)), schema=arrow_schema())
    return run


def analyse_rows(analyzer: Any, settings: Settings, uris: list[str], posts: list[str]
                 ) -> Iterator[dict[str, Any]]:
    """One output row per URI, in order; a picture that fails gives an error row."""
    from postlens.analysis.picture import AnalysisFailure

    inputs, failures = [], {}
    for uri in uris:
        try:
            inputs.append((uri, read_uri(uri, settings)))
        except PostlensError as exc:
            failures[uri] = exc
    results = {r.source: r for r in analyzer.analyze_many(inputs)}
    for uri, post in zip(uris, posts, strict=True):
        row: dict[str, Any] = {"uri": uri, "post": post}
        result = results.get(uri)
        if result is None or isinstance(result, AnalysisFailure):
            error = failures.get(uri) or (result.error if result else None)
            row.update(error=error.message if error else "not analysed",
                       error_code=error.code if error else "internal_error")
            yield row
            continue
        public = dict(result.public)
        row.update(
            sha256=result.sha256, format=result.format, width=result.width,
            height=result.height, bytes=result.n_bytes, model=result.model,
            model_version=result.model_version,
            embedding=[float(x) for x in result.embedding],
            labels=json.dumps(result.labels), categories=json.dumps(result.categories),
            results=json.dumps({k: v for k, v in public.items()
                                if k not in ("embedding", "labels", "categories")}))
        yield row


def arrow_schema() -> Any:
    import pyarrow as pa

    text, number = pa.string(), pa.int32()
    return pa.schema([
        ("uri", text), ("post", text), ("sha256", text), ("format", text), ("width", number),
        ("height", number), ("bytes", pa.int64()), ("model", text), ("model_version", text),
        ("embedding", pa.list_(pa.float32())), ("labels", text), ("categories", text),
        ("results", text), ("error", text), ("error_code", text)])


def read_manifest(spark: Any, manifest: str) -> Any:
    """(uri, post) rows: the picture's resolved URI and the manifest row as JSON."""
    from pyspark.sql import functions as F

    suffix = Path(manifest).suffix.lower()
    if suffix not in MANIFEST_FORMATS:
        raise InvalidInput(f"manifest {manifest}: use .csv, .jsonl or .parquet, not "
                           f"{suffix or 'no extension'!r}")
    reader = spark.read
    if MANIFEST_FORMATS[suffix] == "csv":
        reader = reader.option("header", "true").option("inferSchema", "false")
    frame = reader.format(MANIFEST_FORMATS[suffix]).load(manifest)
    column = next((c for c in ("path", "uri") if c in frame.columns), None)
    if column is None:
        raise InvalidInput(f"manifest {manifest} has no 'path' or 'uri' column; it has: "
                           f"{', '.join(frame.columns) or 'none'}")
    base = manifest.rsplit("/", 1)[0] if manifest.startswith("s3") else str(
        Path(manifest).resolve().parent)
    path = F.trim(F.col(column).cast("string"))
    uri = F.when(path.rlike(r"^(s3a?://|/)"), path).otherwise(
        F.concat(F.lit(base + "/"), path))
    others = [F.col(c).cast("string").alias(c) for c in frame.columns]
    return frame.select(uri.alias("uri"), F.to_json(F.struct(*others)).alias("post"))


def analyse_manifest(spark: Any, manifest: str, out: Path, settings: Settings, *,
                     tasks: list[str] | None = None, chunk_rows: int = 50_000,
                     on_chunk: Callable[[BatchReport], None] | None = None) -> BatchReport:
    from pyspark.sql import functions as F

    start = time.perf_counter()
    report = BatchReport()
    rows = read_manifest(spark, manifest)
    report.manifest_rows = rows.count()
    missing = rows.where(F.col("uri").isNull() | (F.col("uri") == ""))
    rows = rows.where(F.col("uri").isNotNull() & (F.col("uri") != ""))
    if (out / "errors").is_dir():  # rows without a path were reported by an earlier run
        reported = spark.read.parquet(str(out / "errors")).where(F.col("uri").isNull())
        missing = missing.join(reported.select("post"), "post", "left_anti")
    done = _done(spark, out)
    if done is not None:
        before = rows.count()
        rows = rows.join(done, "uri", "left_anti")
        report.skipped = before - rows.count()
    _append(missing.select("uri", "post", F.lit("the row has no picture path").alias("error"),
                           F.lit("malformed_record").alias("error_code")), out / "errors")
    fields = worker_settings(settings, tasks)
    # The driver builds the models once first: their ONNX files are exported to the model
    # cache here, not by every worker at the same time.
    from postlens.analysis.registry import build_analyzer
    from postlens.models import model_cache

    build_analyzer(settings, model_cache(settings), tasks)
    todo = rows.count()
    chunks = max(1, math.ceil(todo / chunk_rows))
    parallelism = spark.sparkContext.defaultParallelism
    for index in range(chunks):
        chunk = rows.where(F.pmod(F.xxhash64("uri"), F.lit(chunks)) == index) \
            if chunks > 1 else rows
        size = min(chunk_rows, todo)
        partitions = max(parallelism, math.ceil(size / 256))
        results = chunk.repartition(partitions).mapInArrow(analyse_batches(fields),
                                                           OUTPUT_SCHEMA)
        results = results.persist()
        good = results.where(F.col("error").isNull()).drop("error", "error_code")
        bad = results.where(F.col("error").isNotNull()).select("uri", "post", "error",
                                                              "error_code")
        _append(good, out / "analyses")
        _append(bad, out / "errors")
        report.analysed += good.count()
        report.errors += bad.count()
        results.unpersist()
        if on_chunk:
            on_chunk(report)
    report.errors += missing.count()
    report.seconds = time.perf_counter() - start
    return report


def _append(frame: Any, path: Path) -> None:
    frame.write.mode("append").parquet(str(path))


def _done(spark: Any, out: Path) -> Any:
    """URIs an earlier run finished (analysed or given up on), or None."""
    parts = [str(out / name) for name in ("analyses", "errors") if (out / name).is_dir()]
    if not parts:
        return None
    frames = [spark.read.parquet(p).select("uri") for p in parts]
    done = frames[0]
    for frame in frames[1:]:
        done = done.unionByName(frame)
    return done.distinct()
