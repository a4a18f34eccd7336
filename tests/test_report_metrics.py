import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score, f1_score, log_loss

from harbench.reporting.aggregate import runs_table, summary_table
from harbench.reporting.metrics import (
    accuracy_from_confusion,
    cell_metrics,
    clipped_log_loss,
    expected_calibration_error,
    macro_f1_from_confusion,
    score_record,
)
from harbench.runner.predictions import Predictions


def _predictions(y_true, y_pred, proba=None, subjects=None):
    n = len(y_true)
    return Predictions(test_index=np.arange(n), subjects=np.asarray(subjects if subjects is not None else [1] * n),
                       y_true=np.asarray(y_true), y_pred=np.asarray(y_pred),
                       proba=None if proba is None else np.asarray(proba, dtype=np.float32))


def test_ece_matches_a_hand_computed_example_with_15_bins():
    # confidences 0.9 and 0.92 share bin 14 of 15 ((13/15, 14/15]); 0.7 and 0.55 are alone in theirs
    proba = [[0.9, 0.1], [0.08, 0.92], [0.3, 0.7], [0.55, 0.45]]
    y_true = [0, 0, 1, 1]  # right, wrong, right, wrong
    by_hand = 2 / 4 * abs(0.5 - 0.91) + 1 / 4 * abs(1 - 0.7) + 1 / 4 * abs(0 - 0.55)
    assert expected_calibration_error(np.array(y_true), np.array(proba)) == pytest.approx(by_hand)


def test_ece_is_zero_for_a_perfectly_calibrated_bin_and_uses_the_argmax_class():
    proba = np.array([[0.75, 0.25]] * 4)
    assert expected_calibration_error(np.array([0, 0, 0, 1]), proba) == pytest.approx(0.0)
    assert expected_calibration_error(np.array([1, 1, 1, 0]), proba) == pytest.approx(0.5)


def test_log_loss_equals_sklearn_over_every_class_of_the_dataset():
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), size=50)
    y_true = rng.integers(0, 3, size=50)  # class 3 never occurs in this fold, but is one of the dataset's
    assert clipped_log_loss(y_true, proba, 4) == pytest.approx(log_loss(y_true, proba, labels=[0, 1, 2, 3]))


def test_log_loss_of_a_zero_probability_on_the_true_class_is_finite():
    value = clipped_log_loss(np.array([0, 1]), np.array([[0.0, 1.0], [0.0, 1.0]], dtype=np.float32), 2)
    assert np.isfinite(value) and value == pytest.approx(-np.log(1e-15) / 2, rel=1e-6)


def test_cell_metrics_use_every_class_and_leave_probability_metrics_empty_without_probabilities():
    y_true, y_pred = [0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0]
    metrics = cell_metrics(_predictions(y_true, y_pred), n_classes=4)
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["macro_f1"] == pytest.approx(f1_score(y_true, y_pred, labels=[0, 1, 2, 3], average="macro",
                                                         zero_division=0))
    assert metrics["balanced_accuracy"] == pytest.approx((0.5 + 1.0 + 0.5) / 3)
    assert metrics["log_loss"] is None and metrics["ece"] is None


def test_confusion_based_metrics_equal_sklearn():
    rng = np.random.default_rng(1)
    y_true, y_pred = rng.integers(0, 5, 200), rng.integers(0, 4, 200)  # class 4 never predicted
    confusion = np.zeros((5, 5))
    np.add.at(confusion, (y_true, y_pred), 1)
    assert accuracy_from_confusion(confusion) == pytest.approx(accuracy_score(y_true, y_pred))
    assert macro_f1_from_confusion(confusion) == pytest.approx(
        f1_score(y_true, y_pred, labels=range(6), average="macro", zero_division=0) * 6 / 5)
    padded = np.zeros((6, 6))
    padded[:5, :5] = confusion  # a sixth class with no window at all scores 0, as in sklearn
    assert macro_f1_from_confusion(padded) == pytest.approx(
        f1_score(y_true, y_pred, labels=range(6), average="macro", zero_division=0))


def test_a_report_recomputes_its_metrics_from_the_stored_predictions(tmp_path):
    from harbench.runner.store import ResultStore

    store = ResultStore(tmp_path)
    stale = {"dataset": "d", "protocol": "official", "fold": 0, "pipeline": "svm", "family": "classical", "seed": 0,
             "accuracy": 0.123, "macro_f1": 0.123, "per_class_f1": {"a": 0.0, "b": 0.0}, "fit_s": 1.0,
             "trained_on": "train+val", "provenance": {"git_commit": "abc", "tree_clean": False}, "key": "k"}
    store.save("k", stale, _predictions([0, 0, 1, 1], [0, 1, 1, 1], proba=[[.9, .1], [.4, .6], [.2, .8], [.3, .7]]))
    record = score_record(store.load("k"), store.load_predictions("k"), ["a", "b"])
    assert record["accuracy"] == pytest.approx(0.75) and record["per_class_f1"]["b"] == pytest.approx(0.8)
    assert record["confusion_matrix"] == [[1, 1], [0, 2]] and record["ece"] is not None
    runs = runs_table([record])
    assert not runs.loc[0, "tree_clean"] and runs.loc[0, "git_commit"] == "abc"
    assert {"balanced_accuracy", "log_loss", "ece"} <= set(runs.columns)
    summary = summary_table(runs)
    assert summary.loc[0, "dirty_runs"] == 1 and summary.loc[0, "trained_on"] == "train+val"
    assert pd.isna(summary.loc[0, "accuracy_std_seeds"]) and pd.isna(summary.loc[0, "accuracy_ci_low"])


def test_a_cell_without_stored_predictions_cannot_be_reported_and_is_named(tmp_path):
    from harbench.reporting.report import MissingResultsError, load_predictions
    from harbench.runner.store import ResultStore

    (tmp_path / "cells").mkdir()
    (tmp_path / "cells" / "abc123.json").write_text("{}")  # a record stored before predictions were kept
    with pytest.raises(MissingResultsError, match=r"tiny: cell svm seed 0 \(key abc123\) has no readable per-window"):
        load_predictions(ResultStore(tmp_path), "abc123", "svm seed 0", "tiny")
