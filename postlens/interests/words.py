"""``text:words``: a bag-of-words interest source beside the sentence embedding.

TF-IDF of a caption's words and word pairs (scikit-learn's ``TfidfVectorizer``, sublinear
term frequencies) and a multinomial logistic regression on them. The sentence embedding
blurs rare names and jargon ("deadlift", "bokashi", "Ducati") into their neighbourhood; the
words keep them. Weighted like the embedding head (every interest the same in total, every
community the same within it), it generalises to communities it never saw better than a
second embedding head does, and the pooling gives it the weight that held-out communities
justify (``pretrained.fit_pooling``).

Only the vocabulary, its idf weights and the linear map are kept (``pretrained.save``): no
pickled scikit-learn objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from postlens.errors import InvalidInput

MAX_TERMS = 30_000
NGRAMS = (1, 2)
C = 5.0


def _vectorizer(**options: Any) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(ngram_range=NGRAMS, sublinear_tf=True, dtype=np.float32, **options)


@dataclass
class WordsHead:
    terms: list[str]  # the vocabulary, in column order
    idf: np.ndarray  # (V,)
    weights: np.ndarray  # (K, V)
    bias: np.ndarray  # (K,)
    _vectorizer: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (len(self.terms) == len(self.idf) == self.weights.shape[1]):
            raise InvalidInput("the words source's vocabulary and weights do not match")
        self._vectorizer = _vectorizer(vocabulary=self.terms)
        self._vectorizer.idf_ = np.asarray(self.idf, dtype=np.float64)

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """(n, K) logits of cleaned caption texts (``model.caption_text``)."""
        if not texts:
            return np.zeros((0, len(self.bias)))
        counts = self._vectorizer.transform(list(texts))
        return np.asarray(counts @ self.weights.T + self.bias, dtype=np.float64)


def fit_words(texts: Sequence[str], labels: np.ndarray, sample_weight: np.ndarray, k: int
              ) -> WordsHead:
    """TF-IDF + logistic regression on labelled texts; interests without texts get the
    mean row, so the other sources decide for them."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(labels)) < 2:
        raise InvalidInput("the words source needs texts of at least two interests")
    vectorizer = _vectorizer(min_df=3 if len(texts) >= 1000 else 1, max_features=MAX_TERMS)
    try:
        matrix = vectorizer.fit_transform(list(texts))
    except ValueError as error:  # only stop words or empty texts
        raise InvalidInput(f"the labelled texts have no words to learn from: {error}") from None
    regression = LogisticRegression(C=C, max_iter=300)
    regression.fit(matrix, labels, sample_weight=sample_weight)
    weights, bias = class_rows(regression, k)
    return WordsHead(vectorizer.get_feature_names_out().tolist(),
                     vectorizer.idf_.astype(np.float32), weights.astype(np.float32),
                     bias.astype(np.float32))


def class_rows(regression: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(K, d) weights and (K,) bias of a fitted scikit-learn logistic regression over the
    taxonomy's K interests: classes it never saw get the mean row (neither favoured nor ruled
    out), and a two-class fit's single logit is split symmetrically."""
    classes = regression.classes_.astype(int)
    coef, intercept = regression.coef_, regression.intercept_
    if len(classes) == 2:
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
    weights = np.tile(coef.mean(axis=0), (k, 1))
    bias = np.full(k, float(intercept.mean()))
    weights[classes], bias[classes] = coef, intercept
    return weights, bias
