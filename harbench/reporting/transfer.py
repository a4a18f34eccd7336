"""The transfer part of a report on a combined dataset (protocol ``cross_dataset``): each
pipeline trained on one dataset's training subjects and scored, from the same fit's stored
per-window predictions, on that dataset's test subjects (in-dataset) and on every other
dataset's test subjects (transfer), with the calibration on each."""

from __future__ import annotations

import numpy as np
import pandas as pd

from harbench.reporting.markdown import table
from harbench.reporting.metrics import cell_metrics
from harbench.runner.predictions import Predictions


def _part(predictions: Predictions, keep: np.ndarray) -> Predictions:
    return Predictions(test_index=predictions.test_index[keep], subjects=predictions.subjects[keep],
                       y_true=predictions.y_true[keep], y_pred=predictions.y_pred[keep],
                       proba=None if predictions.proba is None else predictions.proba[keep])


def transfer_runs(records: list[dict], predictions: dict[str, Predictions], domains: dict[str, list[int]],
                  n_classes: int) -> pd.DataFrame:
    """One row per cell and test dataset: the source dataset (the fold's), the target dataset,
    and accuracy, macro-F1 and ECE on the target's test subjects."""
    sources = list(domains)
    rows = []
    for record in records:
        cell = predictions[record["key"]]
        for target, subjects in domains.items():
            metrics = cell_metrics(_part(cell, np.isin(cell.subjects, subjects)), n_classes)
            rows.append({"pipeline": record["pipeline"], "family": record["family"], "seed": record["seed"],
                         "source": sources[record["fold"]], "target": target, "accuracy": metrics["accuracy"],
                         "macro_f1": metrics["macro_f1"], "ece": metrics["ece"]})
    return pd.DataFrame(rows)


def transfer_lines(runs: pd.DataFrame, pipelines: list[str], sources: list[str]) -> list[str]:
    """Tables of accuracy (in-dataset and transfer, with the drop) and of ECE, per pipeline,
    the datasets in the order of ``sources``."""
    means = runs.groupby(["pipeline", "family", "source", "target"], sort=False)[["accuracy", "macro_f1", "ece"]]
    means = means.mean().reset_index().set_index(["pipeline", "source", "target"])
    pairs = [(source, target) for source in sources for target in sources]
    families = runs.drop_duplicates("pipeline").set_index("pipeline")["family"]
    rows, ece_rows = [], []
    for pipeline in pipelines:
        accuracy = []
        for source in sources:
            within = means.loc[(pipeline, source, source), "accuracy"]
            accuracy.append(f"{within:.4f}")
            for target in sources:
                if target != source:
                    across = means.loc[(pipeline, source, target), "accuracy"]
                    accuracy.append(f"{across:.4f} ({across - within:+.4f})")
        rows.append([f"`{pipeline}`", families[pipeline], *accuracy])
        ece = [means.loc[(pipeline, *pair), "ece"] for pair in pairs]
        if not any(pd.isna(value) for value in ece):
            ece_rows.append([f"`{pipeline}`", *(f"{value:.4f}" for value in ece)])
    header = [label for source in sources for label in
              [f"{source} → {source}", *(f"{source} → {target}" for target in sources if target != source)]]
    lines = ["Each model is trained on one dataset's training subjects and scored on the test subjects of both "
             "datasets (one fit: `source → source` is its in-dataset accuracy, `source → target` its transfer "
             "accuracy, in brackets the change from in-dataset). Means over seeds.", "",
             table(["pipeline", "family", *header], rows, "ll" + "r" * len(header)), ""]
    if ece_rows:
        lines += ["Calibration under the shift to the other dataset: expected calibration error (15 equal-width "
                  "bins) of the same predictions; pipelines without class probabilities are left out.", "",
                  table(["pipeline", *(f"{source} → {target}" for source, target in pairs)], ece_rows,
                        "l" + "r" * len(pairs)), ""]
    return lines
