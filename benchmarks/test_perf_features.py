"""How fast the feature sets are on the real uci_har windows (see conftest.py)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pandas as pd
from tsfresh.feature_extraction import EfficientFCParameters, feature_calculators

from harbench.features.handcrafted import HandcraftedFeatures
from harbench.features.tsfresh_calculators import registry as fast_tsfresh

FAST_CALCULATORS = {name: EfficientFCParameters()[name] for name in fast_tsfresh.CALCULATORS}
BASELINE_WINDOWS = 100  # tsfresh's own calculators take ~35 s a round on these; the fast ones run on the same


def _series(windows: np.ndarray) -> np.ndarray:
    """One row per (window, channel) series, as tsfresh sees them."""
    return np.ascontiguousarray(windows.transpose(0, 2, 1).reshape(-1, windows.shape[1]), dtype=np.float64)


def _tsfresh_calculators(series: np.ndarray) -> None:
    """tsfresh's own versions of the fast calculators, called as its extractor calls them."""
    for row in series:
        for calculator, parameters in FAST_CALCULATORS.items():
            function = getattr(feature_calculators, calculator)
            values = pd.Series(row) if getattr(function, "input", None) == "pd.Series" else row
            if parameters is None:
                function(values)
            elif getattr(function, "fctype", None) == "combiner":
                list(function(values, param=parameters))
            else:
                for parameter in parameters:
                    function(values, **parameter)


def test_handcrafted_features_on_all_uci_har_windows(benchmark, uci_har_windows, perf_table):
    windows = uci_har_windows
    features = HandcraftedFeatures(fs=windows.fs, channels=windows.channels, units=windows.units)
    tracemalloc.start()
    features.transform(windows.X)
    peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    benchmark.pedantic(features.transform, args=(windows.X,), rounds=5, warmup_rounds=1)
    perf_table.add(benchmark, "handcrafted_features", len(windows), peak_memory_mib=peak_mib)


def test_tsfresh_own_versions_of_the_fast_calculators(benchmark, uci_har_windows, perf_table):
    series = _series(uci_har_windows.X[:BASELINE_WINDOWS])
    benchmark.pedantic(_tsfresh_calculators, args=(series,), rounds=3, warmup_rounds=0)
    perf_table.add(benchmark, "tsfresh_calculators", BASELINE_WINDOWS)


def test_fast_calculators(benchmark, uci_har_windows, perf_table):
    series = _series(uci_har_windows.X[:BASELINE_WINDOWS])
    benchmark.pedantic(fast_tsfresh.extract, args=(series, FAST_CALCULATORS), rounds=20, warmup_rounds=2)
    perf_table.add(benchmark, "fast_tsfresh_calculators", BASELINE_WINDOWS, baseline="tsfresh_calculators")


def test_fast_calculators_on_all_uci_har_windows(benchmark, uci_har_windows, perf_table):
    series = _series(uci_har_windows.X)
    benchmark.pedantic(fast_tsfresh.extract, args=(series, FAST_CALCULATORS), rounds=3, warmup_rounds=1)
    perf_table.add(benchmark, "fast_tsfresh_calculators_all_windows", len(uci_har_windows))
