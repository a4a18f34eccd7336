"""Vectorised re-implementations of tsfresh calculators, under tsfresh's own feature names.

tsfresh computes every feature one series at a time in Python; on 128-sample windows its
``efficient`` set spends about 47 % of its time in ``change_quantiles``, 14 % in
``number_peaks``, 8 % in ``agg_linear_trend`` and 8 % in the Friedrich / Langevin pair (see
``PLATFORM.md``); the FFT and wavelet coefficients and the Fourier and permutation
entropies are among the costliest of the rest. These functions compute the same values for many
series at once (one row per series) and are tested for parity with tsfresh 0.21 (Christ et
al. 2018, Neurocomputing 307:72-77) to a relative tolerance of 1e-6, including constant
series and series of 1-3 samples. Series containing NaN are refused with an error rather
than guessed at.

This module holds the calculators above; `fast_tsfresh_statistics` the value-distribution ones
(moments, quantiles, counts, duplicates, extremes' locations, binned entropy, Benford) and
`fast_tsfresh_dynamics` the dynamic ones (changes, crossings, c3, autocorrelation, partial
autocorrelation, AR coefficients, linear trend, energy by chunks, Welch density, FFT
aggregates); `fast_tsfresh_stationarity` the augmented Dickey-Fuller test and
`fast_tsfresh_patterns` the pattern ones (CWT peaks, Lempel-Ziv complexity, query similarity
count without a query). ``CALCULATORS`` registers them all: every calculator of
``EfficientFCParameters`` except ``linear_trend_timewise``, which needs a datetime index
(harbench's windows are indexed by sample, so `harbench.features.tsfresh_set` leaves it out).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.signal import welch

from harbench.errors import InputValidationError
from harbench.features import (
    fast_tsfresh_dynamics,
    fast_tsfresh_patterns,
    fast_tsfresh_stationarity,
    fast_tsfresh_statistics,
)
from harbench.features.fast_tsfresh_base import binned_entropy, check_series, feature_name, linregress_on_index
from harbench.features.statistics import run_lengths, safe_divide


def _row_quantiles(x: np.ndarray, quantiles) -> np.ndarray:
    """Linear-interpolation quantiles of each row, (rows, len(quantiles)), computed by pandas
    itself (one vectorised call), so that values lying exactly on a quantile fall on the same
    side as in tsfresh's ``pandas.qcut`` whatever pandas' internal formula."""
    return pd.DataFrame(x.T).quantile(list(quantiles), interpolation="linear").to_numpy().T


def change_quantiles(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``change_quantiles``: aggregate (``f_agg`` mean or var) of the (absolute, with
    ``isabs``) consecutive changes whose both ends lie in the corridor between the ``ql`` and
    ``qh`` quantiles of the series (both bounds included, as ``pandas.qcut`` with
    ``include_lowest``); 0 where ``ql >= qh`` or no change lies inside."""
    x = check_series(x)
    differences = np.diff(x, axis=1)
    absolute = np.abs(differences)
    corridors: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = {}
    results = {}
    for parameter in parameters:
        ql, qh, isabs, f_agg = parameter["ql"], parameter["qh"], parameter["isabs"], parameter["f_agg"]
        if f_agg not in ("mean", "var"):
            raise InputValidationError(f"change_quantiles: f_agg {f_agg!r} is not supported (mean, var).")
        name = feature_name("change_quantiles", parameter)
        if ql >= qh:
            results[name] = np.zeros(len(x))
            continue
        if (ql, qh) not in corridors:
            low, high = _row_quantiles(x, [ql, qh]).T
            inside = (x >= low[:, None]) & (x <= high[:, None])
            both = inside[:, 1:] & inside[:, :-1]
            corridors[(ql, qh)] = both, both.sum(axis=1)
        both, count = corridors[(ql, qh)]
        values = absolute if isabs else differences
        mean = safe_divide((values * both).sum(axis=1), count)
        if f_agg == "mean":
            results[name] = mean
        else:
            squares = ((values - mean[:, None]) ** 2 * both).sum(axis=1)
            results[name] = safe_divide(squares, count)
    return results


