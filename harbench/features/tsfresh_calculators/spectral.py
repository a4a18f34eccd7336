"""Vectorised tsfresh calculators of a series' spectrum: FFT coefficients and aggregates, the
Welch power spectral density and its entropy, and continuous wavelet transform coefficients.

Each is tsfresh 0.21's calculator of the same name, computed for many series at once (one row
per series) and tested for parity with tsfresh to a relative tolerance of 1e-6; ``CALCULATORS``
maps tsfresh's names to them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.signal import welch

from harbench.features.tsfresh_calculators.base import binned_entropy, check_series, feature_name


def fft_coefficient(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``fft_coefficient``: the ``attr`` (real, imag, abs, angle in degrees) of the
    ``coeff``-th coefficient of the real FFT; NaN past the last coefficient."""
    x = check_series(x)
    spectrum = np.fft.rfft(x, axis=1)
    parts = {"real": np.real, "imag": np.imag, "abs": np.abs, "angle": lambda z: np.angle(z, deg=True)}
    results = {}
    for parameter in parameters:
        coeff = parameter["coeff"]
        results[feature_name("fft_coefficient", parameter)] = (
            parts[parameter["attr"]](spectrum[:, coeff]) if coeff < spectrum.shape[1] else np.full(len(x), np.nan))
    return results


def spkt_welch_density(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``spkt_welch_density``: coefficient ``coeff`` of scipy's Welch power spectral
    density (segments of up to 256 samples); NaN past its last coefficient."""
    x = check_series(x)
    _, density = welch(x, nperseg=min(x.shape[1], 256), axis=1)
    return {feature_name("spkt_welch_density", parameter):
            density[:, parameter["coeff"]] if parameter["coeff"] < density.shape[1] else np.full(len(x), np.nan)
            for parameter in parameters}


def fft_aggregated(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``fft_aggregated``: centroid, variance, skew or kurtosis (``aggtype``) of the
    absolute real FFT spectrum taken as a distribution over its indices; skew and kurtosis are NaN
    where the variance is below 0.5, and the kurtosis keeps tsfresh's formula."""
    x = check_series(x)
    spectrum = np.abs(np.fft.rfft(x, axis=1))
    index = np.arange(spectrum.shape[1], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        m1, m2, m3, m4 = (spectrum @ index**power / spectrum.sum(axis=1) for power in (1, 2, 3, 4))
        spread = m2 - m1**2
        narrow = spread < 0.5
        aggregates = {"centroid": m1, "variance": spread,
                      "skew": np.where(narrow, np.nan, (m3 - 3 * m1 * spread - m1**3) / spread**1.5),
                      "kurtosis": np.where(narrow, np.nan, (m4 - 4 * m1 * m3 + 6 * m2 * m1**2 - 3 * m1) / spread**2)}
    return {feature_name("fft_aggregated", parameter): aggregates[parameter["aggtype"]] for parameter in parameters}


def fourier_entropy(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``fourier_entropy``: binned entropy (``bins``) of the Welch power spectral density
    scaled by its maximum (segments of up to 256 samples); NaN where the spectrum is all zero."""
    x = check_series(x)
    _, density = welch(x, nperseg=min(x.shape[1], 256), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = density / density.max(axis=1, keepdims=True)
    return {feature_name("fourier_entropy", parameter): binned_entropy(scaled, parameter["bins"])
            for parameter in parameters}


def cwt_coefficients(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``cwt_coefficients``: coefficient ``coeff`` of PyWavelets' continuous wavelet
    transform with the Mexican hat at scale ``w`` of ``widths``; NaN past the series' end."""
    import pywt

    x = check_series(x)
    transforms = {}
    results = {}
    for parameter in parameters:
        widths, coeff = tuple(parameter["widths"]), parameter["coeff"]
        if widths not in transforms:
            transforms[widths] = pywt.cwt(x, scales=widths, wavelet="mexh", axis=1)[0]
        values = (transforms[widths][widths.index(parameter["w"]), :, coeff] if coeff < x.shape[1]
                  else np.full(len(x), np.nan))
        results[feature_name("cwt_coefficients", parameter)] = values
    return results


CALCULATORS = {"fft_coefficient": fft_coefficient, "fft_aggregated": fft_aggregated,
               "spkt_welch_density": spkt_welch_density, "fourier_entropy": fourier_entropy,
               "cwt_coefficients": cwt_coefficients}
