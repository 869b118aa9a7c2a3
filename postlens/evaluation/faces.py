"""``postlens evaluate faces --dataset DIR``: the attribute heads on a CelebA-format folder.

Faces the served heads were trained on (matched by content fingerprint) are left out and
counted. Per attribute: ROC AUC, balanced accuracy at probability 0.5, positives, and the
expected calibration error of the served (Platt-scaled) probabilities next to that of the raw
sigmoid of the same logits. Baselines
in the same run: the label prior (AUC 0.5) and a linear probe, logistic regression on the
frozen ImageNet embedding of the same crops, fitted by 5-fold cross-validation on the
evaluated faces themselves (so it is favoured: it sees this folder's labels).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from postlens.errors import InvalidInput
from postlens.evaluation.report import expected_calibration_error
from postlens.faces.attributes import FaceAttributeModel
from postlens.faces.calibration import Calibration
from postlens.faces.celeba import read_celeba
from postlens.faces.crops import face_crops
from postlens.vision.efficientnet import EfficientNetLite0
from postlens.vision.face_detector import CenterFaceDetector

# Published CelebA test accuracies of LNets+ANet (Liu et al., ICCV 2015), in percent.
PUBLISHED = {"Eyeglasses": 99, "Wearing_Hat": 99, "No_Beard": 95, "Goatee": 95,
             "Mustache": 95, "Wearing_Earrings": 82, "Wearing_Necklace": 71,
             "Wearing_Necktie": 93, "Wearing_Lipstick": 93, "Heavy_Makeup": 90, "Bald": 98,
             "5_o_Clock_Shadow": 91, "Sideburns": 96}
TARGETS = {"Eyeglasses": 0.97, "Wearing_Hat": 0.97, "No_Beard": 0.95}


def balanced_accuracy(y: np.ndarray, p: np.ndarray, threshold: float = 0.5) -> float:
    predicted = p >= threshold
    tpr = (predicted & y).sum() / max(int(y.sum()), 1)
    tnr = (~predicted & ~y).sum() / max(int((~y).sum()), 1)
    return float((tpr + tnr) / 2)


def auc_interval(y: np.ndarray, p: np.ndarray, rounds: int = 1000, seed: int = 0
                 ) -> tuple[float, float]:
    """95% bootstrap interval of the AUC (positives and negatives resampled separately)."""
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(seed)
    pos, neg = p[y], p[~y]
    values = []
    for _ in range(rounds):
        a = rng.choice(pos, len(pos))
        b = rng.choice(neg, len(neg))
        values.append(roc_auc_score(np.r_[np.ones(len(a)), np.zeros(len(b))], np.r_[a, b]))
    low, high = np.percentile(values, [2.5, 97.5])
    return round(float(low), 3), round(float(high), 3)


def linear_probe(embeddings: np.ndarray, y: np.ndarray, seed: int = 0) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    folds = min(5, int(y.sum()), int((~y).sum()))
    if folds < 2:
        return np.full(len(y), float(y.mean()))
    probe = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced")
    return np.asarray(cross_val_predict(
        probe, embeddings, y, method="predict_proba",
        cv=StratifiedKFold(folds, shuffle=True, random_state=seed))[:, 1])


def uncalibrated(probabilities: np.ndarray, calibration: Calibration) -> np.ndarray:
    """The served probabilities with the Platt scaling undone: the sigmoid of raw logits."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-12, 1 - 1e-12)
    logits = (np.log(p / (1 - p)) - calibration.intercept) / calibration.slope
    return np.asarray(1.0 / (1.0 + np.exp(-logits)))


def calibration_error(y: np.ndarray, p: np.ndarray) -> float:
    return round(expected_calibration_error(p.tolist(), y.astype(bool).tolist())[0], 4)


