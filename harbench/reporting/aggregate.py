"""From scored cell records to the per-cell and per-pipeline tables of the CSV contract.

The records' metrics are those recomputed from the stored predictions
(`harbench.reporting.metrics.score_record`). Columns are only ever added at the end, so
readers of older tables keep working. ``accuracy_std`` and ``macro_f1_std`` are the sample
standard deviations over all runs (folds x seeds pooled), kept for that contract; the page
shows the spread over seeds and over folds separately (``*_std_seeds``, ``*_std_folds``).
"""

from __future__ import annotations

import pandas as pd

RUN_COLUMNS = [
    "dataset", "protocol", "fold", "pipeline", "family", "seed", "accuracy", "macro_f1", "fit_s", "feature_s",
    "predict_s", "latency_ms", "throughput_per_s", "model_bytes", "n_train", "n_val", "n_test", "trained_on",
    "epochs_run", "n_parameters", "n_features", "dataset_fingerprint", "key",
]
# added with per-window predictions and provenance, after fit_with_features_s
NEW_RUN_COLUMNS = ["balanced_accuracy", "log_loss", "ece", "one_off_s", "git_commit", "tree_clean"]
SUMMARY_COLUMNS = [
    "dataset", "protocol", "pipeline", "family", "n_runs", "accuracy_mean", "accuracy_std", "macro_f1_mean",
    "macro_f1_std", "fit_s_median", "predict_s_median", "latency_ms_median", "feature_s_median", "n_features",
    "epochs_median", "throughput_per_s_median", "model_bytes_median", "n_parameters", "fit_with_features_s_median",
    "balanced_accuracy_mean", "log_loss_mean", "ece_mean", "n_folds", "n_seeds", "accuracy_std_seeds",
    "accuracy_std_folds", "macro_f1_std_seeds", "macro_f1_std_folds", "accuracy_pooled", "accuracy_ci_low",
    "accuracy_ci_high", "macro_f1_pooled", "macro_f1_ci_low", "macro_f1_ci_high", "trained_on", "dirty_runs",
]
KEYS = ["dataset", "protocol", "pipeline"]


def fit_with_features_s(record: dict) -> float:
    """Fit seconds including feature extraction, also for a run that read its features from
    the cache (whose measured fit time then excludes it)."""
    cached_extraction = (record.get("feature_s") or 0.0) if record.get("features_cached") else 0.0
    return record["fit_s"] + cached_extraction


def _provenance(record: dict) -> dict:
    provenance = record.get("provenance") or {}
    return {"git_commit": provenance.get("git_commit"), "tree_clean": provenance.get("tree_clean")}


def runs_table(records: list[dict]) -> pd.DataFrame:
    """One row per cell with every metric and timing (``<suite>.runs.csv``); ``records`` scored
    from their predictions. ``log_loss`` and ``ece`` are empty for a model without class
    probabilities; ``git_commit`` and ``tree_clean`` come from the record's provenance."""
    table = pd.DataFrame([{**{column: record.get(column) for column in RUN_COLUMNS},
                           "fit_with_features_s": fit_with_features_s(record),
                           **{column: record.get(column) for column in NEW_RUN_COLUMNS}, **_provenance(record)}
                          for record in records],
                         columns=[*RUN_COLUMNS, "fit_with_features_s", *NEW_RUN_COLUMNS])
    for column in ("balanced_accuracy", "log_loss", "ece", "one_off_s"):
        table[column] = pd.to_numeric(table[column])
    return table.sort_values(["dataset", "protocol", "pipeline", "fold", "seed"], kind="stable", ignore_index=True)


def seed_and_fold_spread(runs: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Per pipeline, ``<metric>_std_seeds``: the sample standard deviation over seeds within a
    fold, averaged over folds; ``<metric>_std_folds``: the sample standard deviation over folds
    of each fold's mean over seeds. Never pooled; empty with one seed or one fold."""
    per_fold = runs.groupby([*KEYS, "fold"], sort=False)[metric].agg(["mean", "std"]).reset_index()
    spread = per_fold.groupby(KEYS, sort=False).agg(seeds=("std", "mean"), folds=("mean", "std"))
    return spread.rename(columns={"seeds": f"{metric}_std_seeds", "folds": f"{metric}_std_folds"}).reset_index()


def _joined(values: pd.Series) -> str:
    return ", ".join(sorted({str(value) for value in values if value is not None and not pd.isna(value)}))


def _dirty(clean: pd.Series) -> int:
    """How many runs were computed on a working tree with uncommitted changes (unknown: not counted)."""
    return sum(1 for value in clean if value is not None and not pd.isna(value) and not bool(value))


def summary_table(runs: pd.DataFrame, intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Mean and sample standard deviation over folds x seeds, median timings (``<suite>.csv``),
    the spread over seeds and over folds (`seed_and_fold_spread`), and the subject-bootstrap
    intervals of ``intervals`` (rows keyed by dataset, protocol and pipeline; empty without).

    The standard deviation of a single run is undefined and left empty, as are feature time
    and count for pipelines without a feature set, epochs and parameter counts for those that
    are not networks, log-loss and ECE for models without probabilities, and any cost figure
    that the stored runs predate.
    """
    grouped = runs.groupby(["dataset", "protocol", "pipeline", "family"], sort=False)
    summary = grouped.agg(
        n_runs=("accuracy", "size"), accuracy_mean=("accuracy", "mean"), accuracy_std=("accuracy", "std"),
        macro_f1_mean=("macro_f1", "mean"), macro_f1_std=("macro_f1", "std"), fit_s_median=("fit_s", "median"),
        predict_s_median=("predict_s", "median"), latency_ms_median=("latency_ms", "median"),
        feature_s_median=("feature_s", "median"), n_features=("n_features", "median"),
        epochs_median=("epochs_run", "median"), throughput_per_s_median=("throughput_per_s", "median"),
        model_bytes_median=("model_bytes", "median"), n_parameters=("n_parameters", "median"),
        fit_with_features_s_median=("fit_with_features_s", "median"),
        balanced_accuracy_mean=("balanced_accuracy", "mean"), log_loss_mean=("log_loss", "mean"),
        ece_mean=("ece", "mean"), n_folds=("fold", "nunique"), n_seeds=("seed", "nunique"),
        trained_on=("trained_on", _joined), dirty_runs=("tree_clean", _dirty),
    ).reset_index()
    for metric in ("accuracy", "macro_f1"):
        summary = summary.merge(seed_and_fold_spread(runs, metric), on=KEYS, how="left")
    if intervals is not None and not intervals.empty:
        summary = summary.merge(intervals, on=KEYS, how="left")
    summary = summary.reindex(columns=[*summary.columns, *(c for c in SUMMARY_COLUMNS if c not in summary.columns)])
    summary = summary.sort_values(["dataset", "protocol", "accuracy_mean"], ascending=[True, True, False],
                                  ignore_index=True)
    return summary[SUMMARY_COLUMNS]


def per_class_f1(records: list[dict], pipelines: list[str], classes: list[str]) -> pd.DataFrame:
    """Mean F1 of each class over each pipeline's runs: rows ``pipelines``, columns ``classes``."""
    table = pd.DataFrame([{"pipeline": record["pipeline"], **record["per_class_f1"]} for record in records])
    return table.groupby("pipeline", sort=False).mean().loc[pipelines, classes]
