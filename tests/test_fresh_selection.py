"""FRESH selection (harbench.features.fresh_selection) against tsfresh's own select_features and SciPy."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from tsfresh import select_features

from harbench.features.fresh_selection import _mann_whitney_p, _tie_terms, relevant_features


def _features(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns of every kind FRESH tells apart: informative and noise real-valued columns, heavily
    tied ones, two-valued ones (informative and not) and a constant one; four classes."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    informative = rng.normal(0, 1, (n, 6)) + 0.4 * y[:, None] * rng.normal(1, 0.3, 6)
    noise = rng.normal(0, 1, (n, 30))
    tied = np.round(rng.normal(0, 1, (n, 4)) + 0.3 * (y[:, None] == 2), 0)
    binary = np.column_stack([(y == 1) ^ (rng.random(n) < 0.2), rng.random(n) < 0.5]).astype(float)
    constant = np.full((n, 1), 3.0)
    return np.column_stack([informative, noise, tied, binary, constant]), y


@pytest.mark.slow
@pytest.mark.parametrize("n, seed", [(300, 0), (120, 1), (500, 2)])
def test_the_selection_is_tsfresh_select_features(n, seed):
    features, y = _features(n, seed)
    frame = pd.DataFrame(features, columns=[f"f{column:02d}" for column in range(features.shape[1])])
    expected = select_features(frame, pd.Series(y), multiclass=True, fdr_level=0.05, n_jobs=0)
    kept = relevant_features(features, y, fdr_level=0.05)
    assert list(frame.columns[kept]) == list(expected.columns)
    assert 0 < kept.sum() < features.shape[1], "the fixture must keep some columns and drop others"


def test_p_values_are_scipys_mann_whitney_u():
    features, y = _features(200, 3)
    real = features[:, :40]
    ordered = np.sort(real, axis=0)
    _, tie_term = _tie_terms(ordered)
    in_class = y == 2
    ours = _mann_whitney_p(stats.rankdata(real, axis=0), tie_term, in_class)
    scipys = [stats.mannwhitneyu(real[in_class, column], real[~in_class, column], use_continuity=True,
                                 alternative="two-sided").pvalue for column in range(real.shape[1])]
    np.testing.assert_allclose(ours, scipys, rtol=1e-12)


def test_distinct_values_and_tie_terms_per_column():
    features = np.array([[1.0, 5.0, 0.0], [1.0, 6.0, 0.0], [2.0, 7.0, 0.0], [1.0, 8.0, 0.0]])
    distinct, tie_term = _tie_terms(np.sort(features, axis=0))
    np.testing.assert_array_equal(distinct, [2, 4, 1])
    np.testing.assert_array_equal(tie_term, [3**3 - 3, 0, 4**3 - 4])


def test_a_class_of_few_windows_uses_scipys_exact_test_like_tsfresh():
    features, y = _features(200, 4)
    y = np.where(np.arange(200) < 6, 9, y)  # a class of six windows: SciPy switches to its exact test
    frame = pd.DataFrame(features, columns=[f"f{column:02d}" for column in range(features.shape[1])])
    expected = select_features(frame, pd.Series(y), multiclass=True, fdr_level=0.05, n_jobs=0)
    assert list(frame.columns[relevant_features(features, y)]) == list(expected.columns)
