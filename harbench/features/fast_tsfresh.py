"""Vectorised re-implementations of tsfresh calculators, under tsfresh's own feature names.

tsfresh computes every feature one series at a time in Python; its ``efficient`` set spends
about half its time in ``change_quantiles`` and much of the rest in ``agg_linear_trend`` (see
``PLATFORM.md``). These functions compute the same values for many series at once (one row
per series) and are tested for parity with tsfresh 0.21 (Christ et al. 2018, Neurocomputing
307:72-77) to a relative tolerance of 1e-6, including constant series and series of 1-3
samples. Series containing NaN are refused with an error rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.special import stdtr

from harbench.errors import InputValidationError

_TINY = 1.0e-20  # as scipy.stats.linregress


def feature_name(calculator: str, parameters: dict) -> str:
    """tsfresh's column suffix: ``<calculator>__<key>_<value>__...`` with sorted keys, strings quoted."""
    def text(value: object) -> str:
        return f'"{value}"' if isinstance(value, str) else str(value)

    return "__".join([calculator, *(f"{key}_{text(parameters[key])}" for key in sorted(parameters))])


def _check(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 1:
        raise InputValidationError(f"Fast tsfresh calculators take (n_series, length >= 1) arrays; got {x.shape}.")
    if not np.isfinite(x).all():
        row = int(np.argwhere(~np.isfinite(x))[0, 0])
        raise InputValidationError(f"Series {row} contains NaN or infinity; the fast tsfresh calculators do not "
                                   "impute. Drop or fill it first, or use tsfresh's own extractor.")
    return x


def change_quantiles(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``change_quantiles``: aggregate (``f_agg`` mean or var) of the (absolute, with
    ``isabs``) consecutive changes whose both ends lie in the corridor between the ``ql`` and
    ``qh`` quantiles of the series (both bounds included, as ``pandas.qcut`` with
    ``include_lowest``); 0 where ``ql >= qh`` or no change lies inside."""
    x = _check(x)
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
            low, high = np.percentile(x, [ql * 100.0, qh * 100.0], axis=1, method="linear")
            inside = (x >= low[:, None]) & (x <= high[:, None])
            both = inside[:, 1:] & inside[:, :-1]
            corridors[(ql, qh)] = both, both.sum(axis=1)
        both, count = corridors[(ql, qh)]
        values = absolute if isabs else differences
        mean = np.divide((values * both).sum(axis=1), count, out=np.zeros(len(x)), where=count > 0)
        if f_agg == "mean":
            results[name] = mean
        else:
            squares = ((values - mean[:, None]) ** 2 * both).sum(axis=1)
            results[name] = np.divide(squares, count, out=np.zeros(len(x)), where=count > 0)
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


def _linregress_on_index(y: np.ndarray) -> dict[str, np.ndarray]:
    """scipy.stats.linregress(range(m), y) for every row of ``y`` (m >= 2)."""
    m = y.shape[1]
    index = np.arange(m, dtype=np.float64)
    index_mean = index.mean()
    y_mean = y.mean(axis=1)
    ssxm = ((index - index_mean) ** 2).mean()
    ssxym = ((y - y_mean[:, None]) * (index - index_mean)).mean(axis=1)
    ssym = ((y - y_mean[:, None]) ** 2).mean(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(ssym == 0.0, np.where(ssxym == 0, np.nan, 0.0), ssxym / np.sqrt(ssxm * ssym))
        r = np.clip(r, -1.0, 1.0)
        slope = ssxym / ssxm
        intercept = y_mean - slope * index_mean
        if m == 2:
            pvalue = np.where(y[:, 0] == y[:, 1], 1.0, 0.0)
            stderr = np.zeros(len(y))
        else:
            df = m - 2
            t = r * np.sqrt(df / ((1.0 - r + _TINY) * (1.0 + r + _TINY)))
            pvalue = 2 * stdtr(df, -np.abs(t))
            stderr = np.sqrt((1 - r**2) * ssym / ssxm / df)
    return {"rvalue": r, "slope": slope, "intercept": intercept, "pvalue": pvalue, "stderr": stderr}


def agg_linear_trend(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``agg_linear_trend``: a linear least-squares regression (``attr``: rvalue,
    intercept, slope, stderr or pvalue) of the ``f_agg`` aggregates (max, min, mean, var) of
    chunks of ``chunk_len`` samples against their index; NaN where ``chunk_len`` is not
    shorter than the series, as in tsfresh."""
    x = _check(x)
    regressions: dict[tuple[str, int], dict[str, np.ndarray]] = {}
    results = {}
    for parameter in parameters:
        attr, chunk_len, f_agg = parameter["attr"], parameter["chunk_len"], parameter["f_agg"]
        name = feature_name("agg_linear_trend", parameter)
        if chunk_len >= x.shape[1]:
            results[name] = np.full(len(x), np.nan)
            continue
        if (f_agg, chunk_len) not in regressions:
            regressions[(f_agg, chunk_len)] = _linregress_on_index(_chunk_aggregates(x, f_agg, chunk_len))
        results[name] = regressions[(f_agg, chunk_len)][attr]
    return results


CALCULATORS = {"change_quantiles": change_quantiles, "agg_linear_trend": agg_linear_trend}


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
