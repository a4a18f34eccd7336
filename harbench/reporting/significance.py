"""Paired comparisons of pipelines across folds: Wilcoxon signed-rank tests, Holm-corrected.

Demšar (2006), "Statistical Comparisons of Classifiers over Multiple Data Sets", JMLR
7:1-30: compare two classifiers by the Wilcoxon signed-rank test over paired results and
correct for the number of comparisons; Holm (1979), "A Simple Sequentially Rejective
Multiple Test Procedure", Scandinavian Journal of Statistics 6:65-70. Here the pairs are
the folds of one protocol (one held-out subject each under leave-one-subject-out), each
fold's accuracy averaged over seeds first so that seeds do not count as independent data.

The compared pairs are fixed before any result is looked at: every pair of the block's
pipelines, in the suite file's order (`all_pairs`). The same `Comparison` list feeds the page's table and
the critical-difference diagram's cliques (`cliques`), so both show one test and one
correction. With fewer than `MIN_FOLDS` folds no test is run: a two-sided exact Wilcoxon test
on 5 pairs cannot give p < 0.05 even when one pipeline wins every fold (p = 2 / 2**5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata, wilcoxon
from statsmodels.stats.multitest import multipletests

from harbench.errors import HarbenchError

ALPHA = 0.05
MIN_FOLDS = 6


class TooFewFoldsError(HarbenchError):
    """A Wilcoxon test was asked for over fewer than `MIN_FOLDS` paired folds."""


@dataclass(frozen=True)
class Comparison:
    """One two-sided Wilcoxon signed-rank test of ``first`` against ``second`` over folds."""

    first: str
    second: str
    n_folds: int
    mean_difference: float  # accuracy of first minus second, averaged over folds
    wins: int  # folds where first is more accurate
    losses: int
    statistic: float
    p_value: float
    p_holm: float

    @property
    def significant(self) -> bool:
        return self.p_holm < ALPHA


def fold_scores(runs: pd.DataFrame, metric: str = "accuracy") -> pd.DataFrame:
    """Folds x pipelines, each cell the metric averaged over seeds; only folds every pipeline has."""
    table = runs.pivot_table(index="fold", columns="pipeline", values=metric, aggfunc="mean")
    return table.dropna(axis=0, how="any")


def enough_folds(scores: pd.DataFrame) -> bool:
    """Whether ``scores`` has the `MIN_FOLDS` paired folds a Wilcoxon test needs here."""
    return len(scores) >= MIN_FOLDS


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order (statsmodels' ``multipletests``)."""
    if len(p_values) == 0:
        return []
    return multipletests(np.asarray(p_values, dtype=float), alpha=ALPHA, method="holm")[1].tolist()


def all_pairs(pipelines: Sequence[str]) -> list[tuple[str, str]]:
    """Every pair of ``pipelines`` in the order given (a report gives the suite file's order):
    the comparisons, fixed before looking at any result."""
    names = list(dict.fromkeys(pipelines))
    return [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]


def compare(scores: pd.DataFrame, pairs: list[tuple[str, str]]) -> list[Comparison]:
    """Wilcoxon signed-rank test (two-sided, zero differences split between the signs as in
    Pratt's method) for each pair of pipelines over the folds of ``scores``, Holm-corrected
    across all the pairs. Refuses fewer than `MIN_FOLDS` folds (`TooFewFoldsError`)."""
    if not enough_folds(scores):
        raise TooFewFoldsError(f"{len(scores)} paired folds: a Wilcoxon signed-rank test needs at least {MIN_FOLDS} "
                               "here (with 5, two-sided, p >= 0.0625 whatever the results); use the subject "
                               "bootstrap instead.")
    raw = []
    for first, second in pairs:
        difference = scores[first].to_numpy() - scores[second].to_numpy()
        if np.allclose(difference, 0.0):
            statistic, p_value = float("nan"), 1.0
        else:
            result = wilcoxon(scores[first], scores[second], zero_method="pratt", alternative="two-sided")
            statistic, p_value = float(result.statistic), float(result.pvalue)
        raw.append((first, second, difference, statistic, p_value))
    adjusted = holm([item[4] for item in raw])
    return [Comparison(first=first, second=second, n_folds=len(difference),
                       mean_difference=float(difference.mean()), wins=int((difference > 0).sum()),
                       losses=int((difference < 0).sum()), statistic=statistic, p_value=p_value, p_holm=p_holm)
            for (first, second, difference, statistic, p_value), p_holm in zip(raw, adjusted, strict=True)]


def average_ranks(scores: pd.DataFrame) -> pd.Series:
    """Each pipeline's rank averaged over folds (1 = most accurate in a fold, ties share the
    mean rank; Demšar 2006), best first."""
    ranks = rankdata(-scores.to_numpy(), axis=1, method="average")
    return pd.Series(ranks.mean(axis=0), index=scores.columns).sort_values(kind="stable")


def cliques(order: Sequence[str], comparisons: Sequence[Comparison]) -> list[tuple[int, int]]:
    """Groups of pipelines with no significant difference between any two of them, as
    (first, last) positions in ``order`` (pipelines by average rank): the maximal runs of
    neighbours in that order joined by no significant comparison, read from
    ``comparisons`` (the same tests as the page's table). A pair not compared raises."""
    significant = {frozenset((c.first, c.second)): c.significant for c in comparisons}

    def differs(a: str, b: str) -> bool:
        key = frozenset((a, b))
        if key not in significant:
            raise HarbenchError(f"critical difference: no comparison of {a!r} and {b!r}; compare all pairs.")
        return significant[key]

    found, reach = [], 0
    for start in range(len(order)):
        end = start
        while end + 1 < len(order) and not any(differs(order[i], order[end + 1]) for i in range(start, end + 1)):
            end += 1
        if end > start and end > reach:
            found.append((start, end))
        reach = max(reach, end)
    return found
