"""The text interest sources postlens ships, learned from labelled titles (reddit-interests).

Three trained sources join the zero-shot prototypes: two linear maps of the caption
embedding and one of its words:

* ``text:centroid`` — each interest's centroid: the mean of its communities' mean title
  embeddings (every subreddit counts once, so one big community cannot define an interest),
  a nearest-class-mean classifier (Mensink et al., TPAMI 2013) that moves each prompt
  prototype towards how people actually write about the interest;
* ``text:head`` — multinomial logistic regression on the embeddings, each interest weighing
  the same in total and each community the same within its interest;
* ``text:words`` — TF-IDF of the caption's words and word pairs with its own logistic
  regression, weighted the same way (``words.py``).

An interest without labelled titles keeps its prompt prototype as centroid and a neutral
head row (the mean of the others), so the zero-shot score decides for it. The four sources
are pooled on out-of-fold logits of folds grouped by community (``fit_pooling``):
their ratios are the ones that rank the true interest best there (top-1 + top-5), and one
common scale is then fitted by negative log-likelihood, so the confidence is calibrated on
communities the sources did not see. (Fitting every weight by likelihood alone all but drops
the head, which is confidently wrong on some unseen communities but ranks well on most.)
The result is an ``.npz`` of about 2 MB in the package.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from postlens.errors import InvalidInput
from postlens.fileio import atomic_write
from postlens.interests.corpus import LabelledTexts
from postlens.interests.model import (
    DEFAULT_WEIGHTS,
    Calibration,
    LinearHead,
    _pooled,
    caption_text,
    fit_weights,
)
from postlens.interests.space import TextSpace
from postlens.interests.taxonomy import Taxonomy
from postlens.interests.words import WordsHead, class_rows, fit_words
from postlens.numeric import l2_normalise

SOURCES = ("text:centroid", "text:head", "text:words")
Source = LinearHead | WordsHead
SHIPPED = {"curlie-36": "pretrained-curlie-36.npz"}
HEAD_C = 1.0
# The ratios tried for each source against the first one (zero-shot, or centroid without it):
# logits of the centroid are cosines like zero-shot's, the head's are about ten times larger.
RATIOS = {"text:centroid": (0.0, 0.1, 0.2, 0.4, 0.8),
          "text:head": (0.0, 0.01, 0.02, 0.04, 0.07, 0.1, 0.15),
          "text:words": (0.0, 0.01, 0.02, 0.04, 0.07, 0.1)}


def sample_weights(labels: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Every interest weighs the same in total, every community the same within it."""
    weights = np.zeros(len(labels))
    for label in np.unique(labels):
        inside = labels == label
        communities, counts = np.unique(groups[inside], return_counts=True)
        per_community = 1.0 / (len(communities) * counts)
        weights[inside] = per_community[np.searchsorted(communities, groups[inside])]
    return weights * len(labels) / weights.sum()


def centroids(x: np.ndarray, labels: np.ndarray, groups: np.ndarray, prototypes: np.ndarray
              ) -> np.ndarray:
    """(K, d) unit centroids: the mean of each interest's community means; an interest
    without examples keeps its prototype."""
    out = prototypes.astype(np.float64).copy()
    for label in np.unique(labels):
        inside = labels == label
        means = [l2_normalise(x[inside & (groups == g)].mean(axis=0))
                 for g in np.unique(groups[inside])]
        out[label] = l2_normalise(np.mean(means, axis=0))
    return out


def logistic_head(x: np.ndarray, labels: np.ndarray, groups: np.ndarray, k: int
                  ) -> LinearHead:
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(labels)) < 2:
        raise InvalidInput("the text head needs examples of at least two interests")
    regression = LogisticRegression(C=HEAD_C, max_iter=300)
    regression.fit(x, labels, sample_weight=sample_weights(labels, groups))
    return LinearHead(*class_rows(regression, k))


def fit_sources(x: np.ndarray, texts: np.ndarray, labels: np.ndarray, groups: np.ndarray,
                prototypes: np.ndarray) -> dict[str, Source]:
    """Every trained source on caption embeddings ``x`` and cleaned caption ``texts``."""
    k = len(prototypes)
    return {"text:centroid": LinearHead(centroids(x, labels, groups, prototypes), np.zeros(k)),
            "text:head": logistic_head(x, labels, groups, k),
            "text:words": fit_words(list(texts), labels, sample_weights(labels, groups), k)}


def source_logits(source: Source, x: np.ndarray, texts: np.ndarray) -> np.ndarray:
    return source.logits(list(texts)) if isinstance(source, WordsHead) else source.logits(x)


def zero_shot_logits(x: np.ndarray, prototypes: np.ndarray) -> np.ndarray:
    return np.asarray(x @ prototypes.T, dtype=np.float64)


def out_of_fold_logits(x: np.ndarray, texts: np.ndarray, labels: np.ndarray,
                       groups: np.ndarray, prototypes: np.ndarray, folds: int = 3
                       ) -> dict[str, np.ndarray]:
    """Every source's logits on rows whose communities its fit did not see."""
    from sklearn.model_selection import GroupKFold

    n_folds = min(folds, len(np.unique(groups)))
    if n_folds < 2:
        raise InvalidInput("labelled texts from at least two communities are needed")
    oof = {"text:zero-shot": zero_shot_logits(x, prototypes)}
    oof |= {name: np.zeros((len(labels), len(prototypes))) for name in SOURCES}
    for train, test in GroupKFold(n_splits=n_folds).split(x, groups=groups):
        for name, source in fit_sources(x[train], texts[train], labels[train], groups[train],
                                        prototypes).items():
            oof[name][test] = source_logits(source, x[test], texts[test])
    return oof


