"""Vectorised tsfresh ``augmented_dickey_fuller``: the augmented Dickey-Fuller unit-root test
(Dickey & Fuller 1979, JASA 74:427-431) with statsmodels' lag selection and MacKinnon's
approximate p-value (MacKinnon 1994, JBES 12:167-176; 2010 tables), for many series at once.

statsmodels' ``adfuller(x, autolag="AIC")`` regresses the change of the series on a constant,
its lagged level and 0 .. ``maxlag`` lagged changes, all on the sample the longest regression
allows, keeps the number of lags with the smallest information criterion and refits that
regression on the longest sample it allows. Here all the nested regressions of all series come
from one batched QR decomposition of the largest design with the response appended (the
residual sum of squares of the first ``k`` regressors is the norm of the response's components
past ``k``), and each refit from one QR per used lag. Rows that this cannot reproduce to
statsmodels' own rounding (a constant regressor, which makes statsmodels drop its constant;
an ill-conditioned design; a near-perfect fit; two criteria closer than rounding) are handed to
statsmodels itself.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np

from harbench.errors import InputValidationError
from harbench.features.tsfresh_calculators.base import check_series

_CONDITION_LIMIT = 1e7  # worse-conditioned designs go to statsmodels (the two differ by about 1e-16 x condition)
_PERFECT_FIT = 1e-12  # residual sum of squares below this share of the response's: log(ssr) is rounding
_CRITERION_TIE = 1e-7  # information criteria closer than this may be ordered differently by statsmodels


def _maxlag(length: int) -> int:
    """statsmodels' default maximum lag for regression "c" (Schwert 1989); negative: too short."""
    maxlag = int(np.ceil(12.0 * np.power(length / 100.0, 1 / 4.0)))
    return min(length // 2 - 1 - 1, maxlag)


def _mackinnon_pvalue(teststat: np.ndarray) -> np.ndarray:
    """statsmodels ``mackinnonp(teststat, regression="c", N=1)`` for an array of statistics."""
    from scipy.stats import norm
    from statsmodels.tsa.adfvalues import _tau_largeps, _tau_maxs, _tau_mins, _tau_smallps, _tau_stars

    small = np.polyval(_tau_smallps["c"][0][::-1], teststat)
    large = np.polyval(_tau_largeps["c"][0][::-1], teststat)
    pvalue = norm.cdf(np.where(teststat <= _tau_stars["c"][0], small, large))
    pvalue = np.where(teststat > _tau_maxs["c"][0], 1.0, pvalue)
    return np.where(teststat < _tau_mins["c"][0], 0.0, pvalue)


def _lagged_design(x: np.ndarray, lags: int, sample_lags: int, level_last: bool) -> np.ndarray:
    """The regressors of each row's Dickey-Fuller regression, the change of the series appended:
    [constant, lagged level, lagged changes 1 .. ``lags``, change], the level moved just before
    the change with ``level_last``, on the sample of a regression with ``sample_lags`` lags
    (rows, length - 1 - sample_lags, lags + 3)."""
    rows, length = x.shape
    changes = np.diff(x, axis=1)
    constant, level = np.ones((rows, length - 1 - sample_lags)), x[:, sample_lags:length - 1]
    lagged = [changes[:, sample_lags - lag:length - 1 - lag] for lag in range(1, lags + 1)]
    columns = [constant, *lagged, level] if level_last else [constant, level, *lagged]
    return np.stack([*columns, changes[:, sample_lags:]], axis=2)


def _unreliable(design: np.ndarray, upper: np.ndarray, ssr: np.ndarray) -> np.ndarray:
    """Rows whose regressions a QR fit may not reproduce to statsmodels' rounding: a constant
    regressor besides the constant (statsmodels then adds no constant of its own; a zero one is
    singular), an ill-conditioned design, or a near-perfect fit of any nested regression."""
    regressors = design.shape[2] - 1
    constant_column = (np.ptp(design[:, :, 1:-1], axis=1) == 0).any(axis=1)
    response = np.einsum("ij,ij->i", design[:, :, -1], design[:, :, -1])
    perfect_fit = (ssr <= _PERFECT_FIT * response[:, None]).any(axis=1)
    return constant_column | perfect_fit | (_condition(upper[:, :regressors, :regressors]) > _CONDITION_LIMIT)


def _condition(upper: np.ndarray) -> np.ndarray:
    """Condition number of the design whose (regressors only) R factor is ``upper``."""
    singular = np.linalg.svd(upper, compute_uv=False)
    with np.errstate(divide="ignore"):
        return singular[:, 0] / singular[:, -1]


def _residual_squares(upper: np.ndarray) -> np.ndarray:
    """Residual sums of squares of the nested regressions on the first 1 .. k regressors, from
    the R factor of [regressors (k), response]: (rows, k)."""
    tail = upper[:, :, -1] ** 2
    return np.cumsum(tail[:, ::-1], axis=1)[:, ::-1][:, 1:]


def _information_criterion(ssr: np.ndarray, nobs: int, n_params: np.ndarray, method: str) -> np.ndarray:
    """statsmodels' OLS ``aic`` / ``bic`` from the profile log-likelihood, in its own arithmetic."""
    nobs2 = nobs / 2.0
    with np.errstate(divide="ignore"):
        llf = -nobs2 * np.log(2 * np.pi) - nobs2 * np.log(ssr / nobs) - nobs2
    penalty = 2 * n_params if method == "aic" else np.log(nobs) * n_params
    return -2 * llf + penalty


def _adf_batched(x: np.ndarray, maxlag: int, autolag: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Test statistic, used lag and a fall-back mask (rows that must go to statsmodels)."""
    rows = len(x)
    fallback = np.zeros(rows, dtype=bool)
    if autolag is None:
        usedlag = np.full(rows, maxlag)
    else:
        # nested regressions on [constant, level, lags 1 .. k], k = 0 .. maxlag, on one sample
        design = _lagged_design(x, maxlag, maxlag, level_last=False)
        upper = np.linalg.qr(design, mode="r")
        ssr = _residual_squares(upper)[:, 1:]
        fallback |= _unreliable(design, upper, ssr)
        criteria = _information_criterion(ssr, design.shape[1], np.arange(2, maxlag + 3), autolag)
        usedlag = np.argmin(criteria, axis=1)
        ordered = np.sort(criteria, axis=1)
        if maxlag > 0:
            fallback |= ordered[:, 1] - ordered[:, 0] <= _CRITERION_TIE * np.maximum(1.0, np.abs(ordered[:, 0]))
    teststat = np.full(rows, np.nan)
    for lags in np.unique(usedlag[~fallback]):
        chosen = np.flatnonzero((usedlag == lags) & ~fallback)
        design = _lagged_design(x[chosen], lags, lags, level_last=True)
        upper = np.linalg.qr(design, mode="r")
        k = lags + 2
        ssr = upper[:, k, k] ** 2
        fallback[chosen[_unreliable(design, upper, ssr[:, None])]] = True
        # t statistic of the last regressor (the level): coefficient r[k-1, k] / r[k-1, k-1] over
        # its standard error s / |r[k-1, k-1]|
        scale = np.sqrt(ssr / (design.shape[1] - k))
        teststat[chosen] = np.sign(upper[:, k - 1, k - 1]) * upper[:, k - 1, k] / scale
    return teststat, usedlag.astype(np.float64), fallback


def _adf_statsmodels(row: np.ndarray, autolag: str | None) -> tuple[float, float, float]:
    """tsfresh's own call: statsmodels ``adfuller``, NaN where it raises as tsfresh catches."""
    from numpy.linalg import LinAlgError
    from statsmodels.tools.sm_exceptions import MissingDataError
    from statsmodels.tsa.stattools import adfuller

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = adfuller(row, autolag=autolag)
    except (LinAlgError, ValueError, MissingDataError):
        return np.nan, np.nan, np.nan
    return float(result[0]), float(result[1]), float(result[2])


def covers(parameter: dict) -> bool:
    """Whether `augmented_dickey_fuller` computes this parameter set: lag selection by AIC, BIC or none."""
    autolag = parameter.get("autolag", "AIC")
    return autolag is None or (isinstance(autolag, str) and autolag.lower() in ("aic", "bic"))


def adf_test(x: np.ndarray, autolag: str | None = "AIC") -> dict[str, np.ndarray]:
    """statsmodels ``adfuller(row, autolag=autolag)`` (regression on a constant, default maximum
    lag) for every row: ``teststat``, ``pvalue`` and ``usedlag``; NaN where statsmodels raises
    (a constant series, or fewer than four samples), as tsfresh catches it."""
    x = check_series(x)
    if not covers({"autolag": autolag}):
        raise InputValidationError(f"augmented_dickey_fuller: autolag {autolag!r} has no fast version "
                                   "(AIC, BIC, None).")
    method = autolag.lower() if isinstance(autolag, str) else autolag
    rows, length = x.shape
    teststat, usedlag = np.full(rows, np.nan), np.full(rows, np.nan)
    maxlag = _maxlag(length)
    if maxlag < 0:
        return {"teststat": teststat, "pvalue": teststat.copy(), "usedlag": usedlag}
    varying = np.flatnonzero(np.ptp(x, axis=1) > 0)
    fitted, lags, fallback = _adf_batched(x[varying], maxlag, method)
    teststat[varying], usedlag[varying] = fitted, lags
    pvalue = _mackinnon_pvalue(teststat)
    for row in varying[fallback]:
        teststat[row], pvalue[row], usedlag[row] = _adf_statsmodels(x[row], autolag)
    return {"teststat": teststat, "pvalue": pvalue, "usedlag": usedlag}


def augmented_dickey_fuller(x: np.ndarray, parameters: Iterable[dict]) -> dict[str, np.ndarray]:
    """tsfresh ``augmented_dickey_fuller``: attribute ``attr`` (teststat, pvalue, usedlag) of the
    augmented Dickey-Fuller test with lag selection ``autolag`` (default AIC) by `adf_test`; NaN
    for other attributes, as in tsfresh."""
    x = check_series(x)
    tests: dict[str | None, dict[str, np.ndarray]] = {}
    results = {}
    for parameter in parameters:
        attr, autolag = parameter["attr"], parameter.get("autolag", "AIC")
        if autolag not in tests:
            tests[autolag] = adf_test(x, autolag)
        values = tests[autolag].get(attr, np.full(len(x), np.nan))
        results[f'augmented_dickey_fuller__attr_"{attr}"__autolag_"{autolag}"'] = values
    return results


CALCULATORS = {"augmented_dickey_fuller": augmented_dickey_fuller}
