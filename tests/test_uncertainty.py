import numpy as np
import pandas as pd
import pytest

from harbench.reporting.aggregate import runs_table, seed_and_fold_spread, summary_table
from harbench.reporting.bootstrap import SubjectBootstrap, subject_confusions
from harbench.reporting.markdown import _folds_section, _results_section
from harbench.reporting.metrics import score_record
from harbench.reporting.uncertainty import block_uncertainty, interval_columns
from harbench.runner.predictions import Predictions

CLASSES = ["a", "b", "c"]


def _subject_predictions(accuracy_per_subject: dict, windows: int = 60, seed: int = 0) -> Predictions:
    """Each subject's windows, cycling through the classes, with the given share predicted right."""
    rng = np.random.default_rng(seed)
    subjects, y_true, y_pred = [], [], []
    for subject, accuracy in accuracy_per_subject.items():
        truth = np.arange(windows) % len(CLASSES)
        right = np.zeros(windows, dtype=bool)
        right[rng.permutation(windows)[:round(accuracy * windows)]] = True
        subjects += [subject] * windows
        y_true += truth.tolist()
        y_pred += np.where(right, truth, (truth + 1) % len(CLASSES)).tolist()
    n = len(subjects)
    return Predictions(test_index=np.arange(n), subjects=np.array(subjects), y_true=np.array(y_true),
                       y_pred=np.array(y_pred))


def test_a_pipeline_equally_accurate_on_every_subject_has_a_degenerate_interval():
    runs = [_subject_predictions(dict.fromkeys(range(10), 0.8), seed=seed) for seed in range(3)]
    interval = SubjectBootstrap(runs[0].subjects).interval(runs, len(CLASSES), "accuracy")
    assert interval.estimate == pytest.approx(0.8)
    assert interval.low == pytest.approx(0.8) and interval.high == pytest.approx(0.8)


def test_the_bootstrap_resamples_subjects_not_windows():
    # half the subjects are recognised perfectly, half at chance-ish: windows of a subject are correlated
    run = _subject_predictions({subject: 1.0 if subject % 2 else 0.5 for subject in range(10)}, windows=100)
    by_subject = SubjectBootstrap(run.subjects).interval([run], len(CLASSES), "accuracy")
    by_window_run = Predictions(run.test_index, np.arange(len(run.subjects)), run.y_true, run.y_pred)
    by_window = SubjectBootstrap(by_window_run.subjects).interval([by_window_run], len(CLASSES), "accuracy")
    assert by_subject.estimate == pytest.approx(by_window.estimate) == pytest.approx(0.75)
    assert by_subject.high - by_subject.low > 3 * (by_window.high - by_window.low)


def test_a_resample_weights_each_subjects_windows_by_how_often_it_was_drawn():
    run = _subject_predictions({"s1": 1.0, "s2": 0.5}, windows=6)
    bootstrap = SubjectBootstrap(run.subjects, n_resamples=200, seed=3)
    estimate, samples = bootstrap.scores([run], len(CLASSES), "accuracy")
    s1_draws = bootstrap.weights[:, 0]  # subjects in sorted order: s1, s2
    expected = (s1_draws * 6 + (2 - s1_draws) * 3) / 12
    assert estimate == pytest.approx(0.75) and samples == pytest.approx(expected)


def test_subject_confusions_count_each_subjects_windows_per_run():
    run = Predictions(np.arange(4), np.array([7, 7, 9, 9]), np.array([0, 1, 1, 2]), np.array([0, 2, 1, 2]))
    counts = subject_confusions([run, run], np.array([7, 9]), 3).reshape(2, 2, 3, 3)
    assert counts[0, 0].tolist() == [[1, 0, 0], [0, 0, 1], [0, 0, 0]] and counts[1, 1].trace() == 2
    assert (counts[:, 0] == counts[:, 1]).all()


def test_the_same_bootstrap_seed_gives_the_same_interval():
    run = _subject_predictions({subject: 0.5 + 0.04 * subject for subject in range(10)})
    first = SubjectBootstrap(run.subjects).interval([run], 3, "macro_f1")
    assert SubjectBootstrap(run.subjects).interval([run], 3, "macro_f1") == first


def _block(n_folds: int, seeds=(0, 1)):
    """Records and predictions of a classical and a deep pipeline over ``n_folds`` folds, one
    subject tested per fold; the classical one is better on every subject."""
    records, predictions = [], {}
    for fold in range(n_folds):
        for pipeline, family, accuracy in (("svm", "classical", 0.9), ("cnn", "deep", 0.7)):
            for seed in seeds:
                key = f"{pipeline}-{fold}-{seed}"
                predictions[key] = _subject_predictions({100 + fold: accuracy - 0.01 * fold - 0.02 * seed},
                                                        seed=seed)
                record = {"dataset": "d", "protocol": "loso" if n_folds > 1 else "official", "fold": fold,
                          "pipeline": pipeline, "family": family, "seed": seed, "key": key, "fit_s": 1.0,
                          "trained_on": "train" if family == "deep" else "train+val",
                          "provenance": {"git_commit": "abc", "tree_clean": True}}
                records.append(score_record(record, predictions[key], CLASSES))
    runs = runs_table(records)
    return records, runs, predictions


def test_seed_and_fold_spread_are_computed_separately():
    runs = pd.DataFrame({"dataset": "d", "protocol": "p", "pipeline": "x", "fold": [0, 0, 1, 1],
                         "seed": [0, 1, 0, 1], "accuracy": [0.8, 0.9, 0.6, 0.7]})
    spread = seed_and_fold_spread(runs, "accuracy").iloc[0]
    assert spread["accuracy_std_seeds"] == pytest.approx(np.std([0.8, 0.9], ddof=1))
    assert spread["accuracy_std_folds"] == pytest.approx(np.std([0.85, 0.65], ddof=1))


