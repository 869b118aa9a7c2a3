"""Source-platform evaluation on real downloads, with folds grouped by account and event.

Every fold trains on the simulated pipelines plus the real pictures of the other groups and
is scored on its own real pictures only. Baselines train on the same folds with fewer
features: format and size alone, the quality estimate alone, and the majority class. Real
pictures from other hosts (news sites, Imgur, Pinterest) are labelled ``unknown``; a
prediction of ``original`` or ``unknown`` both mean "none of the platforms" and are scored
as ``unknown``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from postlens.evaluation.report import expected_calibration_error, markdown
from postlens.provenance.features import FEATURE_NAMES, feature_matrix
from postlens.provenance.identify import combine
from postlens.provenance.model import in_class_order
from postlens.provenance.platforms import CLASSES
from postlens.provenance.training import TrainingSet, fit_classifier

SIZE_FEATURES = [n for n in FEATURE_NAMES if n.startswith(("format_", "width", "height",
                                                            "long_", "short_", "aspect",
                                                            "square_"))]
QUALITY_FEATURES = ["quality", "standard_tables"]
NOT_PLATFORM = ("original", "unknown")


def scored(name: str) -> str:
    return "unknown" if name in NOT_PLATFORM else name


@dataclass
class MethodResult:
    name: str
    truth: list[str] = field(default_factory=list)
    predicted: list[str] = field(default_factory=list)
    confidence: list[float] = field(default_factory=list)

    def per_class(self) -> dict[str, dict[str, float]]:
        from sklearn.metrics import precision_recall_fscore_support

        classes = sorted(set(self.truth))
        p, r, f, n = precision_recall_fscore_support(self.truth, self.predicted, labels=classes,
                                                     zero_division=0)
        return {c: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]),
                    "n": int(n[i])} for i, c in enumerate(classes)}

    def accuracy(self) -> float:
        return float(np.mean([a == b for a, b in zip(self.truth, self.predicted, strict=True)]))

    def macro_f1(self) -> float:
        return float(np.mean([v["f1"] for v in self.per_class().values()]))


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def _columns(names: list[str]) -> np.ndarray:
    return np.asarray([FEATURE_NAMES.index(n) for n in names])


Method = Callable[[TrainingSet, TrainingSet], tuple[list[str], list[float]]]


def full_model(train: TrainingSet, test: TrainingSet) -> tuple[list[str], list[float]]:
    model = fit_classifier(train)
    probabilities = in_class_order(model.predict_proba(feature_matrix(test.containers)),
                                   [str(c) for c in model.classes_])
    names, conf = [], []
    for container, row in zip(test.containers, probabilities, strict=True):
        answer = combine(container, row)
        names.append(answer.name)
        conf.append(answer.confidence)
    return names, conf


def subset_model(columns: list[str]) -> Method:
    def method(train: TrainingSet, test: TrainingSet) -> tuple[list[str], list[float]]:
        from sklearn.ensemble import GradientBoostingClassifier

        keep = _columns(columns)
        model = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)
        weights = np.where(np.asarray(train.real), 3.0, 1.0)
        model.fit(feature_matrix(train.containers)[:, keep], train.labels, sample_weight=weights)
        probabilities = model.predict_proba(feature_matrix(test.containers)[:, keep])
        best = probabilities.argmax(axis=1)
        return [str(model.classes_[i]) for i in best], probabilities.max(axis=1).tolist()
    return method


def majority(train: TrainingSet, test: TrainingSet) -> tuple[list[str], list[float]]:
    real = [lab for lab, r in zip(train.labels, train.real, strict=True) if r]
    most = max(set(real), key=real.count)
    return [most] * len(test), [real.count(most) / len(real)] * len(test)


METHODS: dict[str, Method] = {
    "postlens (container model + cues)": full_model,
    "format and size alone": subset_model(SIZE_FEATURES),
    "quality estimate alone": subset_model(QUALITY_FEATURES),
    "majority class": majority,
}


def evaluate(real: TrainingSet, simulated: TrainingSet, folds: int = 5,
             methods: dict[str, Method] | None = None) -> dict[str, MethodResult]:
    from sklearn.model_selection import GroupKFold

    from postlens.provenance.training import merge

    methods = methods or METHODS
    results = {name: MethodResult(name) for name in methods}
    splitter = GroupKFold(n_splits=min(folds, len(set(real.groups))))
    for train_index, _ in splitter.split(real.labels, groups=real.groups):
        in_train = np.zeros(len(real), dtype=bool)
        in_train[train_index] = True
        train, test = merge(simulated, real.subset(in_train)), real.subset(~in_train)
        for name, method in methods.items():
            predicted, confidence = method(train, test)
            results[name].truth += [scored(t) for t in test.labels]  # original -> unknown
            results[name].predicted += [scored(p) for p in predicted]
            results[name].confidence += confidence
    return results


def report(results: dict[str, MethodResult], real: TrainingSet, simulated: TrainingSet
           ) -> tuple[str, dict[str, Any]]:
    """Markdown for docs/evaluation.md and the same numbers as JSON."""
    ours = next(iter(results.values()))
    rows = []
    for method in results.values():
        per = method.per_class()
        rows.append([method.name, f"{method.accuracy():.1%}", f"{method.macro_f1():.3f}",
                     *[f"{per[c]['recall']:.1%}" for c in per]])
    classes = sorted(set(ours.truth))
    header = ["method", "accuracy", "macro-F1", *[f"recall {c}" for c in classes]]
    counts = ", ".join(f"{c}: {ours.truth.count(c)}" for c in classes)
    lines = [f"{len(real)} real pictures ({counts}), {len(set(real.groups))} groups "
             "(Instagram accounts, news events), "
             f"{len(simulated)} simulated pipeline files in every training fold.", "",
             markdown(header, rows), "", "Per class, postlens:", ""]
    per = ours.per_class()
    detail = []
    for c in classes:
        hits = sum(1 for t, p in zip(ours.truth, ours.predicted, strict=True) if t == p == c)
        low, high = wilson(hits, int(per[c]["n"]))
        detail.append([c, str(per[c]["n"]), f"{per[c]['precision']:.3f}",
                       f"{per[c]['recall']:.3f} ({low:.3f}-{high:.3f})", f"{per[c]['f1']:.3f}"])
    lines += [markdown(["class", "n", "precision", "recall (95% Wilson)", "F1"], detail), ""]
    predicted_classes = [c for c in CLASSES if c != "original"]
    matrix = [[c, *[str(sum(1 for t, p in zip(ours.truth, ours.predicted, strict=True)
                            if t == c and p == q)) for q in predicted_classes]]
              for c in classes]
    lines += ["Confusion matrix (rows: truth, columns: postlens' answer; `original` is "
              "counted as `unknown`):", "",
              markdown(["truth", *predicted_classes], matrix), ""]
    correct = [t == p for t, p in zip(ours.truth, ours.predicted, strict=True)]
    ece, table = expected_calibration_error(ours.confidence, correct)
    lines += [f"Calibration of the answer's confidence on the real pictures: expected "
              f"calibration error {ece:.3f}.", "",
              markdown(["confidence", "pictures", "mean confidence", "accuracy"],
                       [[b, str(n), f"{c:.2f}", f"{a:.2f}"] for b, n, c, a in table]), ""]
    backed = {c: sum(1 for lab in real.labels if lab == c) for c in CLASSES}
    simulated_only = [c for c in CLASSES if backed[c] == 0]
    lines.append("Classes backed only by simulated pipelines (no real downloads in the shared "
                 f"data, so not scored here): {', '.join(simulated_only)}.")
    body = "\n".join(lines)
    data = {name: {"accuracy": m.accuracy(), "macro_f1": m.macro_f1(),
                   "per_class": m.per_class()} for name, m in results.items()}
    data["calibration"] = {"ece": ece, "reliability": table}
    return body, data
