"""QUANT: quantiles over fixed dyadic intervals and an extra-trees classifier on raw windows.

The transform is harbench's own numpy implementation of aeon 1.6's ``QUANTTransformer``
(which needs torch, too heavy a dependency for harbench): same intervals, same quantiles, same
feature order. ``tests/test_quant_hydra.py`` holds it to aeon's output, stored in
``tests/fixtures/aeon_quant_hydra.npz``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.fft
from sklearn.ensemble import ExtraTreesClassifier

from harbench.models.base import WindowClassifier, channels_first
from harbench.parallel import worker_count


def first_difference_smoothed(X: np.ndarray) -> np.ndarray:
    """First differences along the last axis, smoothed by a moving average of 5 whose ends
    repeat the edge values (torch's ``avg_pool1d`` of a replicate-padded ``diff``); the length
    is ``T - 1``."""
    D = np.diff(X, axis=-1)
    padded = np.concatenate([np.repeat(D[..., :1], 2, axis=-1), D, np.repeat(D[..., -1:], 2, axis=-1)], axis=-1)
    window_sum = padded[..., 0:-4] + padded[..., 1:-3] + padded[..., 2:-2] + padded[..., 3:-1] + padded[..., 4:]
    return window_sum / np.float32(5)


def fourier_magnitudes(X: np.ndarray) -> np.ndarray:
    """Magnitudes of the real FFT along the last axis (length ``T // 2 + 1``)."""
    return np.abs(scipy.fft.rfft(X, axis=-1)).astype(X.dtype, copy=False)


REPRESENTATIONS: tuple[Callable[[np.ndarray], np.ndarray], ...] = (
    lambda X: X,
    first_difference_smoothed,
    lambda X: np.diff(X, n=2, axis=-1),
    fourier_magnitudes,
)


def quant_intervals(length: int, depth: int) -> np.ndarray:
    """The ``(start, stop)`` pairs QUANT reads from a series of ``length`` steps.

    Level ``i`` (``i < min(depth, floor(log2(length)) + 1)``) splits the series into ``2**i``
    intervals with bounds ``floor(j * length / 2**i)``; from level 1 on, while the median
    (lower median, as torch's) interval is longer than one step, the same intervals shifted by
    ``ceil(length / 2**i / 2)`` are added, all but the last.
    """
    n_levels = min(depth, int(np.log2(length)) + 1)
    intervals = []
    for level in range(n_levels):
        n = 2**level
        bounds = (np.arange(n + 1) * length) // n
        level_intervals = np.stack((bounds[:-1], bounds[1:]), axis=1)
        intervals.append(level_intervals)
        widths = np.sort(np.diff(level_intervals, axis=1).ravel())
        if n > 1 and widths[(len(widths) - 1) // 2] > 1:
            intervals.append(level_intervals[:-1] + int(np.ceil(length / n / 2)))
    return np.concatenate(intervals)


def _quantile_levels(n: int) -> np.ndarray:
    """``n`` evenly spaced levels in [0, 1] in float32, computed as torch's ``linspace``."""
    if n == 1:
        return np.zeros(1, dtype=np.float32)
    step = np.float32(1) / np.float32(n - 1)
    i = np.arange(n)
    front = i.astype(np.float32) * step
    back = np.float32(1) - (n - 1 - i).astype(np.float32) * step
    return np.where(i < n // 2, front, back).astype(np.float32)


def _sorted_quantiles(S: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Linear-interpolation quantiles of series ``S`` sorted along the last axis."""
    ranks = levels * np.float32(S.shape[-1] - 1)
    below = ranks.astype(np.int64)
    above = np.ceil(ranks).astype(np.int64)
    weights = (ranks - below).astype(S.dtype)
    low, high = S[..., below], S[..., above]
    return np.where(weights < 0.5, low + weights * (high - low), high - (high - low) * (1 - weights))


def interval_features(Z: np.ndarray, quantile_divisor: int) -> np.ndarray:
    """QUANT's features of one interval ``Z`` (..., m): ``1 + (m - 1) // quantile_divisor``
    quantiles, every second one (from the second) minus the interval's mean; a single quantile
    is the median, a single value itself."""
    m = Z.shape[-1]
    if m == 1:
        return Z
    n_quantiles = 1 + (m - 1) // quantile_divisor
    levels = np.array([0.5], dtype=np.float32) if n_quantiles == 1 else _quantile_levels(n_quantiles)
    quantiles = _sorted_quantiles(np.sort(Z, axis=-1), levels)
    if n_quantiles > 1:
        quantiles[..., 1::2] -= Z.mean(axis=-1, keepdims=True)
    return quantiles


def quant_transform(X: np.ndarray, interval_depth: int = 6, quantile_divisor: int = 4) -> np.ndarray:
    """QUANT features of series ``X`` (n, C, T), as aeon's ``QUANTTransformer`` gives them.

    For each representation (the series, its smoothed first differences, its second
    differences, its Fourier magnitudes), the quantile features of every interval of
    `quant_intervals`; a window's features are channel by channel, and within a channel
    representation by representation, interval by interval. Computed in float32, as aeon does;
    each interval is one vectorised operation over all windows and channels.

    Returns
    -------
    np.ndarray
        float32 array of shape (n, C * n_features_per_channel).
    """
    if interval_depth < 1:
        raise ValueError(f"interval_depth must be >= 1; got {interval_depth}.")
    if quantile_divisor < 1:
        raise ValueError(f"quantile_divisor must be >= 1; got {quantile_divisor}.")
    X = np.asarray(X, dtype=np.float32)
    features = []
    for represent in REPRESENTATIONS:
        Z = represent(X)
        for start, stop in quant_intervals(Z.shape[-1], interval_depth):
            features.append(interval_features(Z[..., start:stop], quantile_divisor))
    return np.concatenate(features, axis=-1).reshape(len(X), -1)


class QUANTClassifier(WindowClassifier):
    """QUANT, Dempster, Schmidt & Webb (2024), "QUANT: a minimalist interval method for time
    series classification", Data Mining and Knowledge Discovery 38:2377-2402.

    Quantiles of fixed dyadic intervals (depth ``interval_depth``, each level's intervals also
    shifted by half their length; ``1 + (length - 1) // quantile_divisor`` quantiles per
    interval) of each channel, its first and second differences and its Fourier magnitudes
    (`quant_transform`, harbench's numpy version of aeon's ``QUANTTransformer``, equal to it on
    the fixtures of ``tests/test_quant_hydra.py``); then extremely randomised trees
    (``n_estimators`` trees, ``max_features`` of the features per split, entropy criterion),
    the paper's classifier and aeon's ``QUANTClassifier`` default. All settings are the
    paper's defaults, untuned: nothing was chosen on any test data. Nothing stops early, so
    the runner trains on the training and validation subjects together. Windows are fed raw,
    channel-first; the transform has nothing to fit.
    """

    family = "interval"
    uses_validation = False

    def __init__(self, seed: int = 0, interval_depth: int = 6, quantile_divisor: int = 4, n_estimators: int = 200,
                 max_features: float = 0.1, n_jobs: int = -1) -> None:
        self.seed = seed
        self.interval_depth = interval_depth
        self.quantile_divisor = quantile_divisor
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.n_jobs = n_jobs

    def _features(self, X: np.ndarray) -> np.ndarray:
        return quant_transform(channels_first(X), self.interval_depth, self.quantile_divisor)

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        features = self._features(X)
        self.trees_ = ExtraTreesClassifier(n_estimators=self.n_estimators, max_features=self.max_features,
                                           criterion="entropy", n_jobs=worker_count(self.n_jobs),
                                           random_state=self.seed).fit(features, y)
        self.n_features_ = int(features.shape[1])

    def set_prediction_jobs(self, n_jobs: int) -> QUANTClassifier:
        self.trees_.set_params(n_jobs=n_jobs)
        return self

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.trees_.predict(self._features(X))

    def _predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.trees_.predict_proba(self._features(X))
