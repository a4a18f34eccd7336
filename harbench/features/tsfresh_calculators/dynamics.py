"""Vectorised tsfresh calculators of a series' dynamics: changes and crossings, non-linearity
statistics, autocorrelation, partial autocorrelation, autoregressive fits, linear trends of the
series and of its chunks' aggregates, the changes inside a quantile corridor, and the energy of
its parts.

Each is tsfresh 0.21's calculator of the same name, computed for many series at once (one row
per series) and tested for parity with tsfresh to a relative tolerance of 1e-6; ``CALCULATORS``
maps tsfresh's names to them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np

from harbench.errors import InputValidationError
from harbench.features.statistics import safe_divide
from harbench.features.tsfresh_calculators.base import (
    check_series,
    feature_name,
    linregress_on_index,
    parameterless,
    per_parameter,
    row_quantiles,
)

_ACF_ZERO_VARIANCE = 1e-10  # tsfresh's agg_autocorrelation: below this variance every autocorrelation is 0
_AR_RANK_TOLERANCE = 1e-8  # designs this close to singular go to statsmodels itself


@parameterless
def mean_change(x: np.ndarray) -> np.ndarray:
    """tsfresh ``mean_change``: the mean consecutive change, (last - first) / (length - 1); NaN for one sample."""
    length = x.shape[1]
    return (x[:, -1] - x[:, 0]) / (length - 1) if length > 1 else np.full(len(x), np.nan)


@parameterless
def mean_abs_change(x: np.ndarray) -> np.ndarray:
    """tsfresh ``mean_abs_change``: the mean absolute consecutive change; NaN for one sample."""
    return np.mean(np.abs(np.diff(x, axis=1)), axis=1) if x.shape[1] > 1 else np.full(len(x), np.nan)


@parameterless
def absolute_sum_of_changes(x: np.ndarray) -> np.ndarray:
    """tsfresh ``absolute_sum_of_changes``: the sum of absolute consecutive changes."""
    return np.sum(np.abs(np.diff(x, axis=1)), axis=1)


@parameterless
def mean_second_derivative_central(x: np.ndarray) -> np.ndarray:
    """tsfresh ``mean_second_derivative_central``: the mean central second difference,
    (x[-1] - x[-2] - x[1] + x[0]) / (2 (length - 2)); NaN below three samples."""
    length = x.shape[1]
    if length <= 2:
        return np.full(len(x), np.nan)
    return (x[:, -1] - x[:, -2] - x[:, 1] + x[:, 0]) / (2 * (length - 2))


@per_parameter
def number_crossing_m(x: np.ndarray, m: float) -> np.ndarray:
    """tsfresh ``number_crossing_m``: how often consecutive samples switch between above ``m`` and not."""
    above = x > m
    return (above[:, 1:] != above[:, :-1]).sum(axis=1)


@per_parameter
def cid_ce(x: np.ndarray, normalize: bool) -> np.ndarray:
    """tsfresh ``cid_ce``: the complexity estimate of Batista et al. (2014, Data Mining and Knowledge
    Discovery 28:634-669), the norm of the consecutive changes of the (z-normalised) series; 0
    for a constant series when normalised."""
    if normalize:
        spread = np.std(x, axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(spread != 0, (x - np.mean(x, axis=1, keepdims=True)) / spread, 0.0)
    changes = np.diff(x, axis=1)
    return np.sqrt(np.einsum("ij,ij->i", changes, changes))


@per_parameter
def c3(x: np.ndarray, lag: int) -> np.ndarray:
    """tsfresh ``c3``: the non-linearity statistic mean(x[t + 2 lag] x[t + lag] x[t]) of Schreiber &
    Schmitz (1997, Phys. Rev. E 55:5443); 0 unless the series is longer than 2 ``lag``."""
    length = x.shape[1]
    if 2 * lag >= length:
        return np.zeros(len(x))
    return np.mean(x[:, 2 * lag:] * x[:, lag:length - lag] * x[:, :length - 2 * lag], axis=1)


@per_parameter
def time_reversal_asymmetry_statistic(x: np.ndarray, lag: int) -> np.ndarray:
    """tsfresh ``time_reversal_asymmetry_statistic`` (Fulcher & Jones 2014, IEEE TKDE 26:3026-3037):
    mean(x[t + 2 lag]^2 x[t + lag] - x[t + lag] x[t]^2); 0 unless the series is longer than 2 ``lag``."""
    length = x.shape[1]
    if 2 * lag >= length:
        return np.zeros(len(x))
    two, one, zero = x[:, 2 * lag:], x[:, lag:length - lag], x[:, :length - 2 * lag]
    return np.mean(two * two * one - one * zero * zero, axis=1)


@per_parameter
def autocorrelation(x: np.ndarray, lag: int) -> np.ndarray:
    """tsfresh ``autocorrelation``: sum((x[t] - mean)(x[t + lag] - mean)) / ((length - lag) var);
    NaN where the variance is close to 0 (numpy.isclose) or ``lag`` exceeds the length."""
    length = x.shape[1]
    if length < lag:
        return np.full(len(x), np.nan)
    centred = x - np.mean(x, axis=1, keepdims=True)
    products = np.sum(centred[:, :length - lag] * centred[:, lag:], axis=1)
    spread = np.var(x, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isclose(spread, 0), np.nan, products / ((length - lag) * spread))


def _autocovariances(x: np.ndarray, max_lag: int) -> np.ndarray:
    """statsmodels ``acovf(row, adjusted=True, fft=False)`` at lags 0 .. ``max_lag`` (< length), (rows, max_lag + 1)."""
    length = x.shape[1]
    centred = x - x.mean(axis=1, keepdims=True)
    return np.stack([np.einsum("ij,ij->i", centred[:, :length - lag], centred[:, lag:]) / (length - lag)
                     for lag in range(max_lag + 1)], axis=1)


def agg_autocorrelation(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``agg_autocorrelation``: the numpy aggregate ``f_agg`` of the autocorrelations
    (statsmodels ``acf``, adjusted) at lags 1 .. ``maxlag``; aggregates of zeros where the
    variance is below 1e-10 or the series has one sample."""
    x = check_series(x)
    parameters = list(parameters)
    length = x.shape[1]
    max_lag = min(max(parameter["maxlag"] for parameter in parameters), length - 1)
    degenerate = (np.abs(np.var(x, axis=1)) < _ACF_ZERO_VARIANCE) | (length == 1)
    covariances = _autocovariances(x, max_lag)
    with np.errstate(divide="ignore", invalid="ignore"):
        correlations = covariances[:, 1:] / covariances[:, :1]
    results = {}
    for parameter in parameters:
        aggregate = getattr(np, parameter["f_agg"])
        zeros = aggregate(np.zeros((1, min(length, parameter["maxlag"]))), axis=1)
        values = aggregate(correlations[:, :parameter["maxlag"]], axis=1) if max_lag > 0 else zeros
        results[feature_name("agg_autocorrelation", parameter)] = np.where(degenerate, zeros, values)
    return results