def _chunk_aggregates(x: np.ndarray, f_agg: str, chunk_len: int) -> np.ndarray:
    """``f_agg`` of consecutive chunks of ``chunk_len`` samples, the last one possibly shorter."""
    rows, length = x.shape
    whole = length // chunk_len
    function = {"max": np.max, "min": np.min, "mean": np.mean, "var": np.var}[f_agg]
    parts = [function(x[:, : whole * chunk_len].reshape(rows, whole, chunk_len), axis=2)] if whole else []
    if length % chunk_len:
        parts.append(function(x[:, whole * chunk_len:], axis=1)[:, None])
    return np.hstack(parts)


def agg_linear_trend(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``agg_linear_trend``: a linear least-squares regression (``attr``: rvalue,
    intercept, slope, stderr or pvalue) of the ``f_agg`` aggregates (max, min, mean, var) of
    chunks of ``chunk_len`` samples against their index; NaN where ``chunk_len`` is not
    shorter than the series, as in tsfresh."""
    x = check_series(x)
    regressions: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    results = {}
    for parameter in parameters:
        attr, chunk_len, f_agg = parameter["attr"], parameter["chunk_len"], parameter["f_agg"]
        name = feature_name("agg_linear_trend", parameter)
        if chunk_len >= x.shape[1]:
            results[name] = np.full(len(x), np.nan)
            continue
        if (f_agg, chunk_len) not in regressions:
            regressions[(f_agg, chunk_len)] = linregress_on_index(_chunk_aggregates(x, f_agg, chunk_len))
        results[name] = regressions[(f_agg, chunk_len)][attr]
    return results


def _qcut_edges(x: np.ndarray, r: int) -> np.ndarray:
    """The ``r + 1`` bin edges ``pandas.qcut(x, r)`` uses for each row, (rows, r + 1)."""
    quantiles = np.linspace(0, 1, r + 1)
    # pandas rounds quantiles that are not representable in base 2 up by one ulp
    np.putmask(quantiles, r * quantiles != np.arange(r + 1), np.nextafter(quantiles, 1))
    return _row_quantiles(x, quantiles)


def _friedrich(x: np.ndarray, m: int, r: int) -> np.ndarray:
    """tsfresh's ``_estimate_friedrich_coefficients`` for every row, (rows, m + 1), highest power
    first (Friedrich et al. 2000, Physics Letters A 271:217-222): bin the signal into ``r``
    quantile bins, average signal and next change per bin, fit a degree-``m`` polynomial by
    least squares (``numpy.polyfit``'s column scaling); NaN where qcut's edges repeat."""
    rows = len(x)
    signal, delta = x[:, :-1], np.diff(x, axis=1)
    coefficients = np.full((rows, m + 1), np.nan)
    if signal.shape[1] == 0:
        return coefficients
    edges = _qcut_edges(signal, r)
    valid = (np.diff(edges, axis=1) != 0).all(axis=1)  # qcut raises on repeated edges
    # right-closed bins with the lowest edge included, as pandas.cut: bin = #edges below the value - 1
    bins = np.full(signal.shape, -1, dtype=np.int64)
    for edge in edges.T:
        bins += signal > edge[:, None]
    np.clip(bins, 0, r - 1, out=bins)
    flat = (bins + (np.arange(rows) * r)[:, None]).ravel()
    counts = np.bincount(flat, minlength=rows * r).reshape(rows, r)
    sums_x = np.bincount(flat, weights=signal.ravel(), minlength=rows * r).reshape(rows, r)
    sums_y = np.bincount(flat, weights=delta.ravel(), minlength=rows * r).reshape(rows, r)
    filled = counts > 0
    x_mean, y_mean = safe_divide(sums_x, counts), safe_divide(sums_y, counts)
    full_rank = valid & (filled.sum(axis=1) > m)
    design = x_mean[full_rank, :, None] ** np.arange(m, -1, -1) * filled[full_rank, :, None]
    scale = np.sqrt((design * design).sum(axis=1))
    q, upper = np.linalg.qr(design / scale[:, None, :])
    solved = np.linalg.solve(upper, np.einsum("rij,ri->rj", q, y_mean[full_rank] * filled[full_rank])[..., None])
    coefficients[full_rank] = solved[..., 0] / scale
    # numpy.polyfit itself where the batched fit cannot reproduce it: fewer filled bins than
    # coefficients (polyfit's minimum-norm solution), or a leading coefficient that is zero up to
    # rounding, where the roots (max_langevin_fixed_point) are set by that rounding
    leading = np.abs(coefficients[:, 0]) <= 1e-8 * np.nanmax(np.abs(coefficients), axis=1, initial=0.0)
    for row in np.flatnonzero(valid & (~full_rank | leading)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.RankWarning)
            coefficients[row] = np.polyfit(x_mean[row, filled[row]], y_mean[row, filled[row]], deg=m)
    return coefficients


def friedrich_coefficients(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``friedrich_coefficients``: coefficient ``coeff`` of the polynomial fitted by
    `_friedrich` with order ``m`` and ``r`` quantile bins."""
    x = check_series(x)
    fitted: dict[tuple[int, int], np.ndarray] = {}
    results = {}
    for parameter in parameters:
        m, r, coeff = parameter["m"], parameter["r"], parameter["coeff"]
        if (m, r) not in fitted:
            fitted[(m, r)] = _friedrich(x, m, r)
        values = fitted[(m, r)][:, coeff] if coeff <= m else np.full(len(x), np.nan)
        results[f"friedrich_coefficients__coeff_{coeff}__m_{m}__r_{r}"] = values
    return results


def _max_real_root(coefficients: np.ndarray) -> np.ndarray:
    """``max(real(numpy.roots(c)))`` per row; NaN where a coefficient is NaN.

    Like numpy.roots, the roots are the eigenvalues of the companion matrix, computed for
    all rows at once; rows with a zero leading or trailing coefficient (whose degree numpy
    reduces) go through numpy.roots itself.
    """
    result = np.full(len(coefficients), np.nan)
    finite = np.isfinite(coefficients).all(axis=1)
    regular = finite & (coefficients[:, 0] != 0) & (coefficients[:, -1] != 0)
    degree = coefficients.shape[1] - 1
    if regular.any() and degree >= 1:
        companion = np.zeros((int(regular.sum()), degree, degree))
        companion[:, 0, :] = -coefficients[regular, 1:] / coefficients[regular, :1]
        companion[:, np.arange(1, degree), np.arange(degree - 1)] = 1.0
        result[regular] = np.linalg.eigvals(companion).real.max(axis=1)
    for row in np.flatnonzero(finite & ~regular):
        roots = np.roots(coefficients[row])
        result[row] = np.max(np.real(roots)) if roots.size else np.nan
    return result


def max_langevin_fixed_point(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``max_langevin_fixed_point``: the largest real part of the roots of the
    `_friedrich` polynomial (the largest fixed point of the fitted Langevin dynamics)."""
    x = check_series(x)
    results = {}
    for parameter in parameters:
        coefficients = _friedrich(x, parameter["m"], parameter["r"])
        results[feature_name("max_langevin_fixed_point", parameter)] = _max_real_root(coefficients)
    return results


def number_peaks(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``number_peaks``: how many samples exceed all ``n`` neighbours on each side
    (samples closer than ``n`` to either end are never peaks)."""
    x = check_series(x)
    length = x.shape[1]
    results = {}
    for parameter in parameters:
        n = parameter["n"]
        if length <= 2 * n:
            results[feature_name("number_peaks", parameter)] = np.zeros(len(x))
            continue
        centre = x[:, n:length - n]
        peaks = np.ones(centre.shape, dtype=bool)
        for shift in range(1, n + 1):
            peaks &= (centre > x[:, n - shift:length - n - shift]) & (centre > x[:, n + shift:length - n + shift])
        results[feature_name("number_peaks", parameter)] = peaks.sum(axis=1).astype(np.float64)
    return results


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


def fourier_entropy(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``fourier_entropy``: binned entropy (``bins``) of the Welch power spectral density
    scaled by its maximum (segments of up to 256 samples); NaN where the spectrum is all zero."""
    x = check_series(x)
    _, density = welch(x, nperseg=min(x.shape[1], 256), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = density / density.max(axis=1, keepdims=True)
    return {feature_name("fourier_entropy", parameter): binned_entropy(scaled, parameter["bins"])
            for parameter in parameters}


def permutation_entropy(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``permutation_entropy`` (Bandt & Pompe 2002, Phys. Rev. Lett. 88:174102): entropy of
    the ordinal patterns of ``dimension`` samples, ``tau`` apart; NaN when no pattern fits."""
    x = check_series(x)
    n, length = x.shape
    results = {}
    for parameter in parameters:
        tau, dimension = parameter["tau"], parameter["dimension"]
        starts = tau * np.arange(max((length - dimension) // tau + 1, 0))
        if len(starts) == 0:
            results[feature_name("permutation_entropy", parameter)] = np.full(n, np.nan)
            continue
        chunks = x[:, starts[:, None] + np.arange(dimension)]
        patterns = np.argsort(np.argsort(chunks, axis=2), axis=2)
        codes = np.sort((patterns * dimension ** np.arange(dimension - 1, -1, -1)).sum(axis=2), axis=1)
        rows, counts = run_lengths(codes)
        probabilities = counts / len(starts)
        entropy = -np.bincount(rows, weights=probabilities * np.log(probabilities), minlength=n)
        results[feature_name("permutation_entropy", parameter)] = entropy
    return results


CALCULATORS = {"change_quantiles": change_quantiles, "agg_linear_trend": agg_linear_trend,
               "friedrich_coefficients": friedrich_coefficients, "max_langevin_fixed_point": max_langevin_fixed_point,
               "number_peaks": number_peaks, "fft_coefficient": fft_coefficient,
               "cwt_coefficients": cwt_coefficients, "fourier_entropy": fourier_entropy,
               "permutation_entropy": permutation_entropy,
               **fast_tsfresh_statistics.CALCULATORS, **fast_tsfresh_dynamics.CALCULATORS,
               **fast_tsfresh_stationarity.CALCULATORS, **fast_tsfresh_patterns.CALCULATORS}


# calculators whose fast version computes only some of tsfresh's parameter sets, with the test of one
PARTIAL_COVERAGE = {"augmented_dickey_fuller": fast_tsfresh_stationarity.covers,
                    "query_similarity_count": fast_tsfresh_patterns.covers_query}


def has_fast_version(calculator: str, parameters: Iterable[dict] | None) -> bool:
    """Whether ``CALCULATORS`` computes ``calculator`` for every one of ``parameters``."""
    covers = PARTIAL_COVERAGE.get(calculator)
    return calculator in CALCULATORS and (covers is None or all(covers(parameter) for parameter in parameters or []))


def extract(x: np.ndarray, parameters: dict[str, list[dict]]) -> dict[str, np.ndarray]:
    """Every feature of ``parameters`` (tsfresh's calculator -> parameter list format) for the
    series in the rows of ``x``; calculators without a fast version are named in the error."""
    unsupported = sorted(set(parameters) - set(CALCULATORS))
    if unsupported:
        raise InputValidationError(f"No fast version of tsfresh calculator(s) {unsupported}; "
                                   f"available: {sorted(CALCULATORS)}.")
    results = {}
    for calculator, parameter_list in parameters.items():
        results.update(CALCULATORS[calculator](x, parameter_list))
    return results
