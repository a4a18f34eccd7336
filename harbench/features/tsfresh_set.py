"""tsfresh features with FRESH relevance selection fitted on the training fold only.

Christ, Braun, Neuffer & Kempa-Liehr (2018), Time Series FeatuRe Extraction on basis of
Scalable Hypothesis tests (tsfresh - A Python package), Neurocomputing 307:72-77.

Features are extracted from the training windows and from the test windows separately (each
window is its own series, so nothing crosses between them). The calculators that
`harbench.features.tsfresh_calculators` re-implements (same names, values equal to tsfresh's to rtol
1e-6), which are all of the ``minimal`` and ``efficient`` sets, run vectorised over all windows;
tsfresh's own extractor runs only the others (the ``comprehensive`` set's costliest
calculators, such as sample entropy or the matrix profile). Relevance selection
(tsfresh's multiclass ``select_features`` decision, computed on the whole matrix by
`harbench.features.fresh_selection`) and the imputation of undefined values (tsfresh's
``impute_dataframe_range`` with the training columns' min / max / median) are fitted on the
training windows only. Extracted matrices of at least ``CACHE_MIN_WINDOWS`` windows are
cached on disk under a hash of the windows' bytes, the channel names, the parameter set and
the tsfresh version, so seeds and learners reuse them; the cache also keeps how long the
extraction took, so a reused matrix still reports its real cost (``extraction_seconds_``).
Small inputs (single-window latency calls) are extracted in-process, uncached.

Parallel extraction runs in a ``forkserver`` process pool: forking a process that already
runs TensorFlow, BLAS or thread-pool threads (as a benchmark run does) can deadlock the
child.
"""

from __future__ import annotations

import hashlib
import io
import json
import multiprocessing
import time
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from harbench.atomic import write_bytes_atomically
from harbench.datasets.locate import cache_dir
from harbench.errors import InputValidationError
from harbench.features.fresh_selection import relevant_features
from harbench.features.tsfresh_calculators import registry as fast_tsfresh
from harbench.parallel import worker_count

NAMED_PARAMETER_SETS = ("minimal", "efficient", "comprehensive")
CACHE_MIN_WINDOWS = 100
PARALLEL_MIN_WINDOWS = 50  # below this, starting worker processes costs more than it saves
FAST_CHUNK_SERIES = 8192  # series per call of the fast calculators (the ADF designs of 8,192 series take ~110 MB)


def resolve_parameters(parameters: str | dict) -> dict:
    """A tsfresh ``default_fc_parameters`` dict from a set name or a dict of calculators.

    Windows are indexed by sample number, so calculators that need a datetime index
    (``linear_trend_timewise``) are left out of a named set, as tsfresh itself skips them on
    such an index, and refused when a dict names them."""
    from tsfresh.feature_extraction import (
        ComprehensiveFCParameters,
        EfficientFCParameters,
        MinimalFCParameters,
        feature_calculators,
    )

    if isinstance(parameters, str):
        named = {"minimal": MinimalFCParameters, "efficient": EfficientFCParameters,
                 "comprehensive": ComprehensiveFCParameters}
        if parameters not in named:
            raise InputValidationError(f"Unknown tsfresh parameter set {parameters!r}; use one of "
                                       f"{', '.join(NAMED_PARAMETER_SETS)} or a dict of calculators.")
        return {name: values for name, values in named[parameters]().items() if not _needs_time_index(name)}
    if not isinstance(parameters, dict) or not parameters:
        raise InputValidationError(f"tsfresh parameters must be a set name or a non-empty dict, got {parameters!r}.")
    unknown = sorted(name for name in parameters if not hasattr(feature_calculators, name))
    if unknown:
        raise InputValidationError(f"tsfresh has no feature calculator(s) {unknown}.")
    time_indexed = sorted(name for name in parameters if _needs_time_index(name))
    if time_indexed:
        raise InputValidationError(f"tsfresh calculator(s) {time_indexed} need a datetime index; harbench windows "
                                   "are indexed by sample number. Remove them from the parameters.")
    return dict(parameters)


def check_parameters(parameters: str | dict) -> None:
    """Fail on an unknown set name or calculator, as `resolve_parameters` would. A known set
    name is accepted without importing tsfresh (seconds), so reading a suite stays cheap."""
    if not (isinstance(parameters, str) and parameters in NAMED_PARAMETER_SETS):
        resolve_parameters(parameters)


