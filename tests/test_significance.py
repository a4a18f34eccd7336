import numpy as np
import pandas as pd
import pytest

from harbench.reporting.significance import compare, family_best_pairs, fold_scores, holm


def test_holm_adjusts_step_down_and_keeps_the_input_order():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([0.2]) == pytest.approx([0.2])


def test_a_pipeline_better_on_every_fold_is_significantly_better():
    folds = np.arange(10)
    scores = pd.DataFrame({"svm": 0.9 + 0.001 * folds, "cnn": 0.8 + 0.002 * folds, "rf": 0.9 + 0.001 * folds})
    first, same = compare(scores, [("svm", "cnn"), ("svm", "rf")])
    assert first.wins == 10 and first.losses == 0
    assert first.p_value == pytest.approx(2 / 2**10)  # exact two-sided p of 10 wins out of 10
    assert first.p_holm == pytest.approx(2 * first.p_value) and first.significant
    assert same.p_value == 1.0 and not same.significant


def test_fold_scores_average_seeds_within_each_fold():
    runs = pd.DataFrame({"fold": [0, 0, 1, 1, 0, 1], "seed": [0, 1, 0, 1, 0, 0],
                         "pipeline": ["a", "a", "a", "a", "b", "b"], "accuracy": [0.8, 0.9, 0.7, 0.7, 0.5, 0.6]})
    table = fold_scores(runs)
    assert table.loc[0, "a"] == pytest.approx(0.85) and table.loc[1, "b"] == pytest.approx(0.6)


def test_family_best_pairs_compares_the_best_of_each_family():
    summary = pd.DataFrame({"pipeline": ["handcrafted+svm", "cnn", "handcrafted+knn", "lstm", "minirocket"],
                            "family": ["classical", "deep", "classical", "deep", "kernel"],
                            "accuracy_mean": [0.96, 0.93, 0.89, 0.95, 0.97]})
    assert family_best_pairs(summary) == [("handcrafted+svm", "lstm"), ("handcrafted+svm", "minirocket"),
                                          ("lstm", "minirocket")]
