"""FRESH relevance selection of features for class labels, with the tests run on all features at once.

Christ, Braun, Neuffer & Kempa-Liehr (2018), Time Series FeatuRe Extraction on basis of
Scalable Hypothesis tests (tsfresh - A Python package), Neurocomputing 307:72-77.

This is tsfresh's ``select_features(X, y, multiclass=True)`` decision, computed with the same
tests: for each class against the rest, a two-sided Mann-Whitney U test (continuity
corrected) for real-valued features and Fisher's exact test for features with two values,
then the Benjamini-Yekutieli procedure at ``fdr_level`` (tsfresh assumes dependent features);
a feature is kept when at least one class rejects its null hypothesis, and constant
features never are. tsfresh calls SciPy once per feature and class; here the features are
ranked once and every class's U statistic is a sum of those ranks, with SciPy's p-value
formula. The selection is the same (tested against tsfresh); on 7,415 windows x 3,816
features it took 16 s, tsfresh's over two minutes (two busy cores).
"""

from __future__ import annotations

import numpy as np
from scipy import special, stats
from statsmodels.stats.multitest import multipletests

from harbench.features.statistics import run_lengths

SMALL_SAMPLE = 8  # SciPy's Mann-Whitney U is exact, not asymptotic, when either side is this small


def _tie_terms(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per column of the column-sorted matrix ``ordered``: how many distinct values it holds, and
    the Mann-Whitney tie term sum(t^3 - t) over its groups of t equal values."""
    columns, lengths = run_lengths(ordered.T)
    lengths = lengths.astype(np.float64)
    width = ordered.shape[1]
    return np.bincount(columns, minlength=width), np.bincount(columns, weights=lengths**3 - lengths, minlength=width)


def _mann_whitney_p(ranks: np.ndarray, tie_term: np.ndarray, in_class: np.ndarray) -> np.ndarray:
    """Two-sided, continuity-corrected asymptotic Mann-Whitney U p-values of each column, from
    the columns' average ranks over all rows: SciPy's ``mannwhitneyu`` formula (method 2 of its
    reference, with its tie correction), with the ranking shared by every class."""
    n1 = int(in_class.sum())
    n2 = len(in_class) - n1
    n = n1 + n2
    u1 = ranks[in_class].sum(axis=0) - n1 * (n1 + 1) / 2
    u = np.maximum(u1, n1 * n2 - u1)
    spread = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1))))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (u - n1 * n2 / 2 - 0.5) / spread
    return np.clip(2 * special.ndtr(-z), 0.0, 1.0)


def _fisher_p(column: np.ndarray, in_class: np.ndarray) -> float:
    """Fisher's exact test of a two-valued feature against the boolean target."""
    is_high = column == column.max()
    table = [[np.sum(in_class & is_high), np.sum(in_class & ~is_high)],
             [np.sum(~in_class & is_high), np.sum(~in_class & ~is_high)]]
    return float(stats.fisher_exact(table, alternative="two-sided").pvalue)


def relevant_features(features: np.ndarray, y: np.ndarray, fdr_level: float = 0.05,
                      n_significant: int = 1) -> np.ndarray:
    """Boolean mask of the columns of ``features`` (n, d; finite) that FRESH keeps for the class
    labels ``y``: relevant to at least ``n_significant`` classes, each class tested against the
    rest and corrected with Benjamini-Yekutieli at ``fdr_level``."""
    distinct, tie_term = _tie_terms(np.sort(features, axis=0))
    tested = np.flatnonzero(distinct > 1)
    binary = distinct[tested] == 2
    real = tested[~binary]
    ranks = stats.rankdata(features[:, real], axis=0)
    significant = np.zeros(features.shape[1], dtype=int)
    for label in np.unique(y):
        in_class = y == label
        if min(in_class.sum(), (~in_class).sum()) > SMALL_SAMPLE:
            real_p = _mann_whitney_p(ranks, tie_term[real], in_class)
        else:  # SciPy's exact test
            real_p = [stats.mannwhitneyu(features[in_class, column], features[~in_class, column],
                                         use_continuity=True, alternative="two-sided").pvalue for column in real]
        p_values = np.empty(len(tested))
        p_values[~binary] = real_p
        p_values[binary] = [_fisher_p(features[:, column], in_class) for column in tested[binary]]
        significant[tested] += multipletests(p_values, fdr_level, "fdr_by")[0]
    return significant >= n_significant