def evaluate_faces(root: Path, detector: CenterFaceDetector, heads: FaceAttributeModel,
                   encoder: EfficientNetLite0 | None = None) -> dict[str, Any]:
    from sklearn.metrics import roc_auc_score

    faces = read_celeba(root)
    crops = face_crops([faces.path(i) for i in range(len(faces.files))], detector)
    trained = heads.require().trained_on
    keep = np.array([f not in trained for f in crops.fingerprints], dtype=bool)
    if keep.sum() < 10:
        raise InvalidInput(f"{root}: fewer than 10 faces the served heads were not trained on")
    probabilities = heads.predict(crops.crops[keep])
    calibration = heads.require().calibrated()
    raw = uncalibrated(probabilities, calibration)
    embeddings = None
    if encoder is not None:
        from PIL import Image

        pixels = np.stack([encoder.preprocess(Image.fromarray(c)) for c in crops.crops[keep]])
        embeddings = np.concatenate([encoder.encode(pixels[i:i + 64]).embeddings
                                     for i in range(0, len(pixels), 64)])
    attributes: dict[str, Any] = {}
    for n, name in enumerate(heads.attributes):
        if name not in faces.attribute_names:
            continue
        y = faces.column(name)[keep]
        p = probabilities[:, n]
        both = 0 < y.sum() < len(y)
        row: dict[str, Any] = {
            "auc": round(float(roc_auc_score(y, p)), 4) if both else None,
            "auc_ci95": auc_interval(y, p) if both else None,
            "balanced_accuracy": round(balanced_accuracy(y, p), 4),
            "ece": calibration_error(y, p), "ece_raw": calibration_error(y, raw[:, n]),
            "positives": int(y.sum()), "faces": len(y),
            "published_accuracy": PUBLISHED.get(name), "target_auc": TARGETS.get(name)}
        if embeddings is not None and both:
            row["linear_probe_auc"] = round(float(roc_auc_score(y, linear_probe(embeddings, y))),
                                            4)
        attributes[name] = row
    return {"dataset": str(root), "faces": int(keep.sum()),
            "left_out_trained": int((~keep).sum()),
            "no_face_found": int((~crops.detected[keep]).sum()),
            "heads": heads.version, "members": len(heads.require().members),
            "calibrated_on": calibration.faces,
            "attributes": attributes}


def faces_report(result: dict[str, Any]) -> str:
    from postlens.evaluation.report import markdown

    rows = []
    for name, row in result["attributes"].items():
        auc = "-" if row["auc"] is None else (
            f"{row['auc']:.4f} ({row['auc_ci95'][0]:.3f}-{row['auc_ci95'][1]:.3f})")
        probe = row.get("linear_probe_auc")
        target = row["target_auc"]
        verdict = "met" if target is not None and (row["auc"] or 0) >= target else "missed"
        rows.append([name, str(row["positives"]), auc,
                     "-" if probe is None else f"{probe:.3f}",
                     f"{row['balanced_accuracy']:.3f}",
                     f"{row['ece']:.3f} / {row['ece_raw']:.3f}",
                     "-" if target is None else f">= {target} ({verdict})",
                     "-" if row["published_accuracy"] is None
                     else f"{row['published_accuracy']}%"])
    table = markdown(["attribute", "positives", "AUC (shipped heads, 95% bootstrap CI)",
                      "AUC (linear probe, 5-fold on these faces)", "balanced accuracy @0.5",
                      "calibration error (served / raw logits)", "target",
                      "LNets+ANet accuracy (CelebA test)"], rows)
    return (f"{result['faces']} faces of `{result['dataset']}` "
            f"({result['left_out_trained']} left out because the heads ({result['heads']}, "
            f"{result['members']} ensemble member(s)) "
            f"were trained on them; no face found on {result['no_face_found']}: centre crop). "
            f"The prior (predicting every face alike) has AUC 0.5 and balanced accuracy 0.5. "
            f"{calibration_note(result)}\n\n{table}")


def calibration_note(result: dict[str, Any]) -> str:
    rows = result["attributes"].values()
    served = float(np.mean([row["ece"] for row in rows]))
    raw = float(np.mean([row["ece_raw"] for row in rows]))
    how = (f"Platt-scaled per head on {result['calibrated_on']} held-out faces"
           if result.get("calibrated_on") else "not calibrated (raw sigmoid)")
    return (f"Probabilities served: {how}; mean expected calibration error {served:.3f} "
            f"(raw sigmoid of the same logits: {raw:.3f}).")
