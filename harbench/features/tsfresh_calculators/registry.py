"""The registry of harbench's vectorised tsfresh calculators, under tsfresh's own feature names.

tsfresh computes every feature one series at a time in Python; on 128-sample windows its
``efficient`` set spends about 47 % of its time in ``change_quantiles``, 14 % in
``number_peaks``, 8 % in ``agg_linear_trend`` and 8 % in the Friedrich / Langevin pair; the FFT
and wavelet coefficients and the Fourier and permutation entropies are among the costliest of
the rest. The calculators of this package compute the same values for many series at once (one
row per series) and are tested for parity with tsfresh 0.21 (Christ et al. 2018,
Neurocomputing 307:72-77) to a relative tolerance of 1e-6, including constant series and
series of 1-3 samples. Series containing NaN are refused with an error rather than guessed at.

``CALCULATORS`` registers every calculator of ``EfficientFCParameters`` except
``linear_trend_timewise``, which needs a datetime index (harbench's windows are indexed by
sample, so `harbench.features.tsfresh_set` leaves it out). The calculators live by what they
describe: `distribution` (moments, quantiles, counts, duplicates, extremes' locations, binned
entropy, Benford), `dynamics` (changes, crossings, c3, autocorrelations, AR coefficients, linear
trends, change quantiles, energy by chunks), `spectral` (FFT, Welch density, Fourier entropy,
wavelet coefficients), `nonlinear` (Friedrich coefficients, Langevin fixed point, permutation
entropy), `stationarity` (augmented Dickey-Fuller) and `patterns` (peaks, CWT peaks, Lempel-Ziv
complexity, query similarity count without a query). A new calculator goes in the module of
its kind and in that module's ``CALCULATORS``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from harbench.errors import InputValidationError
from harbench.features.tsfresh_calculators import distribution, dynamics, nonlinear, patterns, spectral, stationarity

CALCULATORS = {**distribution.CALCULATORS, **dynamics.CALCULATORS, **spectral.CALCULATORS,
               **nonlinear.CALCULATORS, **stationarity.CALCULATORS, **patterns.CALCULATORS}

# calculators whose fast version computes only some of tsfresh's parameter sets, with the test of one
PARTIAL_COVERAGE = {"augmented_dickey_fuller": stationarity.covers,
                    "query_similarity_count": patterns.covers_query}


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
