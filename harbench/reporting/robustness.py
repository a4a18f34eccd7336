"""The robustness part of a report: every pipeline's accuracy and calibration on the
perturbed test sets of a robustness suite (`harbench.robustness.perturbations`), next to the
same fitted model's on the clean test set.

A drop is the clean accuracy minus the perturbed accuracy of one fitted model (one fold and
seed), averaged over folds and seeds, so it never compares two fits. The most robust pipeline
of a family is the one with the smallest mean drop over every perturbation and severity the
suite scores (ties broken by the higher mean perturbed accuracy): robustness to the shifts, not
clean accuracy, which the results table already ranks.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from harbench.reporting.figures import accuracy_under_perturbation, save
from harbench.reporting.markdown import table
from harbench.robustness.perturbations import get_perturbation

_KEYS = ["dataset", "protocol", "pipeline", "family"]


def robustness_runs(perturbed: list[dict], clean: dict[str, dict]) -> pd.DataFrame:
    """One row per robustness cell from its scored record (``perturbed``) and its clean cell's
    scored record (``clean``, by key): accuracy, its drop, macro-F1 and ECE, perturbed and clean."""
    rows = []
    for record in perturbed:
        reference = clean[record["clean_key"]]
        rows.append({**{key: record[key] for key in _KEYS}, "fold": record["fold"], "seed": record["seed"],
                     "perturbation": record["perturbation"]["name"], "severity": record["perturbation"]["severity"],
                     "accuracy": record["accuracy"], "clean_accuracy": record["clean_accuracy"],
                     "drop": record["clean_accuracy"] - record["accuracy"], "macro_f1": record["macro_f1"],
                     "ece": record["ece"], "clean_ece": reference["ece"],
                     "stored_clean_accuracy": reference["accuracy"], "cpu": record["environment"]["cpu"],
                     "stored_cpu": reference["environment"]["cpu"]})
    return pd.DataFrame(rows)


def refit_lines(runs: pd.DataFrame) -> list[str]:
    """A note on the models whose refit for the perturbations (same code, seed and data) came
    out other than the stored clean result, as one may on another processor."""
    differing = runs[runs["clean_accuracy"] != runs["stored_clean_accuracy"]]
    if differing.empty:
        return []
    models = differing.drop_duplicates(["pipeline", "fold", "seed"]).groupby("pipeline", sort=False).agg(
        here=("clean_accuracy", "mean"), stored=("stored_clean_accuracy", "mean"))
    named = ", ".join(f"`{pipeline}` ({row.here:.4f} here, {row.stored:.4f} above)"
                      for pipeline, row in models.iterrows())
    return [f"Refitted models that differ from the stored clean results: {named}, clean accuracy. They were fitted "
            f"again for the perturbations on {', '.join(sorted(set(differing['cpu'])))}, the results above on "
            f"{', '.join(sorted(set(differing['stored_cpu'])))}, with the same code, seed and data: the "
            "kernels a deep-learning framework or a BLAS picks depend on the processor. Their drops are measured "
            "against the refitted model's own clean accuracy; their clean ECE is the stored result's.", ""]


def robustness_summary(runs: pd.DataFrame) -> pd.DataFrame:
    """Means over folds and seeds per pipeline, perturbation and severity."""
    grouped = runs.groupby([*_KEYS, "perturbation", "severity"], sort=False, dropna=False)
    return grouped.agg(n_runs=("accuracy", "size"), accuracy_mean=("accuracy", "mean"),
                       clean_accuracy_mean=("clean_accuracy", "mean"), drop_mean=("drop", "mean"),
                       macro_f1_mean=("macro_f1", "mean"), ece_mean=("ece", "mean"),
                       clean_ece_mean=("clean_ece", "mean")).reset_index()


def most_robust(summary: pd.DataFrame) -> pd.DataFrame:
    """Per dataset, protocol and family, the pipeline with the smallest mean drop over every
    perturbation and severity (ties: the higher mean perturbed accuracy)."""
    overall = summary.groupby(_KEYS, sort=False).agg(drop=("drop_mean", "mean"),
                                                     accuracy=("accuracy_mean", "mean")).reset_index()
    ordered = overall.sort_values(["drop", "accuracy"], ascending=[True, False], kind="stable")
    return ordered.groupby(["dataset", "protocol", "family"], sort=False).head(1).reset_index(drop=True)


def robustness_figures(summary: pd.DataFrame, perturbations: dict[str, tuple], folder: Path,
                       stem: str) -> list[tuple[str, Path]]:
    """One accuracy-against-severity figure per perturbation (a line per pipeline)."""
    figures = []
    for name, severities in perturbations.items():
        part = summary[summary["perturbation"] == name]
        by_pipeline = part.groupby(["pipeline", "family"], sort=False)
        pipelines = [pipeline for pipeline, _ in by_pipeline.groups]
        families = [family for _, family in by_pipeline.groups]
        clean = [group["clean_accuracy_mean"].mean() for _, group in by_pipeline]
        accuracy = [[group.set_index("severity").loc[severity, "accuracy_mean"] for severity in severities]
                    for _, group in by_pipeline]
        fig, _ = accuracy_under_perturbation(pipelines, families, [str(severity) for severity in severities],
                                             clean, accuracy, f"{name} ({get_perturbation(name).severity})")
        figures.append((f"Accuracy under {name}", save(fig, folder / f"{stem}-robustness-{name}.png")))
    return figures


def robustness_lines(summary: pd.DataFrame, perturbations: dict[str, tuple], seed: int) -> list[str]:
    """The page's robustness section for one (dataset, protocol) block of ``summary``."""
    lines = [f"Each model trained on the clean training fold is scored on its test windows perturbed by each "
             f"perturbation at each severity (perturbation seed {seed}; `harbench/robustness/perturbations.py` "
             "gives each formula). Cells: mean accuracy over folds and seeds, and in brackets its change from the "
             "same models' clean accuracy.", ""]
    pipelines = list(dict.fromkeys(summary["pipeline"]))
    for name, severities in perturbations.items():
        part = summary[summary["perturbation"] == name].set_index(["pipeline", "severity"])
        rows = []
        for pipeline in pipelines:
            first = part.loc[(pipeline, severities[0])]
            cells = (part.loc[(pipeline, severity)] for severity in severities)
            rows.append([f"`{pipeline}`", first["family"], f"{first['clean_accuracy_mean']:.4f}",
                         *(f"{cell['accuracy_mean']:.4f} ({-cell['drop_mean']:+.4f})" for cell in cells)])
        lines += [f"**{name}** ({get_perturbation(name).severity})", "",
                  table(["pipeline", "family", "clean", *map(str, severities)], rows, "llr" + "r" * len(severities)),
                  ""]
    best = most_robust(summary)
    lines += ["Most robust pipeline of each family (smallest mean drop over every perturbation and severity):", "",
              table(["family", "pipeline", "mean drop", "mean perturbed accuracy"],
                    [[row.family, f"`{row.pipeline}`", f"{row.drop:.4f}", f"{row.accuracy:.4f}"]
                     for row in best.itertuples()], "llrr"), ""]
    calibrated = summary.dropna(subset=["ece_mean"])
    if not calibrated.empty:
        ece = calibrated.groupby(["pipeline", "perturbation"], sort=False)["ece_mean"].mean().unstack()
        clean_ece = calibrated.groupby("pipeline", sort=False)["clean_ece_mean"].mean()
        names = [name for name in perturbations if name in ece.columns]
        rows = [[f"`{pipeline}`", f"{clean_ece[pipeline]:.4f}", *(f"{ece.loc[pipeline, name]:.4f}" for name in names)]
                for pipeline in ece.index]
        lines += ["Calibration under shift: expected calibration error (15 equal-width bins) on the clean test "
                  "set and on each perturbation's test sets (mean over its severities, folds and seeds); pipelines "
                  "without class probabilities are left out.", "",
                  table(["pipeline", "clean", *names], rows, "lr" + "r" * len(names)), ""]
    return lines
