"""Paired comparisons of pipelines across folds: Wilcoxon signed-rank tests, Holm-corrected.

Demšar (2006), "Statistical Comparisons of Classifiers over Multiple Data Sets", JMLR
7:1-30: compare two classifiers by the Wilcoxon signed-rank test over paired results and
correct for the number of comparisons; Holm (1979), "A Simple Sequentially Rejective
Multiple Test Procedure", Scandinavian Journal of Statistics 6:65-70. Here the pairs are
the folds of one protocol (one held-out subject each under leave-one-subject-out), each
fold's accuracy averaged over seeds first so that seeds do not count as independent data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import wilcoxon

ALPHA = 0.05


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


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order."""
    m = len(p_values)
    order = np.argsort(p_values, kind="stable")
    adjusted = np.empty(m)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, (m - rank) * p_values[index])
        adjusted[index] = min(1.0, running)
    return adjusted.tolist()


def compare(scores: pd.DataFrame, pairs: list[tuple[str, str]]) -> list[Comparison]:
    """Wilcoxon signed-rank test (two-sided, zero differences split between the signs as in
    Pratt's method) for each pair of pipelines over the folds of ``scores``, Holm-corrected
    across all the pairs."""
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


def family_best_pairs(summary: pd.DataFrame) -> list[tuple[str, str]]:
    """The pairs to test: the most accurate pipeline of each family against that of every other
    family (best classical vs best deep first)."""
    best = summary.sort_values("accuracy_mean", ascending=False).groupby("family", sort=False)["pipeline"].first()
    order = [family for family in ("classical", "deep", "kernel") if family in best] + \
        sorted(set(best.index) - {"classical", "deep", "kernel"})
    return [(best[a], best[b]) for i, a in enumerate(order) for b in order[i + 1:]]
