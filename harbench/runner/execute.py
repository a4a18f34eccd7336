"""Fit and evaluate one cell, measuring what it costs."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

from harbench.datasets.protocols import Split
from harbench.datasets.windowset import WindowSet
from harbench.models.base import WindowClassifier
from harbench.models.registry import PipelineContext, make_pipeline
from harbench.runner.cells import Cell
from harbench.runner.environment import environment

WARMUP_CALLS = 5
THROUGHPUT_BATCH = 256
THROUGHPUT_ROUNDS = 5


def context_of(windows: WindowSet) -> PipelineContext:
    return PipelineContext(fs=windows.fs, channels=windows.channels, units=windows.units)


def batch1_latency_ms(predict: Callable[[np.ndarray], object], X: np.ndarray, calls: int) -> float:
    """Median milliseconds of ``calls`` single-window calls of ``predict``, after a warm-up.

    Windows are taken from ``X`` in turn, so caches see varied input.
    """
    for index in range(WARMUP_CALLS):
        predict(X[index % len(X)][None])
    durations = np.empty(calls)
    for call in range(calls):
        window = X[call % len(X)][None]
        start = time.perf_counter()
        predict(window)
        durations[call] = time.perf_counter() - start
    return float(np.median(durations) * 1000)


def throughput_per_s(pipeline: WindowClassifier, X: np.ndarray, batch: int = THROUGHPUT_BATCH,
                     rounds: int = THROUGHPUT_ROUNDS) -> float:
    """Windows per second when predicting batches of ``batch`` windows (median of ``rounds``
    after one warm-up); windows are drawn from ``X`` in turn to fill the batch."""
    windows = X[np.arange(batch) % len(X)]
    pipeline.predict(windows)
    durations = np.empty(rounds)
    for round_ in range(rounds):
        start = time.perf_counter()
        pipeline.predict(windows)
        durations[round_] = time.perf_counter() - start
    return float(batch / np.median(durations))


def fit_on_split(pipeline_id: str, seed: int, pipeline_config: dict, windows: WindowSet,
                 split: Split) -> tuple[WindowClassifier, np.ndarray, float]:
    """The pipeline fitted on ``split``'s training side, the indices it was trained on, and the
    seconds fitting took. A pipeline that uses no validation data (no early stopping or model
    selection) is trained on the training and validation subjects together."""
    pipeline = make_pipeline(pipeline_id, context_of(windows), seed, pipeline_config)
    if pipeline.uses_validation:
        train, fit_validation = split.train, (windows.X[split.val], windows.y[split.val])
    else:
        train, fit_validation = np.sort(np.concatenate([split.train, split.val])), (None, None)
    start = time.perf_counter()
    pipeline.fit(windows.X[train], windows.y[train], *fit_validation, groups=windows.subjects[train])
    return pipeline, train, time.perf_counter() - start


def run_cell(cell: Cell, pipeline_config: dict, windows: WindowSet, split: Split, latency_calls: int,
             executor: str = "in-process") -> dict:
    """Train ``cell``'s pipeline on its fold (`fit_on_split`), test it, and return the result record."""
    pipeline, train, fit_s = fit_on_split(cell.pipeline, cell.seed, pipeline_config, windows, split)
    X_test, y_test = windows.X[split.test], windows.y[split.test]
    start = time.perf_counter()
    y_pred = pipeline.predict(X_test)
    predict_s = time.perf_counter() - start
    pipeline.set_feature_cache(False)  # cost figures measure computing the features, not reading them back
    latency_ms = batch1_latency_ms(pipeline.predict, X_test, latency_calls)
    throughput = throughput_per_s(pipeline, X_test)

    labels = np.arange(len(windows.classes))
    per_class_f1 = f1_score(y_test, y_pred, labels=labels, average=None, zero_division=0)
    record = {
        "key": cell.key, "dataset": cell.dataset, "dataset_fingerprint": cell.dataset_fingerprint,
        "windowing": cell.windowing, "protocol": cell.protocol["name"], "protocol_config": cell.protocol,
        "fold": cell.fold, "pipeline": cell.pipeline, "family": pipeline.family, "seed": cell.seed,
        "config": cell.config, "trained_on": "train" if pipeline.uses_validation else "train+val",
        "n_train": len(train), "n_val": len(split.val) if pipeline.uses_validation else 0,
        "n_test": len(split.test),
        "accuracy": float(accuracy_score(y_test, y_pred)),
        "macro_f1": float(f1_score(y_test, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class_f1": dict(zip(windows.classes, map(float, per_class_f1), strict=True)),
        "confusion_matrix": confusion_matrix(y_test, y_pred, labels=labels).tolist(),
        "fit_s": fit_s, "feature_s": getattr(pipeline, "feature_seconds_", None),
        "features_cached": getattr(pipeline, "features_cached_", None), "predict_s": predict_s,
        "latency_ms": latency_ms, "latency_calls": latency_calls, "throughput_per_s": throughput,
        "model_bytes": pipeline.serialized_size(),
        "epochs_run": getattr(pipeline, "epochs_run_", None),
        "n_parameters": getattr(pipeline, "n_parameters_", None),
        "n_features": getattr(pipeline, "n_features_", None),
        "best_params": getattr(pipeline, "best_params_", None),
        "history": getattr(pipeline, "history_", None),
        "environment": environment(executor),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return record
