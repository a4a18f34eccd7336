"""How fast the QUANT and Hydra transforms are on real uci_har windows, against the same
transform called window by window (the baseline, measured in the same run)."""

from __future__ import annotations

import numpy as np
import pytest

from harbench.models.multirocket_hydra import draw_hydra_kernels, hydra_transform
from harbench.models.quant import quant_transform

N_WINDOWS = 500


@pytest.fixture(scope="module")
def series(uci_har_windows) -> np.ndarray:
    """The first 500 windows as (n, channels, time) float32 series, as both transforms take them."""
    return np.ascontiguousarray(uci_har_windows.X[:N_WINDOWS].transpose(0, 2, 1), dtype=np.float32)


def _transforms(series: np.ndarray) -> dict:
    kernels = draw_hydra_kernels(series.shape[2], series.shape[1])
    return {"quant": quant_transform, "hydra": lambda X: hydra_transform(X, kernels)}


def _window_by_window(transform, X: np.ndarray) -> np.ndarray:
    return np.vstack([transform(X[index:index + 1]) for index in range(len(X))])


@pytest.mark.parametrize("name", ["quant", "hydra"])
def test_transform_window_by_window(benchmark, series, perf_table, name):
    benchmark.pedantic(_window_by_window, args=(_transforms(series)[name], series), rounds=3, warmup_rounds=1)
    perf_table.add(benchmark, f"{name}_window_by_window", N_WINDOWS)


@pytest.mark.parametrize("name", ["quant", "hydra"])
def test_transform_of_the_batch(benchmark, series, perf_table, name):
    benchmark.pedantic(_transforms(series)[name], args=(series,), rounds=5, warmup_rounds=1)
    perf_table.add(benchmark, f"{name}_transform", N_WINDOWS, baseline=f"{name}_window_by_window")
