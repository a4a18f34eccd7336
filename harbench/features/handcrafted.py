"""The hand-crafted feature set, after the UCI HAR 561 features, for any channel layout.

Anguita, Ghio, Oneto, Parra & Reyes-Ortiz (2013), A Public Domain Dataset for Human Activity
Recognition Using Smartphones, ESANN; the list is in the dataset's ``features_info.txt``.

Signals, per window:
- each 3-axis accelerometer (``<s>_x/_y/_z`` in g or m/s^2) is split into gravity (3rd-order
  Butterworth low-pass at 0.3 Hz, run forwards and backwards) and body acceleration;
- other 3-axis sensors (gyroscopes, ...) and single channels are used as they are;
- jerk signals are the time derivatives (central differences) of body and other signals;
- the Euclidean magnitude of every 3-axis signal.

Features: per time-domain signal mean, std, median absolute deviation, max, min, energy,
IQR, histogram entropy and Burg AR coefficients (order 4); per 3-axis signal the signal
magnitude area and the three axis correlations; per body / jerk / other signal, on its
magnitude spectrum, the same statistics plus max-frequency, mean frequency, skewness,
kurtosis and band energies; the angles between each mean vector and the mean gravity, and
between each axis and the mean gravity.

The filter runs per window (the WindowSet holds windows, not recordings), so gravity is
estimated from 2.56 s rather than from the whole recording as in the original release.
Everything is vectorised over windows; windows are processed in chunks only to bound
memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
from scipy.signal import butter, sosfiltfilt
from sklearn.base import BaseEstimator, TransformerMixin

from harbench.errors import InputValidationError
from harbench.features.statistics import correlation, safe_divide, spectral_statistics, time_statistics
from harbench.parallel import worker_count

ACCELERATION_UNITS = frozenset({"g", "m/s^2", "m/s²", "m/s2"})
AXES = ("x", "y", "z")


def sensor_triads(channels: Sequence[str]) -> list[tuple[str, tuple[int, int, int]]]:
    """(sensor, indices) of every complete ``<sensor>_x/_y/_z`` channel triple, in channel order."""
    position = {name: index for index, name in enumerate(channels)}
    triads = []
    for name in channels:
        if name.endswith("_x"):
            sensor = name[:-2]
            axes = [position.get(f"{sensor}_{axis}") for axis in AXES]
            if None not in axes:
                triads.append((sensor, tuple(axes)))
    return triads


@dataclass
class _Signals:
    """The derived signals of one chunk of windows, each (n, T), in a stable order."""

    time: dict[str, np.ndarray] = field(default_factory=dict)
    spectral: dict[str, np.ndarray] = field(default_factory=dict)
    triads: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n, 3) mean vectors
    gravity: dict[str, np.ndarray] = field(default_factory=dict)

    def add_triad(self, name: str, xyz: np.ndarray, spectral: bool) -> None:
        """Axes and magnitude of the (n, 3, T) signal ``xyz`` under ``name``."""
        magnitude = np.sqrt((xyz * xyz).sum(axis=1))
        for axis, values in zip(AXES, xyz.transpose(1, 0, 2), strict=True):
            self.time[f"{name}_{axis}"] = values
            if spectral:
                self.spectral[f"{name}_{axis}"] = values
        self.time[f"{name}_mag"] = magnitude
        if spectral:
            self.spectral[f"{name}_mag"] = magnitude
        self.triads[name] = tuple(xyz.transpose(1, 0, 2))
        self.vectors[name] = xyz.mean(axis=-1)


class HandcraftedFeatures(TransformerMixin, BaseEstimator):
    """UCI HAR-style features for windows of any channel layout (see the module docstring).

    ``fs`` (Hz), ``channels`` and ``units`` describe the windows; accelerometers are
    recognised by their unit (or a channel name starting with ``acc`` when no units are
    given). The transform is stateless; `fit` only checks the layout. Chunks of
    ``chunk_size`` windows are processed by ``n_jobs`` threads (-1: one per CPU).
    ``version`` is bumped whenever a feature's value or the feature list changes.
    """

    version: ClassVar[int] = 1

    def __init__(self, fs: float, channels: Sequence[str], units: Sequence[str] | None = None,
                 gravity_cutoff_hz: float = 0.3, ar_order: int = 4, n_bands: int = 8, entropy_bins: int = 10,
                 chunk_size: int = 512, n_jobs: int = -1) -> None:
        self.fs = fs
        self.channels = channels
        self.units = units
        self.gravity_cutoff_hz = gravity_cutoff_hz
        self.ar_order = ar_order
        self.n_bands = n_bands
        self.entropy_bins = entropy_bins
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> HandcraftedFeatures:
        self._check(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Features of windows ``X`` (n, T, C) as an (n, n_features) float64 matrix."""
        self._check(X)
        starts = range(0, len(X), self.chunk_size)
        workers = worker_count(self.n_jobs)
        # numpy releases the GIL in its kernels, so threads over chunks use every core
        with ThreadPoolExecutor(max_workers=min(workers, len(starts))) as pool:
            chunks = pool.map(lambda start: self._features(np.asarray(X[start:start + self.chunk_size],
                                                                        dtype=np.float64))[1], starts)
            return np.vstack(list(chunks))

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """Stable, readable names such as ``body_acc_x__std`` or ``gyro_mag__fft_band_energy_3``."""
        names, _ = self._features(np.zeros((1, 16, len(self.channels))))
        return np.array(names, dtype=object)

    def _is_accelerometer(self, index: int) -> bool:
        if self.units is not None:
            return self.units[index] in ACCELERATION_UNITS
        return self.channels[index].lower().startswith("acc")

    def _signals(self, X: np.ndarray) -> _Signals:
        data = X.transpose(0, 2, 1)  # (n, C, T)
        signals = _Signals()
        sos = butter(3, self.gravity_cutoff_hz, fs=self.fs, output="sos")
        padlen = min(3 * (2 * len(sos) + 1), data.shape[-1] - 1)
        in_triads = set()
        for sensor, axes in sensor_triads(self.channels):
            in_triads.update(axes)
            xyz = data[:, list(axes), :]
            if self._is_accelerometer(axes[0]):
                gravity = sosfiltfilt(sos, xyz, axis=-1, padlen=padlen)
                body = xyz - gravity
                signals.add_triad(f"body_{sensor}", body, spectral=True)
                signals.add_triad(f"gravity_{sensor}", gravity, spectral=False)
                signals.add_triad(f"body_{sensor}_jerk", np.gradient(body, axis=-1) * self.fs, spectral=True)
                signals.gravity[f"gravity_{sensor}"] = signals.vectors.pop(f"gravity_{sensor}")
            else:
                signals.add_triad(sensor, xyz, spectral=True)
                signals.add_triad(f"{sensor}_jerk", np.gradient(xyz, axis=-1) * self.fs, spectral=True)
        for index, name in enumerate(self.channels):
            if index not in in_triads:
                signals.time[name] = signals.spectral[name] = data[:, index]
                signals.time[f"{name}_jerk"] = np.gradient(data[:, index], axis=-1) * self.fs
        return signals

    def _features(self, X: np.ndarray) -> tuple[list[str], np.ndarray]:
        signals = self._signals(X)
        n = len(X)
        names, blocks = [], []
        for group, statistics in (
            (signals.time, lambda rows: time_statistics(rows, self.ar_order, self.entropy_bins)),
            (signals.spectral, lambda rows: spectral_statistics(rows, self.fs, self.n_bands, self.entropy_bins)),
        ):
            stacked = np.stack(list(group.values()), axis=1)  # (n, S, T)
            values = statistics(stacked.reshape(-1, stacked.shape[-1]))
            blocks.append(np.stack(list(values.values()), axis=-1).reshape(n, -1))
            names += [f"{signal}__{statistic}" for signal in group for statistic in values]
        for name, (x, y, z) in signals.triads.items():
            blocks.append(np.stack([(np.abs(x) + np.abs(y) + np.abs(z)).mean(axis=-1),
                                    correlation(x, y), correlation(x, z), correlation(y, z)], axis=1))
            names += [f"{name}__sma", f"{name}__corr_x_y", f"{name}__corr_x_z", f"{name}__corr_y_z"]
        for gravity_name, gravity in signals.gravity.items():
            gravity_norm = np.linalg.norm(gravity, axis=1)
            for name, vector in signals.vectors.items():
                cosine = safe_divide((vector * gravity).sum(axis=1), np.linalg.norm(vector, axis=1) * gravity_norm)
                blocks.append(np.arccos(np.clip(cosine, -1, 1))[:, None])
                names.append(f"angle__{name}__{gravity_name}")
            for axis, component in zip(AXES, gravity.T, strict=True):
                blocks.append(np.arccos(np.clip(safe_divide(component, gravity_norm), -1, 1))[:, None])
                names.append(f"angle__{axis}__{gravity_name}")
        return names, np.hstack(blocks)

    def _check(self, X: np.ndarray) -> None:
        if np.ndim(X) != 3 or np.shape(X)[2] != len(self.channels) or np.shape(X)[1] < 2:
            raise InputValidationError(
                f"HandcraftedFeatures expects windows (n, T >= 2, {len(self.channels)}) for channels "
                f"{tuple(self.channels)}; got shape {np.shape(X)}."
            )
        if self.units is not None and len(self.units) != len(self.channels):
            raise InputValidationError(f"HandcraftedFeatures: {len(self.units)} units for {len(self.channels)} "
                                       "channels.")