def ranking_score(logits: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 plus top-5 accuracy of ``logits`` (n, K)."""
    k = min(5, logits.shape[1])
    top5 = np.argpartition(-logits, k - 1, axis=1)[:, :k]
    hit5 = (top5 == labels[:, None]).any(axis=1)
    return float(np.mean(logits.argmax(axis=1) == labels) + np.mean(hit5))


def fit_pooling(oof: dict[str, np.ndarray], labels: np.ndarray,
                names: tuple[str, ...] = ("text:zero-shot", *SOURCES)) -> dict[str, float]:
    """Weights pooling ``names``: the ratios to the first source (from ``RATIOS``) that rank
    ``labels`` best on the out-of-fold logits, times one scale fitted by likelihood."""
    first, rest = names[0], names[1:]
    tried = [dict(zip(rest, combo, strict=True))
             for combo in itertools.product(*(RATIOS[name] for name in rest))]
    best = max(tried, key=lambda ratios: ranking_score(
        _pooled(oof, {first: 1.0, **ratios}), labels))  # the first best: deterministic
    ratios = {first: 1.0, **best}
    scale = fit_weights({"pooled": _pooled(oof, ratios)}, labels, {"pooled": 10.0})["pooled"]
    return {name: scale * ratio for name, ratio in ratios.items()}


def fit_pretrained(x: np.ndarray, texts: np.ndarray, labels: np.ndarray, groups: np.ndarray,
                   prototypes: np.ndarray, folds: int = 3
                   ) -> tuple[dict[str, Source], Calibration]:
    """Sources on every row, pooling weights from out-of-fold logits (grouped folds)."""
    oof = out_of_fold_logits(x, texts, labels, groups, prototypes, folds)
    fitted = fit_pooling(oof, labels)
    weights = {view: dict(w) for view, w in DEFAULT_WEIGHTS.items()}
    weights["text"] = fitted
    weights["fused"] = {"image:zero-shot": DEFAULT_WEIGHTS["fused"]["image:zero-shot"],
                        **fitted}
    return fit_sources(x, texts, labels, groups, prototypes), Calibration(weights)


def caption_texts(texts: list[str]) -> np.ndarray:
    """The cleaned texts (``model.caption_text``) as an object array, indexable by rows."""
    return np.array([caption_text(t) for t in texts], dtype=object)


def embed_texts(space: TextSpace, texts: list[str]) -> np.ndarray:
    """Caption embeddings of many texts, cached on disk by their content (a corpus of 145k
    titles takes minutes to embed on a laptop)."""
    from postlens.interests.space import _cached_array, _fingerprint

    encoder = space.encoder
    path = space.cache_dir / (f"texts-{encoder.name}-{encoder.version}-"
                              f"{_fingerprint(texts)}.npy")
    return _cached_array(path, lambda: space.embed([caption_text(t) for t in texts]))


def train_from_texts(space: TextSpace, taxonomy: Taxonomy, corpus: LabelledTexts,
                     target: Path, source: str) -> dict[str, Any]:
    """Fit the text sources on a labelled corpus and save them to ``target``."""
    if len(set(corpus.labels)) < 3:
        raise InvalidInput("labelled texts of at least three interests are needed")
    x = embed_texts(space, corpus.texts).astype(np.float64)
    prototypes = space.prototypes(taxonomy).astype(np.float64)
    sources, calibration = fit_pretrained(x, caption_texts(corpus.texts), corpus.y,
                                          corpus.group_array, prototypes)
    about = {"taxonomy": taxonomy.name, "encoder": [space.encoder.name, space.encoder.version],
             "trained_on": source, "texts": len(corpus),
             "communities": len(set(corpus.groups)),
             "interests": sorted({taxonomy.categories[i].id for i in corpus.labels})}
    save(target, sources, calibration, about)
    return {**about, "weights": calibration.weights["text"], "path": str(target)}


def save(path: Path, sources: dict[str, Source], calibration: Calibration,
         about: dict[str, Any]) -> None:
    arrays: dict[str, Any] = {"calibration": np.array(json.dumps(calibration.weights)),
                              "about": np.array(json.dumps(
                                  {**about, "saved": datetime.now(UTC).isoformat()}))}
    for name, head in sources.items():
        arrays[f"{name}|bias"] = head.bias.astype(np.float32)
        if isinstance(head, WordsHead):  # a large sparse-input map: half precision is plenty
            arrays[f"{name}|weights"] = head.weights.astype(np.float16)
            arrays[f"{name}|idf"] = head.idf.astype(np.float32)
            arrays[f"{name}|terms"] = np.array(json.dumps(head.terms))
        else:
            arrays[f"{name}|weights"] = head.weights.astype(np.float32)
    atomic_write(path, lambda handle: np.savez_compressed(handle, **arrays))


def load(path: Path) -> tuple[dict[str, Source], Calibration, dict[str, Any]]:
    with np.load(path, allow_pickle=False) as data:
        names = sorted({key.split("|")[0] for key in data.files if "|" in key})
        sources: dict[str, Source] = {}
        for name in names:
            weights, bias = (data[f"{name}|weights"].astype(np.float32),
                             data[f"{name}|bias"].astype(np.float64))
            sources[name] = (WordsHead(json.loads(str(data[f"{name}|terms"])),
                                       data[f"{name}|idf"], weights, bias)
                             if f"{name}|terms" in data.files
                             else LinearHead(weights.astype(np.float64), bias))
        return (sources, Calibration(json.loads(str(data["calibration"]))),
                json.loads(str(data["about"])))


def shipped_path(taxonomy: str) -> Path | None:
    """The packaged pretrained file of a built-in taxonomy, if there is one."""
    name = SHIPPED.get(taxonomy)
    if name is None:
        return None
    path = Path(str(resources.files("postlens.interests") / name))
    return path if path.is_file() else None
