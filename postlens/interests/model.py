"""Per-post interest scores over a taxonomy, from the picture, the text and both.

Each modality yields logits per category from several sources: the zero-shot cosine
similarity in the shared text space (``interests.space``); the pretrained sources shipped
with the package (``interests.pretrained``: linear maps of the caption embedding and of its
words, learned from 145k labelled Reddit titles); and, when a user trains on labelled posts of
their own, a linear head on the image or text embedding (transfer learning, as in seeds 003
and 004).
A view's probability is ``softmax(sum of weight * source logits)`` over its
sources: the image view uses the image sources, the text view the text sources, the fused
view all of them (a log-linear pool). The weights are fitted by minimising the negative
log-likelihood of labelled posts (``fit_calibration``), so the confidences are calibrated on
data rather than guessed; a post without text is scored by its picture alone and the other
way round.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax

from postlens.errors import InvalidInput, NotFittedError
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import Taxonomy
from postlens.interests.words import WordsHead
from postlens.text.clean import clean_caption

# Without labelled data of its own a model uses these weights: the negative-log-likelihood
# fit of the zero-shot sources on the 180 posts of the Instagram evaluation
# (`postlens evaluate interests instagram` prints the fit). The picture's zero-shot signal is
# weak on people's posts: alone it is kept flat, and beside a caption the fit gives it no
# weight at all (user profiles still pool the picture-only profile, see interests.aggregate).
DEFAULT_WEIGHTS = {"image": {"image:zero-shot": 2.55}, "text": {"text:zero-shot": 14.3},
                   "fused": {"image:zero-shot": 0.0, "text:zero-shot": 14.3}}


@dataclass
class Calibration:
    """Per view (image, text, fused): the weight of each logit source it pools."""

    weights: dict[str, dict[str, float]] = field(
        default_factory=lambda: {v: dict(w) for v, w in DEFAULT_WEIGHTS.items()})


@dataclass
class PostContent:
    caption: str | None = None
    labels: list[dict[str, Any]] | None = None  # top ImageNet labels {"index", "score"}
    embedding: np.ndarray | None = None  # the picture's image embedding (for trained heads)
    text_vector: np.ndarray | None = None  # a cached caption embedding, if any


@dataclass
class Features:
    conse: np.ndarray  # (n, 384) pictures in the text space (zero-shot)
    text: np.ndarray  # (n, 384) caption embeddings
    has_image: np.ndarray  # (n,) bool
    has_text: np.ndarray  # (n,) bool
    image: np.ndarray | None = None  # (n, d) image embeddings, for a trained image head
    captions: list[str] | None = None  # cleaned caption texts, for the words source

    def rows(self, index: np.ndarray) -> Features:
        return Features(self.conse[index], self.text[index], self.has_image[index],
                        self.has_text[index], None if self.image is None else self.image[index],
                        None if self.captions is None else [self.captions[i] for i in index])


@dataclass
class PostScores:
    image: np.ndarray  # (n, K) probabilities; rows of posts without a picture are NaN
    text: np.ndarray  # rows of posts without text are NaN
    fused: np.ndarray  # (n, K)

    def view(self, name: str) -> np.ndarray:
        return {"image": self.image, "text": self.text, "fused": self.fused}[name]


@dataclass
class LinearHead:
    weights: np.ndarray  # (K, d)
    bias: np.ndarray  # (K,)

    def logits(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x @ self.weights.T + self.bias, dtype=np.float64)


def caption_text(caption: str | None) -> str:
    """The text a caption is embedded as: cleaned, hashtags segmented into words."""
    return clean_caption(caption).text if caption else ""


Sources = dict[str, np.ndarray]  # "image:zero-shot" -> (n, K) logits


@dataclass
class InterestModel:
    taxonomy: Taxonomy
    space: TextSpace
    calibration: Calibration = field(default_factory=Calibration)
    heads: dict[str, LinearHead] = field(default_factory=dict)
    # Fixed sources shipped with the package, by source name ("text:centroid", ...).
    pretrained: dict[str, LinearHead | WordsHead] = field(default_factory=dict)

    # --- features -------------------------------------------------------------------
    def features(self, posts: list[PostContent]) -> Features:
        n = len(posts)
        conse = self.space.picture_vectors([p.labels or [] for p in posts])
        text = np.zeros((n, self.space.encoder.embedding_dim), dtype=np.float32)
        captions = [caption_text(p.caption) for p in posts]
        todo = [i for i, p in enumerate(posts) if p.text_vector is None]
        if todo:
            text[todo] = self.space.embed([captions[i] for i in todo])
        for i, post in enumerate(posts):
            if post.text_vector is not None:
                text[i] = post.text_vector
        image = None
        with_embedding = [p.embedding for p in posts if p.embedding is not None]
        if with_embedding:
            image = np.zeros((n, len(with_embedding[0])), dtype=np.float32)
            for i, post in enumerate(posts):
                if post.embedding is not None:
                    image[i] = post.embedding
        has_image = np.array([bool(p.labels) for p in posts], dtype=bool)
        return Features(conse, text, has_image, np.linalg.norm(text, axis=1) > 0, image,
                        captions)

    # --- scores ---------------------------------------------------------------------
    def sources(self, features: Features) -> Sources:
        """Raw (n, K) logits of every available source; absent modalities give zeros."""
        prototypes = self.space.prototypes(self.taxonomy)
        out = {"image:zero-shot": np.asarray(features.conse @ prototypes.T, np.float64),
               "text:zero-shot": np.asarray(features.text @ prototypes.T, np.float64)}
        for name, head in self.pretrained.items():
            if isinstance(head, WordsHead):  # left out when the captions are not at hand
                if features.captions is not None:
                    out[name] = head.logits(features.captions)
            elif name.startswith("text:"):
                out[name] = head.logits(features.text)
            elif features.image is not None:
                out[name] = head.logits(features.image)
        if "text" in self.heads:
            out["text:head"] = self.heads["text"].logits(features.text)
        if "image" in self.heads and features.image is not None:
            # Without the pictures' embeddings the image head is left out of the pool.
            out["image:head"] = self.heads["image"].logits(features.image)
        for name in out:
            present = features.has_image if name.startswith("image") else features.has_text
            out[name] = out[name] * present[:, None]
        return out

    def score(self, features: Features) -> PostScores:
        return scores_from_sources(self.sources(features), features.has_image,
                                   features.has_text, self.calibration)

    def score_posts(self, posts: list[PostContent]) -> PostScores:
        return self.score(self.features(posts))

    def ranked(self, probabilities: np.ndarray, k: int | None = None) -> list[dict[str, Any]]:
        """One probability row as [{"id", "name", "score"}], best first."""
        order = np.argsort(-probabilities, kind="stable")[: k or len(self.taxonomy)]
        return [{"id": self.taxonomy.categories[i].id, "name": self.taxonomy.categories[i].name,
                 "score": round(float(probabilities[i]), 4)} for i in order]

    # --- learning from labelled posts -----------------------------------------------
    def fit_head(self, modality: str, x: np.ndarray, y: np.ndarray, c: float = 1.0) -> None:
        """Train a linear head (multinomial logistic regression) for one modality."""
        from sklearn.linear_model import LogisticRegression

        if modality not in ("image", "text"):
            raise InvalidInput(f"unknown modality {modality!r}; use image or text")
        if len(set(y.tolist())) < 2:
            raise InvalidInput("a head needs examples of at least two categories")
        regression = LogisticRegression(C=c, max_iter=2000).fit(x, y)
        weights = np.zeros((len(self.taxonomy), x.shape[1]))
        bias = np.full(len(self.taxonomy), -30.0)  # categories never seen stay improbable
        classes = regression.classes_.astype(int)
        if len(classes) == 2:  # sklearn keeps one logit for two classes
            weights[classes[1]], bias[classes[1]] = regression.coef_[0], regression.intercept_[0]
            bias[classes[0]] = 0.0
        else:
            weights[classes], bias[classes] = regression.coef_, regression.intercept_
        self.heads[modality] = LinearHead(weights, bias)

    def use_heads_alone(self) -> None:
        """Let each trained head alone speak for its modality, in its own view and in the
        fused one, with weight 1 (log-loss training already calibrates it): the choice
        when there are no held-out logits to ``fit_calibration`` on."""
        weights = self.calibration.weights
        for modality in self.heads:
            weights[modality] = {f"{modality}:head": 1.0}
            weights["fused"] = {name: w for name, w in weights["fused"].items()
                                if not name.startswith(modality)} | {f"{modality}:head": 1.0}

    def fit_calibration(self, features: Features, y: np.ndarray) -> Calibration:
        self.calibration = fit_calibration(self.sources(features), features.has_image,
                                           features.has_text, y)
        return self.calibration

    # --- persistence ----------------------------------------------------------------
    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {"taxonomy": np.array(self.taxonomy.name),
                                  "calibration": np.array(json.dumps(self.calibration.weights))}
        for name, head in self.heads.items():
            arrays[f"{name}_weights"], arrays[f"{name}_bias"] = head.weights, head.bias
        np.savez(path, **arrays)

    def load(self, path: Path) -> InterestModel:
        if not path.exists():
            raise NotFittedError(f"no trained interest model at {path}")
        with np.load(path, allow_pickle=False) as data:
            if str(data["taxonomy"]) != self.taxonomy.name:
                raise InvalidInput(f"{path} was trained for taxonomy {data['taxonomy']}")
            self.calibration = Calibration(json.loads(str(data["calibration"])))
            self.heads = {name: LinearHead(data[f"{name}_weights"], data[f"{name}_bias"])
                          for name in ("image", "text") if f"{name}_weights" in data}
        return self


def _view_sources(view: str, sources: Sources) -> list[str]:
    return [name for name in sources if view == "fused" or name.startswith(view)]


def _pooled(sources: Sources, weights: dict[str, float]) -> np.ndarray:
    first = next(iter(sources.values()))
    total = np.zeros_like(first)
    for name, weight in weights.items():
        if name in sources:
            total = total + weight * sources[name]
    return total


def scores_from_sources(sources: Sources, has_image: np.ndarray, has_text: np.ndarray,
                        calibration: Calibration) -> PostScores:
    w = calibration.weights
    image = np.where(has_image[:, None], softmax(_pooled(sources, w["image"]), axis=1), np.nan)
    text = np.where(has_text[:, None], softmax(_pooled(sources, w["text"]), axis=1), np.nan)
    fused = softmax(_pooled(sources, w["fused"]), axis=1)
    # A post with one modality only is as confident as that modality alone.
    fused = np.where((has_image & ~has_text)[:, None], image, fused)
    fused = np.where((has_text & ~has_image)[:, None], text, fused)
    return PostScores(image, text, fused)


def fit_calibration(sources: Sources, has_image: np.ndarray, has_text: np.ndarray,
                    y: np.ndarray, balanced: bool = False) -> Calibration:
    """Per view, non-negative source weights that minimise the negative log-likelihood of
    ``y`` (with ``balanced``, every category weighs the same in total, as macro-averaged
    metrics count them)."""
    weights: dict[str, dict[str, float]] = {}
    for view, rows in (("image", has_image), ("text", has_text), ("fused", has_image & has_text)):
        names = _view_sources(view, sources)
        start = {n: DEFAULT_WEIGHTS[view].get(n, 1.0) for n in names}
        weights[view] = (fit_weights({n: sources[n][rows] for n in names}, y[rows], start,
                                     balanced) if rows.any() and names else start)
    return Calibration(weights)


def fit_weights(sources: Sources, y: np.ndarray, start: dict[str, float],
                balanced: bool = False) -> dict[str, float]:
    """The non-negative weights of ``sources`` (n, K logits each) whose pooled softmax
    minimises the negative log-likelihood of ``y``. The logits are linear in the weights, so
    the problem is convex: the optimum does not depend on the starting point."""
    names = list(sources)
    stacked = np.stack([sources[name] for name in names])  # (sources, n, K)
    counts = np.bincount(y, minlength=stacked.shape[2]).astype(float)
    sample = 1.0 / counts[y] if balanced else np.ones(len(y))
    sample /= max(sample.sum(), 1e-12)
    rows = np.arange(len(y))

    def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
        log_p = log_softmax(np.tensordot(w, stacked, axes=1), axis=1)
        loss = -(sample * log_p[rows, y]).sum()
        residual = np.exp(log_p)
        residual[rows, y] -= 1.0
        return float(loss), np.einsum("snk,nk->s", stacked, residual * sample[:, None])

    fitted = minimize(objective, np.array([start.get(n, 1.0) for n in names]), jac=True,
                      method="L-BFGS-B", bounds=[(0.0, 1e3)] * len(names)).x
    return {name: float(v) for name, v in zip(names, fitted, strict=True)}
