"""Vectorised statistics of many signals at once.

Every function takes ``x`` of shape (m, T), one signal per row (windows x signals
flattened), and returns one value per row (`run_lengths`: one per run of equal values),
without a Python loop over rows. Statistics that are undefined for a constant row
(skewness, kurtosis, correlation, entropy of a spectrum of zeros, AR coefficients) are 0
there, never NaN.
"""

from __future__ import annotations

import numpy as np

EPSILON = 1e-12


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is (numerically) 0."""
    out = np.zeros(np.broadcast_shapes(numerator.shape, denominator.shape), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=np.abs(denominator) > EPSILON)
    return out


def quantile_of_sorted(ordered: np.ndarray, q: float) -> np.ndarray:
    """Linear-interpolation quantile (numpy's default method) of rows sorted ascending."""
    position = q * (ordered.shape[-1] - 1)
    low = int(np.floor(position))
    high = min(low + 1, ordered.shape[-1] - 1)
    weight = position - low
    return ordered[..., low] * (1 - weight) + ordered[..., high] * weight


def order_statistics(x: np.ndarray) -> dict[str, np.ndarray]:
    """min, max, interquartile range and median absolute deviation (about the median)."""
    ordered = np.sort(x, axis=-1)
    median = quantile_of_sorted(ordered, 0.5)
    deviations = np.abs(x - median[:, None])
    deviations.sort(axis=-1)
    return {"min": ordered[:, 0], "max": ordered[:, -1],
            "iqr": quantile_of_sorted(ordered, 0.75) - quantile_of_sorted(ordered, 0.25),
            "mad": quantile_of_sorted(deviations, 0.5), "median": median}


def central_moments(x: np.ndarray) -> dict[str, np.ndarray]:
    """mean, population standard deviation, skewness and excess kurtosis."""
    mean = x.mean(axis=-1)
    centred = x - mean[:, None]
    squared = centred * centred
    variance = squared.mean(axis=-1)
    third = (squared * centred).mean(axis=-1)
    fourth = (squared * squared).mean(axis=-1)
    return {"mean": mean, "std": np.sqrt(variance), "skewness": safe_divide(third, variance**1.5),
            "kurtosis": np.where(variance > EPSILON, safe_divide(fourth, variance * variance) - 3.0, 0.0)}


def entropy_of_bins(index: np.ndarray, bins: int) -> np.ndarray:
    """Shannon entropy (nats) of each row's distribution over ``bins`` bins, from the bin index
    (0 .. bins - 1) of each of its values."""
    rows = index.shape[0]
    flat = index + (np.arange(rows) * bins)[:, None]
    share = np.bincount(flat.ravel(), minlength=rows * bins).reshape(rows, bins) / index.shape[-1]
    return -(share * np.log(np.where(share > 0, share, 1.0))).sum(axis=-1)


def histogram_entropy(x: np.ndarray, bins: int = 10) -> np.ndarray:
    """Shannon entropy (nats) of each row's values in ``bins`` equal-width bins between its
    minimum and maximum; 0 for a constant row. tsfresh's ``binned_entropy``
    (`harbench.features.tsfresh_calculators.base.binned_entropy`) bins as ``numpy.histogram``
    does instead, for parity with tsfresh; both count through `entropy_of_bins`."""
    low, high = x.min(axis=-1, keepdims=True), x.max(axis=-1, keepdims=True)
    index = np.floor(safe_divide(x - low, high - low) * bins).astype(np.int64)
    np.clip(index, 0, bins - 1, out=index)
    return entropy_of_bins(index, bins)


def run_lengths(ordered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs of equal values in each row of the row-sorted ``ordered`` (m, T): the row of each
    run and its length, runs in row order."""
    length = ordered.shape[1]
    flat = ordered.ravel()
    starts = np.flatnonzero(np.concatenate([[True], flat[1:] != flat[:-1]]) | (np.arange(flat.size) % length == 0))
    return starts // length, np.diff(np.append(starts, flat.size))


def burg_ar(x: np.ndarray, order: int = 4) -> np.ndarray:
    """Autoregressive coefficients a_1..a_order by Burg's method, (m, order).

    The convention of MATLAB's ``arburg`` (used for the UCI HAR features): the model is
    x[t] + a_1 x[t-1] + ... + a_p x[t-p] = e[t]. Each row is mean-removed first. Burg (1975),
    Maximum entropy spectral analysis, PhD thesis, Stanford; Anguita et al. (2013) use
    order 4. Rows shorter than ``order + 1`` samples, and constant rows, give zeros.
    """
    rows, length = x.shape
    coefficients = np.zeros((rows, order + 1))
    coefficients[:, 0] = 1.0
    forward = x - x.mean(axis=-1, keepdims=True)
    backward = forward.copy()
    for step in range(1, min(order, length - 1) + 1):
        f, b = forward[:, 1:], backward[:, :-1]
        numerator = -2.0 * np.einsum("ij,ij->i", f, b)
        reflection = safe_divide(numerator, np.einsum("ij,ij->i", f, f) + np.einsum("ij,ij->i", b, b))
        previous = coefficients[:, : step + 1].copy()
        coefficients[:, : step + 1] = previous + reflection[:, None] * previous[:, ::-1]
        scaled_backward = reflection[:, None] * b
        b += reflection[:, None] * f  # in place: f and b are views of separate arrays
        f += scaled_backward
        forward, backward = f, b
    return coefficients[:, 1:]


def correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of matching rows of ``a`` and ``b``; 0 where one is constant."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    products = np.einsum("ij,ij->i", a, b)
    return safe_divide(products, np.sqrt(np.einsum("ij,ij->i", a, a) * np.einsum("ij,ij->i", b, b)))


def time_statistics(x: np.ndarray, ar_order: int, entropy_bins: int) -> dict[str, np.ndarray]:
    """The UCI HAR time-domain set per signal: mean, std, mad, max, min, energy, iqr,
    entropy, arCoeff1..p (Anguita et al. 2013, ``features_info.txt``)."""
    moments = central_moments(x)
    order = order_statistics(x)
    features = {"mean": moments["mean"], "std": moments["std"], "mad": order["mad"], "max": order["max"],
                "min": order["min"], "energy": (x * x).mean(axis=-1), "iqr": order["iqr"],
                "entropy": histogram_entropy(x, entropy_bins)}
    for index, values in enumerate(burg_ar(x, ar_order).T, start=1):
        features[f"ar{index}"] = values
    return features


def spectral_statistics(x: np.ndarray, fs: float, n_bands: int, entropy_bins: int) -> dict[str, np.ndarray]:
    """The UCI HAR frequency-domain set on the magnitude spectrum |FFT(x)|: the statistics of
    `time_statistics` without AR terms, then max_freq (Hz of the largest component),
    mean_freq (magnitude-weighted mean frequency), skewness and kurtosis of the spectrum,
    and the energy of ``n_bands`` equal-width bands of spectrum bins."""
    magnitude = np.abs(np.fft.rfft(x, axis=-1))
    frequencies = np.fft.rfftfreq(x.shape[-1], d=1.0 / fs)
    moments = central_moments(magnitude)
    order = order_statistics(magnitude)
    power = magnitude * magnitude
    features = {"fft_mean": moments["mean"], "fft_std": moments["std"], "fft_mad": order["mad"],
                "fft_max": order["max"], "fft_min": order["min"], "fft_energy": power.mean(axis=-1),
                "fft_iqr": order["iqr"], "fft_entropy": histogram_entropy(magnitude, entropy_bins),
                "fft_max_freq": frequencies[np.argmax(magnitude, axis=-1)],
                "fft_mean_freq": safe_divide(magnitude @ frequencies, magnitude.sum(axis=-1)),
                "fft_skewness": moments["skewness"], "fft_kurtosis": moments["kurtosis"]}
    edges = np.linspace(0, magnitude.shape[-1], n_bands + 1).round().astype(int)
    for band in range(n_bands):
        features[f"fft_band_energy_{band}"] = power[:, edges[band]:edges[band + 1]].sum(axis=-1) / x.shape[-1]
    return features
