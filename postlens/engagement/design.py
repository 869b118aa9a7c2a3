"""The design matrix of the likes model: hand-made columns plus PCA-reduced embeddings,
standardised, and ridge fits on it whose coefficients stay plain arrays (saved with
``allow_pickle=False`` and read back without scikit-learn objects)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeCV

from postlens.engagement.features import LikesInput, embeddings, tabular

ALPHAS = np.logspace(-1, 4, 21)
CLIP = 5.0


@dataclass
class Projection:
    """A fitted PCA as arrays: ``(x - mean) @ components.T``."""

    mean: np.ndarray
    components: np.ndarray

    @classmethod
    def fit(cls, values: np.ndarray, k: int, seed: int) -> Projection:
        k = max(0, min(k, values.shape[0] - 1, values.shape[1]))
        if k == 0 or float(values.var(axis=0).sum()) < 1e-12:  # e.g. no post has a caption
            return cls(values.mean(axis=0), np.zeros((0, values.shape[1])))
        pca = PCA(n_components=k, random_state=seed).fit(values)
        return cls(pca.mean_.astype(np.float64), pca.components_.astype(np.float64))

    def transform(self, values: np.ndarray) -> np.ndarray:
        return np.asarray((values - self.mean) @ self.components.T, dtype=np.float64)


@dataclass
class Design:
    """Turns posts into standardised rows; ``blocks[j]`` names the block of column ``j``."""

    image: Projection
    text: Projection
    mean: np.ndarray
    scale: np.ndarray
    blocks: list[str]
    keep: np.ndarray  # which hand-made columns are used (a model may use some blocks only)

    @classmethod
    def fit(cls, items: list[LikesInput], image_k: int, text_k: int, seed: int,
            use: tuple[str, ...] | None = None) -> Design:
        table, blocks = tabular(items)
        image, text = embeddings(items)
        wanted = set(use) if use is not None else {*blocks, "image", "text"}
        keep = np.asarray([b in wanted for b in blocks], dtype=bool)
        design = cls(Projection.fit(image, image_k if "image" in wanted else 0, seed),
                     Projection.fit(text, text_k if "text" in wanted else 0, seed),
                     np.zeros(0), np.zeros(0), [], keep)
        raw = design._raw(table, image, text)
        scale = raw.std(axis=0)
        # a column (nearly) constant in training carries nothing: its scale makes it 0
        design.mean, design.scale = raw.mean(axis=0), np.where(scale > 1e-6, scale, np.inf)
        design.blocks = [*[b for b in blocks if b in wanted],
                         *["image"] * design.image.components.shape[0],
                         *["text"] * design.text.components.shape[0]]
        return design

    def _raw(self, table: np.ndarray, image: np.ndarray, text: np.ndarray) -> np.ndarray:
        return np.hstack([table[:, self.keep], self.image.transform(image),
                          self.text.transform(text)])

    def rows(self, items: list[LikesInput]) -> np.ndarray:
        table, _ = tabular(items)
        image, text = embeddings(items)
        if image.shape[1] != self.image.mean.shape[0] or text.shape[1] != self.text.mean.shape[0]:
            raise ValueError(f"embeddings of size {image.shape[1]}/{text.shape[1]}, the model "
                             f"was trained on {self.image.mean.shape[0]}/"
                             f"{self.text.mean.shape[0]}")
        rows = (self._raw(table, image, text) - self.mean) / self.scale
        # a post far outside the training posts is read as at most CLIP deviations away
        return np.clip(rows, -CLIP, CLIP)


@dataclass
class Linear:
    """A ridge fit: ``rows @ coef + intercept``; alpha chosen by generalised cross-validation."""

    coef: np.ndarray
    intercept: float
    alpha: float

    @classmethod
    def fit(cls, rows: np.ndarray, target: np.ndarray) -> Linear:
        ridge = RidgeCV(alphas=ALPHAS).fit(rows, target)
        return cls(np.asarray(ridge.coef_, dtype=np.float64), float(ridge.intercept_),
                   float(ridge.alpha_))

    def predict(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(rows @ self.coef + self.intercept, dtype=np.float64)

    def contributions(self, rows: np.ndarray, blocks: list[str]) -> list[dict[str, float]]:
        """Per row, each block's share of the prediction (log units, against an average
        training post)."""
        parts = rows * self.coef
        names = list(dict.fromkeys(blocks))
        index = np.asarray([names.index(b) for b in blocks])
        sums = np.zeros((rows.shape[0], len(names)))
        np.add.at(sums.T, index, parts.T)
        return [dict(zip(names, map(float, row), strict=True)) for row in sums]
