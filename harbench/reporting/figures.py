"""Report figures. Each plot function takes plain arrays and returns ``(fig, ax)`` (aeon's
habit); `save` writes a PNG without volatile metadata so reruns give the same bytes.
Figures are built with matplotlib's object API (no pyplot state, no GUI backend)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from harbench.atomic import write_bytes_atomically

FAMILY_COLOURS = {"classical": "tab:blue", "deep": "tab:orange"}


def accuracy_vs_fit_time(pipelines: Sequence[str], families: Sequence[str], fit_s: Sequence[float],
                         accuracy: Sequence[float], accuracy_std: Sequence[float]):
    """Mean accuracy (± std) against median fit seconds (feature extraction included) on a log
    axis, one point per pipeline."""
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    for name, family, seconds, mean, std in zip(pipelines, families, fit_s, accuracy, accuracy_std, strict=True):
        ax.errorbar(seconds, mean, yerr=0 if np.isnan(std) else std, fmt="o", capsize=3,
                    color=FAMILY_COLOURS.get(family, "tab:gray"))
        ax.annotate(name, (seconds, mean), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("fit time with feature extraction, s (median, log scale)")
    ax.set_ylabel("test accuracy (mean ± std)")
    for family, colour in FAMILY_COLOURS.items():
        ax.plot([], [], "o", color=colour, label=family)
    ax.legend(loc="lower right")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig, ax


def confusion_matrix_plot(matrix: np.ndarray, classes: Sequence[str], title: str):
    """Row-normalised confusion matrix (true class per row) with the counts written in."""
    matrix = np.asarray(matrix, dtype=float)
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig = Figure(figsize=(1.0 + 0.6 * len(classes), 0.8 + 0.6 * len(classes)))
    ax = fig.subplots()
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for (row, column), count in np.ndenumerate(matrix):
        ax.text(column, row, f"{count:.0f}", ha="center", va="center", fontsize=7,
                color="white" if shares[row, column] > 0.5 else "black")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=7)
    ax.set_yticks(range(len(classes)), classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig, ax


def training_curves(histories: dict[str, dict[str, list[float]]]):
    """Loss and accuracy per epoch, training (dashed) and validation (solid), one colour per run."""
    fig = Figure(figsize=(10, 3.8))
    loss_ax, accuracy_ax = fig.subplots(1, 2)
    for index, (label, history) in enumerate(histories.items()):
        colour = f"C{index % 10}"
        for ax, metric in ((loss_ax, "loss"), (accuracy_ax, "accuracy")):
            ax.plot(history.get(metric, []), "--", color=colour, alpha=0.7)
            ax.plot(history.get(f"val_{metric}", []), "-", color=colour, label=label)
    for ax, metric in ((loss_ax, "loss"), (accuracy_ax, "accuracy")):
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(True, alpha=0.3)
    accuracy_ax.legend(fontsize=7)
    fig.tight_layout()
    return fig, (loss_ax, accuracy_ax)


def save(fig, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path``, atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    write_bytes_atomically(path, buffer.getvalue())
    return path


def suite_figures(summary: pd.DataFrame, records: list[dict], classes: Sequence[str], folder: Path,
                  stem: str) -> list[tuple[str, Path]]:
    """The figures of one (dataset, protocol) block, as (caption, path) pairs."""
    figures = [("Accuracy against fit time", save(accuracy_vs_fit_time(
        summary["pipeline"].tolist(), summary["family"].tolist(), summary["fit_with_features_s_median"].to_numpy(),
        summary["accuracy_mean"].to_numpy(), summary["accuracy_std"].to_numpy())[0],
        folder / f"{stem}-accuracy-vs-fit-time.png"))]
    for family in ("classical", "deep"):
        candidates = summary[summary["family"] == family]
        if candidates.empty:
            continue
        best = candidates.iloc[0]["pipeline"]  # the summary is sorted by mean accuracy
        matrix = np.sum([record["confusion_matrix"] for record in records if record["pipeline"] == best], axis=0)
        caption = f"Confusion matrix of the best {family} pipeline, `{best}` (summed over runs)"
        figures.append((caption, save(confusion_matrix_plot(matrix, classes, f"{best} ({family})")[0],
                                      folder / f"{stem}-confusion-{family}.png")))
    deep = [pipeline for pipeline, family in zip(summary["pipeline"], summary["family"], strict=True)
            if family == "deep"]
    for pipeline in deep:
        histories = {f"seed {record['seed']}, fold {record['fold']}": record["history"] for record in records
                     if record["pipeline"] == pipeline and record.get("history")}
        if histories:
            figures.append((f"Training curves of `{pipeline}` (dashed: training, solid: validation)",
                            save(training_curves(histories)[0], folder / f"{stem}-training-{pipeline}.png")))
    return figures
