"""Every reported metric, computed from a cell's stored per-window predictions.

A report never reads a metric from a cell's record: it recomputes each one from the stored
`Predictions`, so a metric added here applies to every stored cell without retraining.

- Accuracy, macro-F1 (every class of the dataset counts, a class never predicted nor present
  scores 0) and balanced accuracy (mean recall over the classes present in the test fold):
  scikit-learn.
- Log-loss (mean negative log-likelihood of the true class): scikit-learn's ``log_loss`` over
  every class of the dataset, on probabilities clipped to [1e-15, 1] and renormalised per
  window (stored probabilities are float32).
- Expected calibration error with 15 equal-width confidence bins: Guo, Pleiss, Sun &
  Weinberger (2017), "On Calibration of Modern Neural Networks", ICML:
  ``ECE = sum_b |B_b| / n * |acc(B_b) - conf(B_b)|``, where a window's confidence is its
  largest class probability and its prediction the class of that probability.

The batch functions `accuracy_from_confusion` and `macro_f1_from_confusion` compute the same
accuracy and macro-F1 from (summed) confusion matrices, for the bootstrap.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score, log_loss

from harbench.runner.predictions import Predictions

ECE_BINS = 15
PROBABILITY_FLOOR = 1e-15


def expected_calibration_error(y_true: np.ndarray, proba: np.ndarray, n_bins: int = ECE_BINS) -> float:
    """ECE of ``proba`` (n, n_classes) against the true classes ``y_true`` (Guo et al. 2017):
    windows are put in ``n_bins`` equal-width bins of confidence ((0, 1/M], (1/M, 2/M], ...)
    by their largest probability, and each bin's gap between accuracy (of the arg-max class)
    and mean confidence is weighted by its share of the windows."""
    proba = np.asarray(proba, dtype=np.float64)
    confidence = proba.max(axis=1)
    correct = (proba.argmax(axis=1) == np.asarray(y_true)).astype(np.float64)
    bins = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    gap = np.abs(np.bincount(bins, correct, minlength=n_bins) - np.bincount(bins, confidence, minlength=n_bins))
    return float(gap.sum() / len(confidence)) if len(confidence) else float("nan")


def clipped_log_loss(y_true: np.ndarray, proba: np.ndarray, n_classes: int) -> float:
    """scikit-learn's log-loss over all ``n_classes`` classes, probabilities clipped to
    [1e-15, 1] and renormalised per window so a float32 zero gives a finite loss."""
    proba = np.clip(np.asarray(proba, dtype=np.float64), PROBABILITY_FLOOR, 1.0)
    proba /= proba.sum(axis=1, keepdims=True)
    return float(log_loss(y_true, proba, labels=np.arange(n_classes)))


def cell_metrics(predictions: Predictions, n_classes: int) -> dict[str, float | None]:
    """Accuracy, macro-F1, balanced accuracy, and (None without probabilities) log-loss and
    ECE of one cell."""
    y_true, y_pred = predictions.y_true, predictions.y_pred
    labels = np.arange(n_classes)
    with warnings.catch_warnings():  # a class predicted but absent from the fold is expected, not news
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        balanced = float(balanced_accuracy_score(y_true, y_pred))
    metrics: dict[str, float | None] = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "balanced_accuracy": balanced, "log_loss": None, "ece": None,
    }
    if predictions.proba is not None:
        metrics["log_loss"] = clipped_log_loss(y_true, predictions.proba, n_classes)
        metrics["ece"] = expected_calibration_error(y_true, predictions.proba)
    return metrics


def score_record(record: dict, predictions: Predictions, classes: list[str]) -> dict:
    """A copy of ``record`` whose metrics (the `cell_metrics`, per-class F1 and confusion
    matrix) are recomputed from ``predictions``; its other fields are kept."""
    labels = np.arange(len(classes))
    per_class = f1_score(predictions.y_true, predictions.y_pred, labels=labels, average=None, zero_division=0)
    return {**record, **cell_metrics(predictions, len(classes)),
            "per_class_f1": dict(zip(classes, map(float, per_class), strict=True)),
            "confusion_matrix": confusion_matrix(predictions.y_true, predictions.y_pred, labels=labels).tolist()}


def accuracy_from_confusion(confusion: np.ndarray) -> np.ndarray:
    """Accuracy of each (..., K, K) confusion matrix (true class per row)."""
    return np.trace(confusion, axis1=-2, axis2=-1) / confusion.sum(axis=(-2, -1))


def macro_f1_from_confusion(confusion: np.ndarray) -> np.ndarray:
    """Macro-F1 over all K classes of each (..., K, K) confusion matrix, a class with no true
    and no predicted window scoring 0 (scikit-learn's ``zero_division=0``)."""
    true_positive = np.diagonal(confusion, axis1=-2, axis2=-1)
    denominator = confusion.sum(axis=-1) + confusion.sum(axis=-2)  # 2 TP + FN + FP
    f1 = np.divide(2 * true_positive, denominator, out=np.zeros(denominator.shape), where=denominator > 0)
    return f1.mean(axis=-1)