def _needs_time_index(calculator: str) -> bool:
    from tsfresh.feature_extraction import feature_calculators

    return getattr(getattr(feature_calculators, calculator), "index_type", None) is not None


def _distributor(n_workers: int):
    """tsfresh's multiprocessing distributor, on a ``forkserver`` pool (see the module docstring)."""
    from tsfresh.utilities.distribution import MultiprocessingDistributor, initialize_warnings_in_workers

    class ForkserverDistributor(MultiprocessingDistributor):
        def __init__(self) -> None:  # the parent's, with a pool that does not fork the caller
            self.pool = multiprocessing.get_context("forkserver").Pool(
                processes=n_workers, initializer=initialize_warnings_in_workers, initargs=(False,))
            self.n_workers = n_workers
            self.disable_progressbar = True
            self.progressbar_title = "Feature Extraction"

    return ForkserverDistributor()


def _long_format(X: np.ndarray, channels: Sequence[str]) -> pd.DataFrame:
    n, length, _ = X.shape
    frame = pd.DataFrame(X.reshape(n * length, -1), columns=list(channels))
    frame.insert(0, "time", np.tile(np.arange(length), n))
    frame.insert(0, "id", np.repeat(np.arange(n), length))
    return frame


class TsfreshFeatures(TransformerMixin, BaseEstimator):
    """tsfresh extraction (``parameters``: ``minimal``, ``efficient``, ``comprehensive`` or a
    calculator dict) and, with ``select``, FRESH selection at false discovery rate
    ``fdr_level``. ``n_jobs`` processes extract (-1: one per CPU); ``use_cache`` keeps
    extracted matrices in harbench's cache folder. After `fit`, ``extraction_seconds_`` is
    what extracting the training windows cost and ``extraction_cached_`` whether this fit
    read them from the cache. ``version`` is bumped whenever an extracted value, the feature
    list or the selection changes; it keys the cache and every result."""

    version: ClassVar[int] = 1

    def __init__(self, channels: Sequence[str], parameters: str | dict = "efficient", select: bool = True,
                 fdr_level: float = 0.05, n_jobs: int = -1, use_cache: bool = True) -> None:
        self.channels = channels
        self.parameters = parameters
        self.select = select
        self.fdr_level = fdr_level
        self.n_jobs = n_jobs
        self.use_cache = use_cache

    def fit(self, X: np.ndarray, y: np.ndarray) -> TsfreshFeatures:
        self._fit_frame(X, y)
        return self

    def fit_transform(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """`fit`, then the selected features of the same windows, extracted once."""
        return self._fit_frame(X, y)[self.feature_names_].to_numpy(dtype=np.float64)

    def _fit_frame(self, X: np.ndarray, y: np.ndarray) -> pd.DataFrame:
        """Fit imputation and selection; return the imputed training features."""
        features, self.extraction_seconds_, self.extraction_cached_ = self._extract(X)
        finite = np.where(np.isfinite(features.to_numpy()), features.to_numpy(), np.nan)
        defined = ~np.isnan(finite).all(axis=0)
        self.dropped_features_ = sorted(features.columns[~defined])
        self.imputed_columns_ = list(features.columns[defined])
        finite = finite[:, defined]
        self.column_min_, self.column_max_ = np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)
        self.column_median_ = np.nanmedian(finite, axis=0)
        features = self._impute(features[self.imputed_columns_])
        if self.select:
            relevant = relevant_features(features.to_numpy(), np.asarray(y), fdr_level=self.fdr_level)
            if not relevant.any():
                raise InputValidationError("tsfresh selected no relevant feature on the training windows; "
                                           "raise fdr_level or set select = false.")
            self.feature_names_ = list(features.columns[relevant])
        else:
            self.feature_names_ = list(features.columns)
        return features

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self._impute(self.extract(X)[self.imputed_columns_])[self.feature_names_].to_numpy(dtype=np.float64)

    def _impute(self, features: pd.DataFrame) -> pd.DataFrame:
        """tsfresh's range imputation (``impute_dataframe_range``) with the training columns'
        statistics: -inf -> min, +inf -> max, NaN -> median of the finite training values."""
        values = features.to_numpy(dtype=np.float64)
        values = np.where(np.isneginf(values), self.column_min_, values)
        values = np.where(np.isposinf(values), self.column_max_, values)
        values = np.where(np.isnan(values), self.column_median_, values)
        return pd.DataFrame(values, columns=features.columns, index=features.index)

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        return np.array(self.feature_names_, dtype=object)

    def extract(self, X: np.ndarray) -> pd.DataFrame:
        """All features of the parameter set for windows ``X`` (n, T, C), from the cache when there."""
        return self._extract(X)[0]

    def _extract(self, X: np.ndarray) -> tuple[pd.DataFrame, float, bool]:
        """(features, seconds the extraction took, whether they came from the cache)."""
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 3 or X.shape[2] != len(self.channels) or min(X.shape) == 0:
            raise InputValidationError(f"TsfreshFeatures expects windows (n, T, {len(self.channels)}); got {X.shape}.")
        path = self._cache_path(X)
        if path is not None and path.is_file():
            with np.load(path, allow_pickle=False) as stored:
                frame = pd.DataFrame(stored["values"], columns=stored["names"].tolist())
                return frame, float(stored["seconds"]), True
        start = time.perf_counter()
        features = self._calculate(X)
        seconds = time.perf_counter() - start
        if path is not None:
            buffer = io.BytesIO()
            np.savez(buffer, values=features.to_numpy(dtype=np.float64), names=np.array(features.columns, dtype=str),
                     seconds=seconds)
            write_bytes_atomically(path, buffer.getvalue())
        return features, seconds, False

    def _calculate(self, X: np.ndarray) -> pd.DataFrame:
        """Every feature of the parameter set, one row per window, columns sorted by name: the
        calculators `tsfresh_calculators` re-implements run vectorised, tsfresh extracts the others."""
        parameters = resolve_parameters(self.parameters)
        fast = {name: values for name, values in parameters.items() if fast_tsfresh.has_fast_version(name, values)}
        rest = {name: values for name, values in parameters.items() if name not in fast}
        frames = [self._fast_features(X, fast)]
        if rest:
            from tsfresh import extract_features

            workers = self._workers(len(X))
            frames.append(extract_features(
                _long_format(X, self.channels), column_id="id", column_sort="time", default_fc_parameters=rest,
                n_jobs=workers, distributor=_distributor(workers) if workers > 1 else None,
                disable_progressbar=True,
            ).sort_index())
        return pd.concat(frames, axis=1).sort_index(axis=1)

    def _fast_features(self, X: np.ndarray, parameters: dict) -> pd.DataFrame:
        """The vectorised (``tsfresh_calculators``) features of every channel, one row per window: the series of all
        channels go through each calculator together, in chunks of at most ``FAST_CHUNK_SERIES``
        (one call per calculator for a single window; bounded memory for a whole dataset)."""
        n, length, n_channels = X.shape
        series = X.transpose(2, 0, 1).reshape(n_channels * n, length)  # channel by channel, window by window
        chunks = []
        for start in range(0, len(series), FAST_CHUNK_SERIES):
            values = fast_tsfresh.extract(series[start:start + FAST_CHUNK_SERIES], parameters)
            names = list(values)
            chunks.append(np.column_stack([values[name] for name in names]))
        matrix = np.vstack(chunks).reshape(n_channels, n, len(names)).transpose(1, 0, 2).reshape(n, -1)
        columns = [f"{channel}__{name}" for channel in self.channels for name in names]
        return pd.DataFrame(matrix, columns=columns)

    def _workers(self, n_windows: int) -> int:
        if n_windows < PARALLEL_MIN_WINDOWS:
            return 0
        return worker_count(self.n_jobs)

    def _cache_path(self, X: np.ndarray) -> Path | None:
        if not self.use_cache or len(X) < CACHE_MIN_WINDOWS:
            return None
        from importlib.metadata import version

        parameters = resolve_parameters(self.parameters)
        digest = hashlib.sha256()
        key = {"shape": X.shape, "channels": list(self.channels), "tsfresh": version("tsfresh"),
               "parameters": parameters, "fast": sorted(fast_tsfresh.CALCULATORS), "version": self.version}
        digest.update(json.dumps(key, sort_keys=True, default=str).encode())
        digest.update(X.tobytes())
        return cache_dir() / "features" / "tsfresh" / f"{digest.hexdigest()[:32]}.npz"
