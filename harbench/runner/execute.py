"""Fit and evaluate one cell, measuring what it costs.

Timings follow one rule each, the same for every learner:

- *fit s*: `fit` on the training windows, feature extraction included; one-off costs of the
  process (importing a framework, compiling numba or XLA kernels on first use) are paid
  beforehand by a warm-up fit on a few training windows (`warm_up`) and recorded apart as
  ``one_off_s``, so they are not charged to whichever cell happens to run first.
- *predict s*: `predict` on every test window with feature caches off, so it measures
  computing the features, never reading them back.
- *latency ms* and *windows/s*: single-threaded (BLAS/OpenMP pools limited to one thread and
  the pipeline's own workers set to one), after warm-up calls; a deep-learning framework's
  own thread pool is fixed when it starts and is recorded in the result's ``compute``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from threadpoolctl import threadpool_limits

from harbench.datasets.protocols import Split
from harbench.datasets.windowset import WindowSet
from harbench.models.base import WindowClassifier
from harbench.models.deep.checkpoint import STATE_VERSION, training_checkpoints
from harbench.models.registry import PipelineContext, make_pipeline
from harbench.models.representation import Layout
from harbench.robustness.perturbations import perturb
from harbench.runner.cells import Cell
from harbench.runner.environment import environment, git_state
from harbench.runner.predictions import Predictions

WARMUP_CALLS = 5
THROUGHPUT_BATCH = 256
THROUGHPUT_ROUNDS = 5
WARMUP_WINDOWS_PER_CLASS = 12
_WARMED_UP: set[str] = set()  # pipelines whose one-off costs this process has paid


@dataclass(frozen=True)
class CellResult:
    """What computing a cell gives: its record (metrics, timings, provenance), its per-window
    predictions, and the results of its robustness cells (the same model on perturbed test
    windows)."""

    record: dict
    predictions: Predictions
    perturbed: tuple[CellResult, ...] = ()


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


def single_threaded_costs(pipeline: WindowClassifier, X: np.ndarray, latency_calls: int) -> tuple[float, float]:
    """Batch-1 latency (ms) and throughput (windows/s) of ``pipeline`` on ``X`` with one thread."""
    pipeline.set_prediction_jobs(1)
    with threadpool_limits(limits=1):
        return batch1_latency_ms(pipeline.predict, X, latency_calls), throughput_per_s(pipeline, X)


def training_sides(pipeline: WindowClassifier, split: Split) -> tuple[np.ndarray, np.ndarray | None]:
    """The windows ``pipeline.fit`` gets as training and as validation data: a pipeline that
    uses validation data (early stopping, model selection) gets the validation subjects apart,
    the others get them with the training subjects. Never a test window."""
    if pipeline.uses_validation:
        return split.train, split.val
    return np.sort(np.concatenate([split.train, split.val])), None


def fit_on_split(pipeline_id: str, seed: int, pipeline_config: dict, windows: WindowSet,
                 split: Split) -> tuple[WindowClassifier, np.ndarray, float]:
    """The pipeline fitted on ``split``'s training side (`training_sides`), the indices it was
    given as training windows, and the seconds fitting took."""
    pipeline = make_pipeline(pipeline_id, context_of(windows), seed, pipeline_config)
    train, val = training_sides(pipeline, split)
    fit_validation = (windows.X[val], windows.y[val]) if val is not None else (None, None)
    start = time.perf_counter()
    pipeline.fit(windows.X[train], windows.y[train], *fit_validation, groups=windows.subjects[train])
    return pipeline, train, time.perf_counter() - start


def warm_up_windows(windows: WindowSet, indices: np.ndarray) -> np.ndarray:
    """Up to `WARMUP_WINDOWS_PER_CLASS` of ``indices`` per class, spread evenly over each
    class's windows (and so over its subjects)."""
    chosen = []
    for label in np.unique(windows.y[indices]):
        members = indices[windows.y[indices] == label]
        spread = np.linspace(0, len(members) - 1, min(len(members), WARMUP_WINDOWS_PER_CLASS)).round()
        chosen.append(members[spread.astype(int)])
    return np.sort(np.concatenate(chosen))


