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
from harbench.reporting.aggregate import per_class_f1

FAMILY_COLOURS = {"classical": "tab:blue", "deep": "tab:orange", "kernel": "tab:green"}


def accuracy_vs_fit_time(pipelines: Sequence[str], families: Sequence[str], fit_s: Sequence[float],
                         accuracy: Sequence[float], accuracy_std: Sequence[float]):
    """Mean accuracy (± std) against median fit seconds (feature extraction included) on a log
    axis, one point per pipeline."""
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    for family, seconds, mean, std in zip(families, fit_s, accuracy, accuracy_std, strict=True):
        ax.errorbar(seconds, mean, yerr=0 if np.isnan(std) else std, fmt="o", capsize=3,
                    color=FAMILY_COLOURS.get(family, "tab:gray"))
    ax.set_xscale("log")
    _label_points(ax, pipelines, fit_s, accuracy)
    ax.set_xlabel("fit time with feature extraction, s (median, log scale)")
    ax.set_ylabel("test accuracy (mean ± std)")
    for family, colour in FAMILY_COLOURS.items():
        ax.plot([], [], "o", color=colour, label=family)
    ax.legend(loc="lower right")
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    return fig, ax


def _label_points(ax, names: Sequence[str], x: Sequence[float], y: Sequence[float], fontsize: float = 8) -> None:
    """Name each point, moving a label up (with a leader line) until it overlaps no label
    already placed: a greedy pass from the lowest point up, in display coordinates."""
    ax.autoscale_view()
    height = fontsize * 1.3  # points
    to_points = 72.0 / ax.figure.dpi
    placed: list[tuple[float, float, float]] = []  # (left, right, bottom) in points
    anchors = ax.transData.transform(np.column_stack([x, y])) * to_points
    for index in np.argsort(anchors[:, 1], kind="stable"):
        name, (px, py) = names[index], anchors[index]
        left, right, bottom = px + 5, px + 5 + 0.55 * fontsize * len(name), py + 3
        while any(left < other_right and other_left < right and abs(bottom - other_bottom) < height
                  for other_left, other_right, other_bottom in placed):
            bottom += height / 2
        placed.append((left, right, bottom))
        moved = bottom - py > 3 + height
        ax.annotate(name, (x[index], y[index]), textcoords="offset points", xytext=(5, bottom - py),
                    fontsize=fontsize, arrowprops={"arrowstyle": "-", "color": "0.6", "lw": 0.6} if moved else None)


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


def per_class_f1_plot(f1: pd.DataFrame):
    """Heat map of mean F1 per pipeline (rows) and class (columns), values written in."""
    fig = Figure(figsize=(2.5 + 0.75 * f1.shape[1], 1.2 + 0.35 * f1.shape[0]))
    ax = fig.subplots()
    ax.imshow(f1.to_numpy(), cmap="viridis", vmin=0, vmax=1, aspect="auto")
    for (row, column), value in np.ndenumerate(f1.to_numpy()):
        ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=7,
                color="black" if value > 0.6 else "white")
    ax.set_xticks(range(f1.shape[1]), f1.columns, rotation=45, ha="right", fontsize=7)
    ax.set_yticks(range(f1.shape[0]), f1.index, fontsize=7)
    ax.set_title("per-class F1 (mean over runs)", fontsize=9)
    fig.tight_layout()
    return fig, ax


def critical_difference(scores: pd.DataFrame):
    """Critical-difference diagram (Demšar 2006) of the pipelines' average ranks over the
    folds in the rows of ``scores``, cliques from Holm-corrected Wilcoxon tests (aeon's
    ``plot_critical_difference``, Benavoli et al. 2016)."""
    from aeon.visualisation import plot_critical_difference

    fig, ax = plot_critical_difference(scores.to_numpy(), list(scores.columns), alpha=0.05)
    return fig, ax


def save(fig, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path``, atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    import matplotlib.pyplot as plt

    plt.close(fig)  # releases figures made through pyplot (aeon's are); a no-op for the others
    write_bytes_atomically(path, buffer.getvalue())
    return path


MAX_CURVES = 6  # training curves drawn per pipeline; with more runs only fold 0's are drawn


def suite_figures(summary: pd.DataFrame, records: list[dict], classes: Sequence[str], folder: Path,
                  stem: str, fold_scores: pd.DataFrame | None = None) -> list[tuple[str, Path]]:
    """The figures of one (dataset, protocol) block, as (caption, path) pairs; ``fold_scores``
    (folds x pipelines) adds a critical-difference diagram when there are several folds."""
    figures = [("Accuracy against fit time", save(accuracy_vs_fit_time(
        summary["pipeline"].tolist(), summary["family"].tolist(), summary["fit_with_features_s_median"].to_numpy(),
        summary["accuracy_mean"].to_numpy(), summary["accuracy_std"].to_numpy())[0],
        folder / f"{stem}-accuracy-vs-fit-time.png"))]
    per_class = per_class_f1(records, list(summary["pipeline"]), list(classes))
    figures.append(("Per-class F1", save(per_class_f1_plot(per_class)[0], folder / f"{stem}-per-class-f1.png")))
    if fold_scores is not None and len(fold_scores) > 1 and fold_scores.shape[1] > 1:
        figures.append((f"Critical-difference diagram: average accuracy rank over {len(fold_scores)} folds "
                        "(lower is better; a bar joins pipelines with no significant difference, Wilcoxon "
                        "signed-rank with Holm correction, alpha 0.05)",
                        save(critical_difference(fold_scores)[0], folder / f"{stem}-critical-difference.png")))
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
        runs = [record for record in records if record["pipeline"] == pipeline and record.get("history")]
        shown = runs if len(runs) <= MAX_CURVES else [record for record in runs if record["fold"] == 0]
        histories = {f"seed {record['seed']}, fold {record['fold']}": record["history"] for record in shown}
        if histories:
            which = "" if shown is runs else f", fold 0 of {len({record['fold'] for record in runs})}"
            figures.append((f"Training curves of `{pipeline}`{which} (dashed: training, solid: validation)",
                            save(training_curves(histories)[0], folder / f"{stem}-training-{pipeline}.png")))
    return figures
