"""Parity of the fast calculators with tsfresh's own, value for value (rtol 1e-6)."""

import numpy as np
import pandas as pd
import pytest
from tsfresh.feature_extraction import EfficientFCParameters, feature_calculators
from tsfresh.utilities.string_manipulation import convert_to_output_format

from harbench.errors import InputValidationError
from harbench.features.tsfresh_calculators import registry as fast_tsfresh

EFFICIENT = EfficientFCParameters()
EXTRA_AGG_LINEAR_TREND = [{"attr": "pvalue", "chunk_len": chunk, "f_agg": "mean"} for chunk in (2, 5, 10, 50)]


def _series(length: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(length)
    return {
        "noise": rng.normal(size=(6, length)),
        "trend": np.cumsum(rng.normal(size=(4, length)), axis=1),
        "ties": rng.integers(0, 3, size=(6, length)).astype(float),
        "constant": np.full((2, length), 1.5),
        "monotonic": np.tile(np.arange(length, dtype=float), (2, 1)),
    }


def _tsfresh(calculator: str, row: np.ndarray, parameters: list[dict] | None) -> dict[str, float]:
    """tsfresh's own values for one series, passed as its extractor passes it."""
    function = getattr(feature_calculators, calculator)
    if getattr(function, "input", None) == "pd.Series":
        row = pd.Series(row)
    if parameters is None:
        return {calculator: function(row)}
    if getattr(function, "fctype", None) == "combiner":
        return {f"{calculator}__{key}": value for key, value in function(row, param=parameters)}
    return {f"{calculator}__{convert_to_output_format(p)}": function(row, **p) for p in parameters}


# tsfresh itself takes seconds over these calculators' parameter grids: `-m "not slow"` leaves them out
SLOW_IN_TSFRESH = {"change_quantiles", "fft_coefficient", "agg_linear_trend"}


@pytest.mark.parametrize("length", [1, 2, 3, 7, 11, 60, 128])
@pytest.mark.parametrize("calculator", [pytest.param(name, marks=pytest.mark.slow) if name in SLOW_IN_TSFRESH else name
                                        for name in sorted(fast_tsfresh.CALCULATORS)])
def test_every_fast_calculator_matches_tsfresh(calculator, length):
    parameters = EFFICIENT[calculator]
    if calculator == "agg_linear_trend":
        parameters = parameters + EXTRA_AGG_LINEAR_TREND
    for kind, x in _series(length).items():
        fast = fast_tsfresh.CALCULATORS[calculator](x, parameters)
        for row in range(len(x)):
            expected = _tsfresh(calculator, x[row], parameters)
            assert set(expected) == set(fast), "feature names must be tsfresh's own"
            for name, value in expected.items():
                np.testing.assert_allclose(fast[name][row], value, rtol=1e-6, atol=1e-12, equal_nan=True,
                                           err_msg=f"{name} on {kind} series {row} of length {length}")


def test_series_with_nan_are_refused_with_the_row():
    x = np.zeros((3, 10))
    x[2, 4] = np.nan
    with pytest.raises(InputValidationError, match="Series 2 contains NaN"):
        fast_tsfresh.CALCULATORS["change_quantiles"](x, EFFICIENT["change_quantiles"])


def test_calculators_without_a_fast_version_are_named():
    with pytest.raises(InputValidationError, match=r"No fast version .*\['linear_trend_timewise'\]"):
        fast_tsfresh.extract(np.zeros((2, 10)), {"linear_trend_timewise": [], "agg_linear_trend": []})


def test_query_similarity_count_refuses_a_real_query():
    query = [{"query": [0.0, 1.0, 0.0], "threshold": 0.0}]
    with pytest.raises(InputValidationError, match="only the parameters without a query"):
        fast_tsfresh.CALCULATORS["query_similarity_count"](np.zeros((2, 10)), query)


def test_parameter_sets_without_a_fast_version_are_recognised():
    assert fast_tsfresh.has_fast_version("augmented_dickey_fuller", EFFICIENT["augmented_dickey_fuller"])
    assert not fast_tsfresh.has_fast_version("augmented_dickey_fuller", [{"attr": "teststat", "autolag": "t-stat"}])
    assert fast_tsfresh.has_fast_version("query_similarity_count", EFFICIENT["query_similarity_count"])
    assert not fast_tsfresh.has_fast_version("query_similarity_count", [{"query": [0.0, 1.0, 0.0], "threshold": 0}])
    assert fast_tsfresh.has_fast_version("mean", None) and not fast_tsfresh.has_fast_version("sample_entropy", None)