def warm_up(pipeline_id: str, seed: int, pipeline_config: dict, windows: WindowSet, split: Split) -> float | None:
    """Pay ``pipeline_id``'s one-off costs in this process (imports, kernel compilation) with a
    fit and a prediction on a few training windows, once per process; the seconds it took, or
    None when this process already did. A training budget (``max_epochs``) is cut to one epoch
    and a search (``search_grid``, ``feature_grid``) to the first value of each parameter: the
    costs paid once are the same, without the search's many fits."""
    if pipeline_id in _WARMED_UP:
        return None
    start = time.perf_counter()
    pipeline = make_pipeline(pipeline_id, context_of(windows), seed, pipeline_config)
    params = pipeline.get_params()
    if "max_epochs" in params:
        pipeline.set_params(max_epochs=1)
    for grid in ("search_grid", "feature_grid"):
        if params.get(grid):
            pipeline.set_params(**{grid: {name: values[:1] for name, values in params[grid].items()}})
    train, val = training_sides(pipeline, split)
    train = warm_up_windows(windows, train)
    fit_validation = (None, None)
    if val is not None:
        val = warm_up_windows(windows, val)
        fit_validation = (windows.X[val], windows.y[val])
    pipeline.fit(windows.X[train], windows.y[train], *fit_validation, groups=windows.subjects[train])
    pipeline.predict(windows.X[train[:1]])
    _WARMED_UP.add(pipeline_id)
    return time.perf_counter() - start


def trained_on(pipeline: WindowClassifier) -> str:
    """Which subjects the final model was trained on: ``train+val`` for a learner that does not
    use validation data or that refitted on it after selecting on it, else ``train``."""
    refitted = bool(getattr(pipeline, "refit_on_validation_", False))
    return "train+val" if refitted or not pipeline.uses_validation else "train"


def scores(windows: WindowSet, y_test: np.ndarray, y_pred: np.ndarray) -> dict:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix of ``y_pred``."""
    labels = np.arange(len(windows.classes))
    per_class_f1 = f1_score(y_test, y_pred, labels=labels, average=None, zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_test, y_pred)),
        "macro_f1": float(f1_score(y_test, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class_f1": dict(zip(windows.classes, map(float, per_class_f1), strict=True)),
        "confusion_matrix": confusion_matrix(y_test, y_pred, labels=labels).tolist(),
    }


def predict_with_probabilities(pipeline: WindowClassifier, X: np.ndarray) -> tuple[np.ndarray, np.ndarray | None,
                                                                                   float]:
    """Predicted classes of ``X``, their probabilities (float32; None for a model without them)
    and the seconds `predict` took."""
    start = time.perf_counter()
    y_pred = pipeline.predict(X)
    predict_s = time.perf_counter() - start
    proba = pipeline.predict_proba(X).astype(np.float32) if pipeline.gives_probabilities() else None
    return y_pred, proba, predict_s


def test_predictions(windows: WindowSet, split: Split, y_pred: np.ndarray, proba: np.ndarray | None) -> Predictions:
    """The per-window predictions of ``split``'s test windows, as a cell stores them."""
    return Predictions(test_index=np.asarray(split.test), subjects=windows.subjects[split.test],
                       y_true=windows.y[split.test], y_pred=y_pred, proba=proba)


def training_identity(cell: Cell) -> dict:
    """The identity under which ``cell`` saves its training state and which a saved state must
    have to be resumed (`harbench.models.deep.checkpoint`): the cell's key (as for reusing a
    stored cell) and the state format, with the label, dataset and protocol that `harbench prune`
    and the logs name it by."""
    return {"key": cell.key, "state_version": STATE_VERSION, "cell": cell.label(),
            "dataset": cell.dataset, "protocol": cell.protocol}


