"""ONNX files exported once into the model cache, verified on every load, run on the CPU.

A cached file's name carries the checksum of the weights it was exported from and a sidecar
holds the ONNX file's own sha256, so changed weights or a damaged file lead to a fresh
export rather than to a silently wrong model. Exports are atomic (temp file, then rename).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from postlens.errors import ModelError
from postlens.fileio import atomic_path, atomic_write_bytes, file_sha256
from postlens.runtime.base import ModelSession

log = logging.getLogger(__name__)

# Every exporter in postlens uses the TorchScript exporter at this opset.
ONNX_OPSET = 17


def export_atomically(target: Path, export: Callable[[str], None]) -> None:
    """Run ``export(tmp_path)`` and move its file to ``target`` with a checksum sidecar."""
    with atomic_path(target, suffix=".onnx.tmp") as tmp:
        export(str(tmp))
        checksum = file_sha256(tmp)
    atomic_write_bytes(target.with_suffix(".sha256"), (checksum + "\n").encode())


def ensure_onnx(model_dir: Path, stem: str, weights: Path,
                export: Callable[[str], None]) -> Path:
    """A verified ONNX file for ``weights`` in ``model_dir``, exported with ``export`` if needed."""
    target = model_dir / f"{stem}-{file_sha256(weights)[:16]}.onnx"
    sidecar = target.with_suffix(".sha256")
    if target.exists() and sidecar.exists():
        if file_sha256(target) == sidecar.read_text().strip():
            return target
        log.warning("ONNX model %s failed its checksum; exporting it again", target)
    log.info("exporting %s to %s (once)", stem, target)
    export_atomically(target, export)
    return target


def session_options(threads: int = 0) -> Any:
    """Options for every postlens CPU session: full graph optimisation, ``threads`` intra-op
    threads (0: one per core) and no spin-waiting.

    A picture goes through several models in turn (image encoder, face detector, attribute
    heads, text encoder). With spinning on, each session's idle threads keep the cores busy
    for a while after their run and slow down the next model: on 2 cores one likes-task
    analysis took 53 ms with spinning and 35 ms without, and batch analysis ran at 19 and 27
    pictures/s (docs/benchmarks.md)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3
    return options


def cpu_session(path: Path, threads: int = 0) -> ModelSession:
    """An ONNX Runtime CPU session (:func:`session_options`)."""
    import onnxruntime as ort

    options = session_options(threads)
    try:
        session: ModelSession = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # ORT raises its own untyped errors
        raise ModelError(f"cannot load ONNX model {path}: {exc}") from exc
    return session
