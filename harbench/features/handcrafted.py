"""A first hand-crafted feature set, computed for all windows at once.

Time- and frequency-domain statistics in the tradition of the UCI HAR features (Anguita et al.
2013, ESANN; the full 561-feature set is described in the dataset's ``features_info.txt``):
per channel and per Euclidean magnitude of each 3-axis sensor, mean, standard deviation, min,
max, median, interquartile range, median absolute deviation, energy, skewness, kurtosis,
zero-crossing rate of the mean-removed signal, dominant frequency, normalised spectral
entropy and the energy in fixed frequency bands; per pair of axes of a sensor, the Pearson
correlation. Everything is vectorised over windows and signals: there is no Python loop
per window. Statistics that are undefined for a constant window (skewness, kurtosis,
correlation, spectral entropy) are 0 there, never NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from harbench.errors import InputValidationError

DEFAULT_BAND_EDGES_HZ = (0.0, 1.0, 3.0, 6.0, 12.0, 25.0)
_AXES = ("x", "y", "z")


def sensor_triads(channels: Sequence[str]) -> list[tuple[str, tuple[int, int, int]]]:
    """(sensor, indices) of every complete ``<sensor>_x/_y/_z`` channel triple, in channel order."""
    position = {name: index for index, name in enumerate(channels)}
    triads = []
    for name in channels:
        if name.endswith("_x"):
            sensor = name[:-2]
            axes = [position.get(f"{sensor}_{axis}") for axis in _AXES]
            if None not in axes:
                triads.append((sensor, tuple(axes)))
    return triads


def _quantile_of_sorted(ordered: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolation quantile (numpy's default) of arrays sorted along the last axis."""
    position = q * (ordered.shape[-1] - 1)
    low = int(np.floor(position))
    high = min(low + 1, ordered.shape[-1] - 1)
    weight = position - low
    return ordered[..., low] * (1 - weight) + ordered[..., high] * weight


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0 (a constant window)."""
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 1e-12)
    return out


def signal_statistics(signals: np.ndarray, fs: float, band_edges_hz: Sequence[float]) -> dict[str, np.ndarray]:
    """Per-signal features of ``signals`` (n, S, T); each value is an (n, S) array."""
    centred = signals - signals.mean(axis=-1, keepdims=True)
    variance = (centred**2).mean(axis=-1)
    std = np.sqrt(variance)
    ordered = np.sort(signals, axis=-1)
    median = _quantile_of_sorted(ordered, 0.5)
    deviations = np.sort(np.abs(signals - median[..., None]), axis=-1)
    power = np.abs(np.fft.rfft(centred, axis=-1)) ** 2
    frequencies = np.fft.rfftfreq(signals.shape[-1], d=1.0 / fs)
    total_power = power.sum(axis=-1)
    share = _safe_divide(power, total_power[..., None])
    entropy_terms = np.where(share > 0, share * np.log(np.where(share > 0, share, 1.0)), 0.0)
    features = {
        "mean": signals.mean(axis=-1),
        "std": std,
        "min": ordered[..., 0],
        "max": ordered[..., -1],
        "median": median,
        "iqr": _quantile_of_sorted(ordered, 0.75) - _quantile_of_sorted(ordered, 0.25),
        "mad": _quantile_of_sorted(deviations, 0.5),
        "energy": (signals**2).mean(axis=-1),
        "skewness": _safe_divide((centred**3).mean(axis=-1), std**3),
        "kurtosis": np.where(variance > 1e-12, _safe_divide((centred**4).mean(axis=-1), variance**2) - 3.0, 0.0),
        "zero_crossing_rate": (np.diff(np.signbit(centred), axis=-1)).mean(axis=-1),
        "dominant_frequency": frequencies[np.argmax(power, axis=-1)],
        "spectral_entropy": -entropy_terms.sum(axis=-1) / np.log(max(power.shape[-1], 2)),
    }
    for band, (low, high) in enumerate(pairwise(band_edges_hz)):
        in_band = (frequencies >= low) & (frequencies < high if band < len(band_edges_hz) - 2 else frequencies <= high)
        features[f"band_energy_{band}"] = power[..., in_band].sum(axis=-1) / signals.shape[-1]
    return features


def _correlations(signals: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Pearson correlation of each (a, b) signal pair, (n, len(pairs)); 0 for a constant signal."""
    centred = signals - signals.mean(axis=-1, keepdims=True)
    norms = np.sqrt((centred**2).sum(axis=-1))
    first, second = (np.array(side) for side in zip(*pairs, strict=True))
    return _safe_divide((centred[:, first] * centred[:, second]).sum(axis=-1), norms[:, first] * norms[:, second])


