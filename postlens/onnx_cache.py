"""Export PyTorch models to ONNX once, into the model cache, and verify them on every load.

A cached file's name carries the checksum of the weights it was exported from and a sidecar
holds the ONNX file's own sha256, so changed weights or a damaged file lead to a fresh
export rather than to a silently wrong model. Exports are atomic (temp file, then rename).
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from postlens.errors import ModelError

log = logging.getLogger(__name__)

# Every exporter in postlens uses the TorchScript exporter at this opset.
ONNX_OPSET = 17


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def export_atomically(target: Path, export: Callable[[str], None]) -> None:
    """Run ``export(tmp_path)`` and move its file to ``target`` with a checksum sidecar."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, suffix=".onnx.tmp")
    os.close(fd)
    try:
        export(tmp_name)
        checksum = file_sha256(Path(tmp_name))
        os.replace(tmp_name, target)
        target.with_suffix(".sha256").write_text(checksum + "\n")
    finally:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)


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


def cpu_session(path: Path, threads: int = 0) -> Any:
    """An ONNX Runtime CPU session with full graph optimisation."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(path), sess_options=options,
                                    providers=["CPUExecutionProvider"])
    except Exception as exc:  # ORT raises its own untyped errors
        raise ModelError(f"cannot load ONNX model {path}: {exc}") from exc
