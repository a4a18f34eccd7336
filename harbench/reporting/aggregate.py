"""From stored cell records to the per-cell and per-pipeline tables of the CSV contract."""

from __future__ import annotations

import pandas as pd

RUN_COLUMNS = [
    "dataset", "protocol", "fold", "pipeline", "family", "seed", "accuracy", "macro_f1", "fit_s", "feature_s",
    "predict_s", "latency_ms", "throughput_per_s", "model_bytes", "n_train", "n_val", "n_test", "trained_on",
    "epochs_run", "n_parameters", "n_features", "dataset_fingerprint", "key",
]
SUMMARY_COLUMNS = [
    "dataset", "protocol", "pipeline", "family", "n_runs", "accuracy_mean", "accuracy_std", "macro_f1_mean",
    "macro_f1_std", "fit_s_median", "predict_s_median", "latency_ms_median", "feature_s_median", "n_features",
    "epochs_median", "throughput_per_s_median", "model_bytes_median", "n_parameters", "fit_with_features_s_median",
]


def fit_with_features_s(record: dict) -> float:
    """Fit seconds including feature extraction, also for a run that read its features from
    the cache (whose measured fit time then excludes it)."""
    cached_extraction = (record.get("feature_s") or 0.0) if record.get("features_cached") else 0.0
    return record["fit_s"] + cached_extraction


def runs_table(records: list[dict]) -> pd.DataFrame:
    """One row per cell with every metric and timing (``<suite>.runs.csv``)."""
    table = pd.DataFrame([{**{column: record.get(column) for column in RUN_COLUMNS},
                           "fit_with_features_s": fit_with_features_s(record)} for record in records],
                         columns=[*RUN_COLUMNS, "fit_with_features_s"])
    return table.sort_values(["dataset", "protocol", "pipeline", "fold", "seed"], kind="stable", ignore_index=True)


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and sample standard deviation over folds x seeds, median timings (``<suite>.csv``).

    The standard deviation of a single run is undefined and left empty, as are feature time
    and count for pipelines without a feature set, epochs and parameter counts for those that
    are not networks, and any cost figure that the stored runs predate.
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
    ).reset_index()
    summary = summary.sort_values(["dataset", "protocol", "accuracy_mean"], ascending=[True, True, False],
                                  ignore_index=True)
    return summary[SUMMARY_COLUMNS]


def per_class_f1(records: list[dict], pipelines: list[str], classes: list[str]) -> pd.DataFrame:
    """Mean F1 of each class over each pipeline's runs: rows ``pipelines``, columns ``classes``."""
    table = pd.DataFrame([{"pipeline": record["pipeline"], **record["per_class_f1"]} for record in records])
    return table.groupby("pipeline", sort=False).mean().loc[pipelines, classes]
