"""The uncertainty statements of one (dataset, protocol) block of a report.

- Every pipeline's accuracy and macro-F1 with a subject-bootstrap interval
  (`harbench.reporting.bootstrap`), under any protocol: its test subjects are those of the
  single split, or of all folds pooled.
- The paired difference between the most accurate classical and the most accurate deep
  pipeline, with its interval from the same resamples.
- Under several folds, Wilcoxon signed-rank tests with Holm correction over all pairs of
  pipelines (`harbench.reporting.significance`), only when there are at least
  `significance.MIN_FOLDS` folds; with fewer, ``comparisons`` is None and the page shows
  the bootstrap intervals instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from harbench.reporting.bootstrap import Interval, SubjectBootstrap
from harbench.reporting.significance import Comparison, all_pairs, compare, enough_folds, fold_scores
from harbench.runner.predictions import Predictions

INTERVAL_METRICS = ("accuracy", "macro_f1")


@dataclass(frozen=True)
class FamilyDifference:
    """Best classical minus best deep pipeline (by mean accuracy), per metric."""

    classical: str
    deep: str
    intervals: dict[str, Interval]


@dataclass(frozen=True)
class BlockUncertainty:
    n_folds: int
    bootstrap: SubjectBootstrap
    intervals: dict[str, dict[str, Interval]]  # pipeline -> metric -> interval
    difference: FamilyDifference | None
    fold_scores: pd.DataFrame  # folds x pipelines, accuracy averaged over seeds
    comparisons: list[Comparison] | None  # all pairs, Holm; None under fewer than MIN_FOLDS folds
    unit: str = "subjects"  # what the bootstrap resamples: "cases" for data without subject ids

    def describe(self) -> str:
        """What the intervals are, for the page."""
        return self.bootstrap.describe(self.unit)


def pooled_runs(runs: pd.DataFrame, predictions: dict[str, Predictions], pipeline: str) -> list[Predictions]:
    """One Predictions per seed of ``pipeline``: its folds' predictions concatenated."""
    pooled = []
    for _, part in runs[runs["pipeline"] == pipeline].groupby("seed", sort=True):
        cells = [predictions[key] for key in part.sort_values("fold")["key"]]
        pooled.append(Predictions(*(np.concatenate([getattr(cell, name) for cell in cells])
                                    for name in ("test_index", "subjects", "y_true", "y_pred"))))
    return pooled


def best_of_family(summary: pd.DataFrame, family: str) -> str | None:
    """The pipeline of ``family`` with the highest mean accuracy (first listed on a tie)."""
    candidates = summary[summary["family"] == family]
    if candidates.empty:
        return None
    return str(candidates.loc[candidates["accuracy_mean"].idxmax(), "pipeline"])


def block_uncertainty(summary: pd.DataFrame, runs: pd.DataFrame, predictions: dict[str, Predictions],
                      n_classes: int, pipeline_order: Sequence[str] | None = None, unit: str = "subjects",
                      **bootstrap_options) -> BlockUncertainty:
    """Intervals, the family difference and (with enough folds) the paired tests of one block:
    ``summary`` and ``runs`` its rows (runs with the metrics computed from predictions),
    ``predictions`` by cell key. The tests compare every pair of pipelines, each pair oriented
    as in ``pipeline_order`` (the suite file's order; default: by name), so that neither the
    pairs nor their signs depend on the results. ``unit`` names the groups in the page's text.
    ``bootstrap_options`` go to `SubjectBootstrap`."""
    pipelines = list(summary["pipeline"])
    by_pipeline = {pipeline: pooled_runs(runs, predictions, pipeline) for pipeline in pipelines}
    subjects = np.concatenate([run.subjects for seeds in by_pipeline.values() for run in seeds])
    bootstrap = SubjectBootstrap(subjects, **bootstrap_options)
    intervals = {pipeline: {metric: bootstrap.interval(by_pipeline[pipeline], n_classes, metric)
                            for metric in INTERVAL_METRICS} for pipeline in pipelines}
    classical, deep = best_of_family(summary, "classical"), best_of_family(summary, "deep")
    difference = None
    if classical and deep:
        difference = FamilyDifference(classical, deep, {
            metric: bootstrap.difference(by_pipeline[classical], by_pipeline[deep], n_classes, metric)
            for metric in INTERVAL_METRICS})
    scores = fold_scores(runs)
    order = [name for name in (pipeline_order or sorted(scores.columns)) if name in scores.columns]
    comparisons = (compare(scores, all_pairs(order))
                   if enough_folds(scores) and scores.shape[1] > 1 else None)
    return BlockUncertainty(n_folds=int(runs["fold"].nunique()), bootstrap=bootstrap, intervals=intervals,
                            difference=difference, fold_scores=scores, comparisons=comparisons, unit=unit)


def interval_columns(uncertainty: BlockUncertainty) -> pd.DataFrame:
    """The intervals as summary columns, one row per pipeline: ``<metric>_pooled`` (the metric
    on all test subjects' windows, averaged over seeds: under one split, the mean over
    seeds), ``<metric>_ci_low`` and ``<metric>_ci_high``."""
    rows = []
    for pipeline, metrics in uncertainty.intervals.items():
        row: dict[str, object] = {"pipeline": pipeline}
        for metric, interval in metrics.items():
            row.update({f"{metric}_pooled": interval.estimate, f"{metric}_ci_low": interval.low,
                        f"{metric}_ci_high": interval.high})
        rows.append(row)
    return pd.DataFrame(rows)
