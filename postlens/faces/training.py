"""Fine-tune the face-attribute network on aligned face crops (PyTorch, CPU).

The frozen trunk runs once per crop, its mirror image and ``jittered`` randomly moved copies
of both (its output is cached in memory: 2 x (1 + jittered) x n x 80 x 10 x 10 floats),
then the top is trained on those maps for a fixed number of epochs: AdamW with cosine
decay, binary cross-entropy with each attribute's positives weighted by
sqrt(negatives / positives). No early stopping and nothing tuned on test faces:
the recipe is fixed, which is what lets ``postlens evaluate faces`` report on faces the
shipped heads never saw. :func:`fit_members` trains that recipe with several seeds (a deep
ensemble; the shipped heads have two members, chosen on a development split, docs/faces.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from postlens.faces.network import build, ensemble, network_input, top_state

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Recipe:
    epochs: int = 5
    batch_size: int = 64
    learning_rate: float = 5e-4
    weight_decay: float = 1e-4
    dropout: float = 0.3
    seed: int = 0
    jittered: int = 2  # extra copies of each crop, randomly shifted, scaled, turned, lit


def jitter(crops: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each crop moved by up to 8 px, scaled by 0.9-1.1, turned by up to 8 degrees and with
    its brightness and contrast changed by up to 15%: the alignment's own errors."""
    from PIL import Image

    size = crops.shape[1]
    out = np.empty_like(crops)
    for n, crop in enumerate(crops):
        scale = rng.uniform(0.9, 1.1)
        angle = np.deg2rad(rng.uniform(-8, 8))
        dx, dy = rng.uniform(-8, 8, 2)
        a, b = np.cos(angle) / scale, -np.sin(angle) / scale
        c = size / 2 - (a + b) * size / 2 + dx
        d, e = np.sin(angle) / scale, np.cos(angle) / scale
        f = size / 2 - (d + e) * size / 2 + dy
        moved = np.asarray(Image.fromarray(crop).transform(
            (size, size), Image.Transform.AFFINE, (a, b, c, d, e, f),
            resample=Image.Resampling.BILINEAR), dtype=np.float32)
        lit = (moved - moved.mean()) * rng.uniform(0.85, 1.15) + moved.mean() * rng.uniform(
            0.85, 1.15)
        out[n] = np.clip(lit, 0, 255).astype(np.uint8)
    return out


def to_tensor_batch(crops: np.ndarray) -> Any:
    """(n, S, S, 3) uint8 crops -> the network's (n, 3, S, S) float input."""
    import torch

    return torch.from_numpy(network_input(crops))


def trunk_maps(trunk: Any, crops: np.ndarray, batch_size: int = 64) -> Any:
    """The frozen trunk's output for each crop and for its mirror image (2n maps)."""
    import torch

    parts = []
    with torch.no_grad():
        for mirrored in (False, True):
            for start in range(0, len(crops), batch_size):
                chunk = crops[start:start + batch_size]
                if mirrored:
                    chunk = chunk[:, :, ::-1]
                parts.append(trunk(to_tensor_batch(chunk)))
    return torch.cat(parts)


def fit(crops: np.ndarray, labels: np.ndarray, recipe: Recipe = Recipe()
        ) -> dict[str, np.ndarray]:
    """Train on ``crops`` (n, S, S, 3 uint8) and ``labels`` (n, attributes bool); the
    trained top's weights (float16)."""
    import torch

    if len(crops) != len(labels) or len(crops) < 2:
        raise ValueError("need at least two labelled crops")
    torch.manual_seed(recipe.seed)
    generator = np.random.default_rng(recipe.seed)
    trunk, top = build(labels.shape[1], recipe.dropout)
    maps = torch.cat([trunk_maps(trunk, crops)] + [
        trunk_maps(trunk, jitter(crops, generator)) for _ in range(recipe.jittered)])
    copies = 2 * (1 + recipe.jittered)
    targets = torch.from_numpy(np.concatenate([labels] * copies).astype(np.float32))
    positives = targets.sum(0).clamp(min=1)
    pos_weight = torch.sqrt((len(targets) - positives).clamp(min=1) / positives)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimiser = torch.optim.AdamW([p for p in top.parameters() if p.requires_grad],
                                  lr=recipe.learning_rate, weight_decay=recipe.weight_decay)
    steps = recipe.epochs * int(np.ceil(len(maps) / recipe.batch_size))
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, max(steps, 1))
    top.train()
    for epoch in range(recipe.epochs):
        order = generator.permutation(len(maps))
        total = 0.0
        for start in range(0, len(order), recipe.batch_size):
            index = torch.from_numpy(order[start:start + recipe.batch_size])
            if len(index) < 2:  # batch norm needs two samples
                continue
            loss = loss_fn(top(maps[index]), targets[index])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item() * len(index)
        log.info("face attributes epoch %d/%d: loss %.4f", epoch + 1, recipe.epochs,
                 total / len(maps))
    return top_state(top.eval())


def fit_members(crops: np.ndarray, labels: np.ndarray, recipe: Recipe = Recipe(),
                members: int = 2) -> list[dict[str, np.ndarray]]:
    """An ensemble: ``members`` tops trained alike but for their seed (``recipe.seed``,
    ``recipe.seed + 1``, ...), which draws their jitter, batches, dropout and new layer."""
    if members < 1:
        raise ValueError("an ensemble needs at least one member")
    return [fit(crops, labels, replace(recipe, seed=recipe.seed + n)) for n in range(members)]


def predict_logits(members: list[dict[str, np.ndarray]], attributes: Sequence[str],
                   crops: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Logits of trained tops (averaged) on ``crops`` with PyTorch (evaluation during
    training)."""
    import torch

    model = ensemble(len(attributes), members)
    out = []
    with torch.no_grad():
        for start in range(0, len(crops), batch_size):
            out.append(model(to_tensor_batch(crops[start:start + batch_size])).numpy())
    return np.concatenate(out) if out else np.zeros((0, len(attributes)), np.float32)
