"""Percentile bootstrap over test subjects: confidence intervals that treat subjects, not
windows, as the independent units.

Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, Chapman & Hall, ch. 13
(percentile intervals). Windows of one subject are strongly correlated, so the resampled
units are the test subjects: each resample draws as many subjects as there are, with
replacement, and every window of a drawn subject comes along (once per draw). A pipeline
run with several seeds is scored on each seed's windows of the resample and the scores are
averaged over seeds, so the interval reflects which subjects were tested, not the seeds.
Under a protocol with several folds, the subjects of all folds' test sides are pooled (each
subject is tested in exactly one fold).

The same resamples are used for every pipeline of a block, so the interval of a difference
between two pipelines is paired. Metrics are computed from per-subject confusion matrices
summed with each resample's draw counts, one matrix product for all resamples, instead of
re-scoring the windows thousands of times.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from harbench.errors import HarbenchError
from harbench.reporting.metrics import accuracy_from_confusion, macro_f1_from_confusion
from harbench.runner.predictions import Predictions

N_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
LEVEL = 0.95
FEW_UNITS = 10  # below this many subjects, say that percentile intervals undercover
METRICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "accuracy": accuracy_from_confusion, "macro_f1": macro_f1_from_confusion,
}


@dataclass(frozen=True)
class Interval:
    """A point estimate and its percentile bootstrap interval."""

    estimate: float
    low: float
    high: float

    def describe(self, digits: int = 4, signed: bool = False) -> str:
        sign = "+" if signed else ""
        return f"{self.estimate:{sign}.{digits}f} [{self.low:{sign}.{digits}f}, {self.high:{sign}.{digits}f}]"


def percentile_interval(estimate: float, samples: np.ndarray, level: float = LEVEL) -> Interval:
    """``estimate`` with the (1 - level) / 2 and (1 + level) / 2 percentiles of ``samples``."""
    low, high = np.percentile(samples, [50 * (1 - level), 50 * (1 + level)])
    return Interval(float(estimate), float(low), float(high))


def subject_confusions(runs: Sequence[Predictions], subjects: np.ndarray, n_classes: int) -> np.ndarray:
    """(n_subjects, n_runs * K * K) counts: row s holds, for each run (a seed, its folds'
    predictions concatenated), the confusion matrix of subject ``subjects[s]``'s windows."""
    counts = np.zeros((len(runs), len(subjects), n_classes, n_classes))
    for index, predictions in enumerate(runs):
        where = np.searchsorted(subjects, predictions.subjects)
        if np.any(where >= len(subjects)) or np.any(subjects[np.minimum(where, len(subjects) - 1)]
                                                    != predictions.subjects):
            raise HarbenchError("bootstrap: a run tests subjects outside the block's test subjects; every "
                                "pipeline of a block must be tested on the same subjects.")
        np.add.at(counts[index], (where, predictions.y_true, predictions.y_pred), 1)
    return counts.transpose(1, 0, 2, 3).reshape(len(subjects), -1)


class SubjectBootstrap:
    """``n_resamples`` resamples of ``subjects`` drawn with a fixed seed, shared by every
    pipeline scored with this object (paired intervals)."""

    def __init__(self, subjects: Sequence, n_resamples: int = N_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> None:
        self.subjects = np.unique(np.asarray(subjects))
        self.n_resamples, self.seed = n_resamples, seed
        rng = np.random.default_rng(seed)
        n = len(self.subjects)
        # draw counts: how often each subject is drawn in each resample of n draws with replacement
        self.weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_resamples).astype(np.float64)

    def scores(self, runs: Sequence[Predictions], n_classes: int, metric: str) -> tuple[float, np.ndarray]:
        """The metric of ``runs`` (one Predictions per seed) averaged over seeds, on the
        original test subjects and on each resample."""
        if not runs:
            raise HarbenchError("bootstrap: no predictions to score.")
        counts = subject_confusions(runs, self.subjects, n_classes)
        shape = (len(runs), n_classes, n_classes)
        original = counts.sum(axis=0).reshape(shape)
        resampled = (self.weights @ counts).reshape((self.n_resamples, *shape))
        score = METRICS[metric]
        return float(score(original).mean()), score(resampled).mean(axis=1)

    def interval(self, runs: Sequence[Predictions], n_classes: int, metric: str) -> Interval:
        """95 % percentile interval of the metric of ``runs``."""
        return percentile_interval(*self.scores(runs, n_classes, metric))

    def difference(self, first: Sequence[Predictions], second: Sequence[Predictions], n_classes: int,
                   metric: str) -> Interval:
        """95 % percentile interval of the paired difference ``first - second`` (same resamples)."""
        estimate_first, samples_first = self.scores(first, n_classes, metric)
        estimate_second, samples_second = self.scores(second, n_classes, metric)
        return percentile_interval(estimate_first - estimate_second, samples_first - samples_second)

    def describe(self, unit: str = "subjects") -> str:
        """What the intervals are, for the page; ``unit`` names the resampled groups (``"cases"``
        for data without subject ids, where each case is its own group)."""
        few = (f"; with only {len(self.subjects)} {unit} the percentile interval is narrower than the true "
               "uncertainty" if len(self.subjects) < FEW_UNITS else "")
        return (f"{LEVEL:.0%} percentile bootstrap confidence interval over the {len(self.subjects)} test {unit} "
                f"({unit} resampled with replacement, all windows of a drawn one kept; {self.n_resamples:,} "
                f"resamples, seed {self.seed}; metric averaged over seeds within each resample; Efron & "
                f"Tibshirani 1993{few})")