def run_cell(cell: Cell, pipeline_config: dict, windows: WindowSet, split: Split, latency_calls: int,
             executor: str = "in-process", perturbed: tuple[Cell, ...] = (),
             checkpoints: Path | None = None) -> CellResult:
    """Train ``cell``'s pipeline on its fold (`fit_on_split`), test it, and return its record
    and per-window predictions (timings as the module docstring says), with the results of the
    ``perturbed`` robustness cells (`score_perturbed`). ``load_average`` records the machine's
    1-minute load average when the cell starts and when it ends: above the available CPUs,
    other work shared the machine and the timings are inflated.

    With ``checkpoints`` (a folder) and a clean checkout, the fit is resumable
    (`harbench.models.deep.checkpoint`): a deep learner saves its training state in
    ``checkpoints/<cell key>`` and resumes from what an interrupted run of the same cell (the
    same key, as for reusing a stored cell; possibly at an earlier clean commit) saved there.
    ``fit_s`` then adds the training seconds of the earlier runs, and ``training_checkpoint``
    records how many epochs were resumed and the commits that saved them (None for a fit from
    nothing)."""
    load_before = os.getloadavg()[0]
    one_off_s = warm_up(cell.pipeline, cell.seed, pipeline_config, windows, split)
    source = git_state()
    with contextlib.ExitStack() as stack:
        checkpoint = None
        if checkpoints is not None and source.clean is True:
            checkpoint = stack.enter_context(training_checkpoints(Path(checkpoints) / cell.key, training_identity(cell),
                                                                  writer=source.commit))
        pipeline, train, fit_s = fit_on_split(cell.pipeline, cell.seed, pipeline_config, windows, split)
    resumed = checkpoint is not None and (checkpoint.resumed_epochs > 0 or checkpoint.discarded is not None)
    if checkpoint is not None:
        fit_s += checkpoint.seconds_before
    X_test, y_test = windows.X[split.test], windows.y[split.test]
    pipeline.set_feature_cache(False)  # cost figures measure computing the features, not reading them back
    y_pred, proba, predict_s = predict_with_probabilities(pipeline, X_test)
    latency_ms, throughput = single_threaded_costs(pipeline, X_test, latency_calls)

    environment_now = environment(executor)
    record = {
        "key": cell.key, "dataset": cell.dataset, "dataset_fingerprint": cell.dataset_fingerprint,
        "windowing": cell.windowing, "protocol": cell.protocol["name"], "protocol_config": cell.protocol,
        "fold": cell.fold, "pipeline": cell.pipeline, "family": pipeline.family, "seed": cell.seed,
        "config": cell.config, "trained_on": trained_on(pipeline),
        "n_train": len(train), "n_val": len(split.val) if pipeline.uses_validation else 0,
        "n_test": len(split.test),
        **scores(windows, y_test, y_pred),
        "fit_s": fit_s, "training_checkpoint": {
            "resumed_epochs": checkpoint.resumed_epochs, "seconds_before": checkpoint.seconds_before,
            "saved_at_commits": checkpoint.resumed_writers, "discarded": checkpoint.discarded} if resumed else None,
        "one_off_s": one_off_s, "load_average": [load_before, os.getloadavg()[0]],
        "feature_s": getattr(pipeline, "feature_seconds_", None),
        "features_cached": getattr(pipeline, "features_cached_", None), "predict_s": predict_s,
        "latency_ms": latency_ms, "latency_calls": latency_calls, "throughput_per_s": throughput,
        "model_bytes": pipeline.serialized_size(),
        "epochs_run": getattr(pipeline, "epochs_run_", None),
        "selected_epochs": getattr(pipeline, "selected_epochs_", None),
        "n_parameters": getattr(pipeline, "n_parameters_", None),
        "n_features": getattr(pipeline, "n_features_", None),
        "best_params": getattr(pipeline, "best_params_", None),
        "history": getattr(pipeline, "history_", None),
        "provenance": {"git_commit": environment_now["git_commit"], "tree_clean": environment_now["git_clean"],
                       "components": cell.components, "evaluation": cell.evaluation, "compute": cell.compute},
        "environment": environment_now,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return CellResult(record, test_predictions(windows, split, y_pred, proba),
                      tuple(score_perturbed(robustness, pipeline, windows, split, record) for robustness in perturbed))


def score_perturbed(cell: Cell, pipeline: WindowClassifier, windows: WindowSet, split: Split,
                    clean: dict) -> CellResult:
    """The result of robustness cell ``cell``: ``pipeline`` (fitted for the clean cell whose
    record is ``clean``) scored on the fold's test windows perturbed as ``cell.perturbation``
    says (`harbench.robustness.perturbations.perturb`; the recording of each window keys the
    per-recording draws). ``clean_accuracy`` and ``clean_macro_f1`` are that same model's on the
    clean test windows, so a drop never compares two fits."""
    perturbation = cell.perturbation
    X_test = perturb(perturbation["name"], windows.X[split.test], Layout(windows.fs, windows.channels, windows.units),
                     windows.sessions[split.test], perturbation["severity"], perturbation["seed"])
    y_test = windows.y[split.test]
    y_pred, proba, predict_s = predict_with_probabilities(pipeline, X_test)
    identity = ("dataset", "dataset_fingerprint", "windowing", "protocol", "protocol_config", "fold", "pipeline",
                "family", "seed", "config", "trained_on", "n_train", "n_val", "n_test", "provenance", "environment")
    record = {
        **{field: clean[field] for field in identity},
        "key": cell.key, "clean_key": clean["key"], "perturbation": perturbation,
        "clean_accuracy": clean["accuracy"], "clean_macro_f1": clean["macro_f1"],
        **scores(windows, y_test, y_pred), "predict_s": predict_s,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    return CellResult(record, test_predictions(windows, split, y_pred, proba))