class HandcraftedFeatures(TransformerMixin, BaseEstimator):
    """Hand-crafted window features (see the module docstring for the list and sources).

    ``fs`` is the sampling rate in Hz and ``channels`` the channel names of the windows it
    will see; ``band_edges_hz`` are the edges of the band-energy features, clipped to the
    Nyquist frequency. The transform is stateless; `fit` only checks the channel count.
    """

    def __init__(self, fs: float, channels: Sequence[str],
                 band_edges_hz: Sequence[float] = DEFAULT_BAND_EDGES_HZ) -> None:
        self.fs = fs
        self.channels = channels
        self.band_edges_hz = band_edges_hz

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> HandcraftedFeatures:
        self._check(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Features of windows ``X`` (n, T, C) as an (n, n_features) float64 matrix."""
        self._check(X)
        signals, _ = self._signals(np.asarray(X, dtype=np.float64))
        statistics = signal_statistics(signals, self.fs, self._band_edges())
        columns = [values for values in statistics.values()]
        triads = sensor_triads(self.channels)
        pairs = [(axes[i], axes[j]) for _, axes in triads for i, j in ((0, 1), (0, 2), (1, 2))]
        blocks = [np.stack(columns, axis=-1).reshape(len(X), -1)]
        if pairs:
            blocks.append(_correlations(signals, pairs))
        return np.hstack(blocks)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Stable, readable names such as ``acc_mag__std`` or ``acc__corr_x_y``."""
        _, signal_names = self._signals(np.zeros((1, 4, len(self.channels))))
        statistics = signal_statistics(np.zeros((1, 1, 4)), self.fs, self._band_edges())
        names = [f"{signal}__{statistic}" for signal in signal_names for statistic in statistics]
        names += [f"{sensor}__corr_{_AXES[i]}_{_AXES[j]}"
                  for sensor, _ in sensor_triads(self.channels) for i, j in ((0, 1), (0, 2), (1, 2))]
        return np.array(names, dtype=object)

    def _band_edges(self) -> list[float]:
        nyquist = self.fs / 2
        return sorted({min(edge, nyquist) for edge in self.band_edges_hz})

    def _signals(self, X: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Channels plus the Euclidean magnitude of each 3-axis sensor, as (n, S, T)."""
        by_channel = np.transpose(X, (0, 2, 1))
        triads = sensor_triads(self.channels)
        magnitudes = [np.sqrt((by_channel[:, list(axes)] ** 2).sum(axis=1)) for _, axes in triads]
        signals = np.concatenate([by_channel, np.stack(magnitudes, axis=1)], axis=1) if magnitudes else by_channel
        return signals, [*self.channels, *(f"{sensor}_mag" for sensor, _ in triads)]

    def _check(self, X: np.ndarray) -> None:
        if np.ndim(X) != 3 or np.shape(X)[2] != len(self.channels) or np.shape(X)[1] < 2:
            raise InputValidationError(
                f"HandcraftedFeatures expects windows (n, T >= 2, {len(self.channels)}) for channels "
                f"{tuple(self.channels)}; got shape {np.shape(X)}."
            )
