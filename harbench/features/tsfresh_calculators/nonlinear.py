"""Vectorised tsfresh calculators of a series' non-linear dynamics: the Friedrich coefficients
of a fitted Langevin model, its largest fixed point, and the permutation entropy of ordinal
patterns.

Each is tsfresh 0.21's calculator of the same name, computed for many series at once (one row
per series) and tested for parity with tsfresh to a relative tolerance of 1e-6; ``CALCULATORS``
maps tsfresh's names to them.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np

from harbench.features.statistics import run_lengths, safe_divide
from harbench.features.tsfresh_calculators.base import check_series, feature_name, row_quantiles


def _qcut_edges(x: np.ndarray, r: int) -> np.ndarray:
    """The ``r + 1`` bin edges ``pandas.qcut(x, r)`` uses for each row, (rows, r + 1)."""
    quantiles = np.linspace(0, 1, r + 1)
    # pandas rounds quantiles that are not representable in base 2 up by one ulp
    np.putmask(quantiles, r * quantiles != np.arange(r + 1), np.nextafter(quantiles, 1))
    return row_quantiles(x, quantiles)


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


CALCULATORS = {"friedrich_coefficients": friedrich_coefficients, "max_langevin_fixed_point": max_langevin_fixed_point,
               "permutation_entropy": permutation_entropy}