def _levinson_durbin_pacf(covariances: np.ndarray, order: int) -> np.ndarray:
    """statsmodels ``levinson_durbin(acov, nlags=order, isacov=True).pacf`` for every row: the
    partial autocorrelations at lags 0 .. ``order`` from the Levinson-Durbin recursion."""
    rows = len(covariances)
    phi = np.zeros((rows, order + 1, order + 1))
    sigma = np.zeros((rows, order + 1))
    phi[:, 1, 1] = covariances[:, 1] / covariances[:, 0]
    sigma[:, 1] = covariances[:, 0] - phi[:, 1, 1] * covariances[:, 1]
    for k in range(2, order + 1):
        explained = np.einsum("ij,ij->i", phi[:, 1:k, k - 1], covariances[:, k - 1:0:-1])
        phi[:, k, k] = (covariances[:, k] - explained) / sigma[:, k - 1]
        phi[:, 1:k, k] = phi[:, 1:k, k - 1] - phi[:, k, k, None] * phi[:, k - 1:0:-1, k - 1]
        sigma[:, k] = sigma[:, k - 1] * (1 - phi[:, k, k] ** 2)
    pacf = np.diagonal(phi, axis1=1, axis2=2).copy()
    pacf[:, 0] = 1.0
    return pacf


def partial_autocorrelation(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``partial_autocorrelation``: statsmodels ``pacf(method="ld")`` (Levinson-Durbin on
    the adjusted autocovariances) at ``lag``; NaN past half the length, as tsfresh limits it."""
    x = check_series(x)
    parameters = list(parameters)
    length = x.shape[1]
    demanded = max(parameter["lag"] for parameter in parameters)
    max_lag = length // 2 - 1 if demanded >= length // 2 else demanded
    pacf = np.full((len(x), demanded + 1), np.nan)
    if length > 1 and max_lag > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            pacf[:, :max_lag + 1] = _levinson_durbin_pacf(_autocovariances(x, max_lag), max_lag)
    return {feature_name("partial_autocorrelation", parameter): pacf[:, parameter["lag"]]
            for parameter in parameters}


def _autoregression(x: np.ndarray, k: int) -> np.ndarray:
    """statsmodels ``AutoReg(row, lags=k, trend="c").fit().params`` for every row, (rows, k + 1):
    the least-squares intercept and lag 1 .. k coefficients by statsmodels' pseudo-inverse
    (SVD, singular values below 1e-15 of the largest dropped). Rows whose design is singular
    up to rounding (constant or linear series), whose minimum-norm solution rounding decides,
    are fitted by statsmodels itself; NaN where the series is shorter than 2 k + 1."""
    from statsmodels.tsa.ar_model import AutoReg

    rows, length = x.shape
    if length < 2 * k + 1:
        return np.full((rows, k + 1), np.nan)
    design = np.stack([np.ones((rows, length - k)), *(x[:, k - lag:length - lag] for lag in range(1, k + 1))],
                      axis=2)
    u, singular, vt = np.linalg.svd(design, full_matrices=False)
    largest = singular.max(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        inverse = np.where(singular > 1e-15 * largest, 1.0 / singular, 0.0)
    pseudo_inverse = np.matmul(np.swapaxes(vt, 1, 2), inverse[:, :, None] * np.swapaxes(u, 1, 2))
    params = np.einsum("rij,rj->ri", pseudo_inverse, x[:, k:])
    for row in np.flatnonzero(singular.min(axis=1) <= _AR_RANK_TOLERANCE * largest[:, 0]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            params[row] = AutoReg(list(x[row]), lags=k, trend="c").fit().params
    return params


def ar_coefficient(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``ar_coefficient``: coefficient ``coeff`` (0: the intercept) of the AR(``k``) model
    fitted by least squares (`_autoregression`); where the fit fails tsfresh keeps ``k`` NaN, so
    coefficient ``k`` is then 0; NaN for ``coeff`` above ``k``."""
    x = check_series(x)
    fitted: dict[int, np.ndarray] = {}
    results = {}
    for parameter in parameters:
        k, coeff = parameter["k"], parameter["coeff"]
        if k not in fitted:
            fitted[k] = _autoregression(x, k)
        if coeff > k:
            values = np.full(len(x), np.nan)
        else:
            failed = np.isnan(fitted[k]).all(axis=1)
            values = np.where(failed, 0.0 if coeff == k else np.nan, fitted[k][:, coeff])
        results[feature_name("ar_coefficient", parameter)] = values
    return results


def linear_trend(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``linear_trend``: attribute ``attr`` of scipy's ``linregress`` of the series against
    its sample index; NaN for a single sample."""
    x = check_series(x)
    regression = linregress_on_index(x) if x.shape[1] > 1 else None
    return {feature_name("linear_trend", parameter):
            regression[parameter["attr"]] if regression else np.full(len(x), np.nan) for parameter in parameters}


def energy_ratio_by_chunks(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``energy_ratio_by_chunks``: the share of the sum of squares in segment
    ``segment_focus`` of ``num_segments`` (numpy.array_split's segments); NaN for an all-zero series."""
    x = check_series(x)
    energy = np.sum(x**2, axis=1)
    results = {}
    for parameter in parameters:
        segments, focus = parameter["num_segments"], parameter["segment_focus"]
        whole, extra = divmod(x.shape[1], segments)
        start = focus * whole + min(focus, extra)
        stop = start + whole + (focus < extra)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.sum(x[:, start:stop] ** 2.0, axis=1) / energy
        results[feature_name("energy_ratio_by_chunks", parameter)] = np.where(energy == 0, np.nan, ratio)
    return results


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
            low, high = row_quantiles(x, [ql, qh]).T
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


CALCULATORS = {
    "mean_change": mean_change, "mean_abs_change": mean_abs_change, "absolute_sum_of_changes": absolute_sum_of_changes,
    "mean_second_derivative_central": mean_second_derivative_central, "number_crossing_m": number_crossing_m,
    "cid_ce": cid_ce, "c3": c3, "time_reversal_asymmetry_statistic": time_reversal_asymmetry_statistic,
    "autocorrelation": autocorrelation, "agg_autocorrelation": agg_autocorrelation,
    "partial_autocorrelation": partial_autocorrelation, "ar_coefficient": ar_coefficient,
    "linear_trend": linear_trend, "agg_linear_trend": agg_linear_trend, "change_quantiles": change_quantiles,
    "energy_ratio_by_chunks": energy_ratio_by_chunks,
}
