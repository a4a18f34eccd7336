"""What the fast tsfresh calculators share: tsfresh's feature names, the input check, the
wrappers that turn a per-row statistic into a calculator, and the computations more than
one calculator needs (regression on the sample index, row quantiles as pandas computes them,
histogram entropy with numpy.histogram's bins)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.special import stdtr

from harbench.errors import InputValidationError
from harbench.features.statistics import entropy_of_bins

_TINY = 1.0e-20  # as scipy.stats.linregress

Calculator = Callable[..., dict[str, np.ndarray]]


def feature_name(calculator: str, parameters: dict) -> str:
    """tsfresh's column suffix: ``<calculator>__<key>_<value>__...`` with sorted keys, strings quoted."""
    def text(value: object) -> str:
        return f'"{value}"' if isinstance(value, str) else str(value)

    return "__".join([calculator, *(f"{key}_{text(parameters[key])}" for key in sorted(parameters))])


def check_series(x: np.ndarray) -> np.ndarray:
    """``x`` as a float64 (n_series, length >= 1) array; refuses NaN and infinity, naming the series."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] < 1:
        raise InputValidationError(f"Fast tsfresh calculators take (n_series, length >= 1) arrays; got {x.shape}.")
    if not np.isfinite(x).all():
        row = int(np.argwhere(~np.isfinite(x))[0, 0])
        raise InputValidationError(f"Series {row} contains NaN or infinity; the fast tsfresh calculators do not "
                                   "impute. Drop or fill it first, or use tsfresh's own extractor.")
    return x


def linregress_on_index(y: np.ndarray) -> dict[str, np.ndarray]:
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


def row_quantiles(x: np.ndarray, quantiles: Sequence[float]) -> np.ndarray:
    """Linear-interpolation quantiles of each row, (rows, len(quantiles)), computed by pandas
    itself (one vectorised call), so that values lying exactly on a quantile fall on the same
    side as in tsfresh's ``pandas.qcut`` whatever pandas' internal formula."""
    return pd.DataFrame(x.T).quantile(list(quantiles), interpolation="linear").to_numpy().T


def binned_entropy(x: np.ndarray, bins: int) -> np.ndarray:
    """tsfresh ``binned_entropy`` of each row: entropy of ``numpy.histogram(row, bins)``'s counts
    (equal-width bins over the row's range, the last one closed); NaN for rows holding NaN."""
    low, high = x.min(axis=1), x.max(axis=1)
    flat = low == high  # numpy.histogram widens a zero range by 0.5 on each side
    low, high = np.where(flat, low - 0.5, low), np.where(flat, high + 0.5, high)
    edges = np.linspace(low, high, bins + 1, axis=1)
    # numpy.histogram's bin: the number of inner edges at or below the value (the last bin is closed)
    index = np.zeros(x.shape, dtype=np.intp)
    for edge in edges[:, 1:-1].T:
        index += x >= edge[:, None]
    entropy = entropy_of_bins(index, bins)
    return np.where(np.isnan(x).any(axis=1), np.nan, entropy)


def parameterless(statistic: Callable[[np.ndarray], np.ndarray]) -> Calculator:
    """The calculator of tsfresh's parameterless feature named like ``statistic``, which maps
    checked series (rows, length) to one value per row."""
    @functools.wraps(statistic)
    def calculator(x: np.ndarray, parameters: Iterable[dict] | None = None) -> dict[str, np.ndarray]:
        x = check_series(x)
        return {statistic.__name__: _per_row(statistic(x), len(x))}
    return calculator


def per_parameter(statistic: Callable[..., np.ndarray] | None = None, *,
                  summary: Callable[[np.ndarray], tuple] | None = None) -> Calculator | Callable[..., Calculator]:
    """The calculator of tsfresh's feature named like ``statistic``, computed as
    ``statistic(series, **parameter)`` for each parameter set; with ``summary``, as
    ``statistic(*summary(series), **parameter)``, the parameter-free ``summary`` computed once
    for all parameter sets."""
    def decorate(statistic: Callable[..., np.ndarray]) -> Calculator:
        @functools.wraps(statistic)
        def calculator(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
            x = check_series(x)
            arguments = summary(x) if summary is not None else (x,)
            return {feature_name(statistic.__name__, parameter): _per_row(statistic(*arguments, **parameter), len(x))
                    for parameter in parameters}
        return calculator
    return decorate(statistic) if statistic is not None else decorate


def _per_row(values: np.ndarray | float, rows: int) -> np.ndarray:
    """``values`` (one per row, or one for all rows) as float64 values, one per row."""
    return np.broadcast_to(np.asarray(values, dtype=np.float64), (rows,)).copy()
