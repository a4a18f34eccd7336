import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from harbench.reporting import figures
from harbench.reporting.significance import (
    Comparison,
    TooFewFoldsError,
    all_pairs,
    average_ranks,
    cliques,
    compare,
    fold_scores,
    holm,
)


@pytest.mark.slow
def test_holm_adjusts_step_down_and_keeps_the_input_order():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([0.2]) == pytest.approx([0.2])
    assert holm([]) == []


@pytest.mark.slow
def test_holm_matches_statsmodels():
    p_values = np.random.default_rng(0).uniform(0, 0.2, size=12)
    assert holm(p_values) == pytest.approx(multipletests(p_values, method="holm")[1])


@pytest.mark.slow
def test_a_pipeline_better_on_every_fold_is_significantly_better():
    folds = np.arange(10)
    scores = pd.DataFrame({"svm": 0.9 + 0.001 * folds, "cnn": 0.8 + 0.002 * folds, "rf": 0.9 + 0.001 * folds})
    first, same = compare(scores, [("svm", "cnn"), ("svm", "rf")])
    assert first.wins == 10 and first.losses == 0
    assert first.p_value == pytest.approx(2 / 2**10)  # exact two-sided p of 10 wins out of 10
    assert first.p_holm == pytest.approx(2 * first.p_value) and first.significant
    assert same.p_value == 1.0 and not same.significant


@pytest.mark.parametrize("n_folds", [2, 5])
def test_no_wilcoxon_p_is_produced_for_fewer_than_six_folds(n_folds):
    scores = pd.DataFrame({"svm": np.full(n_folds, 0.9), "cnn": np.full(n_folds, 0.8)})
    with pytest.raises(TooFewFoldsError, match="at least 6"):
        compare(scores, [("svm", "cnn")])


def test_six_folds_one_pipeline_winning_all_can_be_significant():
    scores = pd.DataFrame({"svm": 0.9 + 0.01 * np.arange(6), "cnn": np.full(6, 0.8)})
    (comparison,) = compare(scores, [("svm", "cnn")])
    assert comparison.p_value == pytest.approx(2 / 2**6) and comparison.significant


def test_fold_scores_average_seeds_within_each_fold():
    runs = pd.DataFrame({"fold": [0, 0, 1, 1, 0, 1], "seed": [0, 1, 0, 1, 0, 0],
                         "pipeline": ["a", "a", "a", "a", "b", "b"], "accuracy": [0.8, 0.9, 0.7, 0.7, 0.5, 0.6]})
    table = fold_scores(runs)
    assert table.loc[0, "a"] == pytest.approx(0.85) and table.loc[1, "b"] == pytest.approx(0.6)


def test_the_compared_pairs_are_every_pair_in_the_given_order_whatever_the_results():
    assert all_pairs(["svm", "cnn", "minirocket"]) == [("svm", "cnn"), ("svm", "minirocket"), ("cnn", "minirocket")]


def _comparison(first, second, p_holm):
    return Comparison(first, second, 8, 0.0, 0, 0, 0.0, p_holm, p_holm)


def test_cliques_join_neighbours_that_no_comparison_separates():
    order = ["a", "b", "c", "d"]
    p = {("a", "b"): 0.5, ("a", "c"): 0.01, ("a", "d"): 0.01, ("b", "c"): 0.3, ("b", "d"): 0.02, ("c", "d"): 0.4}
    comparisons = [_comparison(first, second, value) for (first, second), value in p.items()]
    assert cliques(order, comparisons) == [(0, 1), (1, 2), (2, 3)]
    p[("b", "d")] = 0.2  # b, c, d now form one group
    assert cliques(order, [_comparison(first, second, value) for (first, second), value in p.items()]) == \
        [(0, 1), (1, 3)]
    with pytest.raises(Exception, match="no comparison of 'c' and 'd'"):
        cliques(order, comparisons[:-1])


@pytest.mark.slow
def test_the_cd_diagram_draws_its_bars_from_the_tables_comparisons(monkeypatch):
    folds = np.arange(8)
    scores = pd.DataFrame({"svm": 0.90 + 0.01 * folds, "rf": 0.90 + 0.01 * folds + 0.005 * (-1.0) ** folds,
                           "cnn": 0.7 + 0.001 * folds})
    comparisons = compare(scores, all_pairs(scores.columns))
    assert list(average_ranks(scores).index) == ["svm", "rf", "cnn"]
    seen = []
    real = figures.cliques
    monkeypatch.setattr(figures, "cliques", lambda order, given: seen.append(given) or real(order, given))
    _fig, ax = figures.critical_difference(scores, comparisons)
    assert seen == [comparisons], "the diagram uses the very comparisons of the table, no test of its own"
    bars = [line for line in ax.collections if max(line.get_linewidths()) >= 3]
    assert len(bars) == 1  # svm and rf joined (4 wins each), cnn alone
    assert real(list(average_ranks(scores).index), comparisons) == [(0, 1)]
    nothing_significant = [_comparison(c.first, c.second, 1.0) for c in comparisons]
    assert real(list(average_ranks(scores).index), nothing_significant) == [(0, 2)]