def test_single_split_page_shows_intervals_calibration_training_data_and_the_family_difference():
    records, runs, predictions = _block(1)
    uncertainty = block_uncertainty(summary_table(runs), runs, predictions, len(CLASSES))
    assert uncertainty.comparisons is None and uncertainty.difference.classical == "svm"
    difference = uncertainty.difference.intervals["accuracy"]
    assert difference.estimate == pytest.approx(0.2, abs=0.02)
    summary = summary_table(runs, interval_columns(uncertainty).assign(dataset="d", protocol="official"))
    svm = summary.set_index("pipeline").loc["svm"]
    assert svm["accuracy_pooled"] == pytest.approx(svm["accuracy_mean"])
    assert svm["accuracy_ci_low"] <= svm["accuracy_mean"] <= svm["accuracy_ci_high"]
    page = "\n".join(_results_section(summary, records, CLASSES, uncertainty))
    assert "accuracy [95% CI]" in page and "balanced accuracy" in page and "ECE" in page
    assert "2,000 resamples, seed 0" in page and "over the 1 test subjects" in page
    assert "with only 1 subjects the percentile interval is narrower than the true uncertainty" in page
    assert "| `svm` | classical | train + val | 2 |" in page and "| `cnn` | deep | train | 2 |" in page
    assert "Best classical minus best deep pipeline, `svm` - `cnn`: accuracy +0.2" in page
    assert "dirty tree" not in page


def test_a_dirty_cell_is_marked_on_the_page():
    records, runs, predictions = _block(1)
    records[0]["provenance"]["tree_clean"] = False
    runs = runs_table(records)
    uncertainty = block_uncertainty(summary_table(runs), runs, predictions, len(CLASSES))
    page = "\n".join(_results_section(summary_table(runs), records, CLASSES, uncertainty))
    assert "| `svm` † |" in page and "† computed on a dirty tree" in page and "`svm` (1 of 2 runs)" in page


@pytest.mark.slow
def test_five_folds_give_no_wilcoxon_p_but_the_pooled_subject_bootstrap():
    records, runs, predictions = _block(5)
    summary = summary_table(runs)
    uncertainty = block_uncertainty(summary, runs, predictions, len(CLASSES))
    assert uncertainty.comparisons is None and len(uncertainty.bootstrap.subjects) == 5
    folds = [{"fold": fold, "subjects": {"test": [100 + fold]}} for fold in range(5)]
    page = "\n".join(_results_section(summary, records, CLASSES, uncertainty) + _folds_section(summary, folds,
                                                                                                uncertainty))
    assert "No Wilcoxon signed-rank test is reported: it needs at least 6 paired folds" in page
    assert "p (Holm)" not in page and "Pooled over the 5 folds' test subjects" in page
    assert "std over folds" in page and "std over seeds" in page


@pytest.mark.slow
def test_six_folds_test_every_pair_and_the_page_shows_the_holm_table():
    _records, runs, predictions = _block(6)
    summary = summary_table(runs)
    uncertainty = block_uncertainty(summary, runs, predictions, len(CLASSES))
    (comparison,) = uncertainty.comparisons
    assert (comparison.first, comparison.second, comparison.wins) == ("cnn", "svm", 0)
    folds = [{"fold": fold, "subjects": {"test": [100 + fold]}} for fold in range(6)]
    page = "\n".join(_folds_section(summary, folds, uncertainty))
    assert "| `cnn` vs `svm` | 6 | -0.2" in page and "p (Holm)" in page


@pytest.mark.slow
def test_data_without_subject_ids_says_it_resamples_cases():
    records, runs, predictions = _block(1)
    uncertainty = block_uncertainty(summary_table(runs), runs, predictions, len(CLASSES), unit="cases")
    page = "\n".join(_results_section(summary_table(runs), records, CLASSES, uncertainty))
    assert "over the 1 test cases (cases resampled with replacement" in page and "resamples of test cases" in page


def test_folds_without_subject_ids_are_described_by_their_cases_never_as_subjects():
    records, runs, predictions = _block(5)
    summary = summary_table(runs)
    uncertainty = block_uncertainty(summary, runs, predictions, len(CLASSES), unit="cases")
    folds = [{"fold": fold, "subjects": {"test": [100 + fold]}} for fold in range(5)]
    page = "\n".join(_results_section(summary, records, CLASSES, uncertainty)
                     + _folds_section(summary, folds, uncertainty))
    assert "which cases are tested" in page and "the cases each fold tests on; 5 folds" in page
    assert "| fold | test cases |" in page and "bootstrap intervals over test cases above stand in" in page
    assert "subject" not in page.lower()


@pytest.mark.slow
def test_timings_measured_under_load_are_flagged_on_the_page():
    records, runs, predictions = _block(1)
    for record in records:
        record["environment"] = {"cpus_available": 2}
        record["load_average"] = [0.4, 1.1]
    records[0]["load_average"] = [3.5, 2.2]
    uncertainty = block_uncertainty(summary_table(runs), runs, predictions, len(CLASSES))
    page = "\n".join(_results_section(summary_table(runs), records, CLASSES, uncertainty))
    assert f"Timings of 1 of {len(records)} runs were measured while other work shared the machine" in page
    assert f"when the run started or ended: `{records[0]['pipeline']}`)" in page
