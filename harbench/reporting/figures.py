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
from harbench.reporting.significance import ALPHA, Comparison, average_ranks, cliques

FAMILY_COLOURS = {"classical": "tab:blue", "deep": "tab:orange", "kernel": "tab:green", "interval": "tab:purple"}


def accuracy_vs_fit_time(pipelines: Sequence[str], families: Sequence[str], fit_s: Sequence[float],
                         accuracy: Sequence[float], errors: np.ndarray, bars: str = "std"):
    """Mean accuracy against median fit seconds (feature extraction included) on a log axis,
    one point per pipeline; ``errors`` (2, n) are the lower and upper bar lengths (``bars``
    says what they are)."""
    fig = Figure(figsize=(8.5, 4.5))
    ax = fig.subplots()
    for index, (family, seconds, mean) in enumerate(zip(families, fit_s, accuracy, strict=True)):
        ax.errorbar(seconds, mean, yerr=errors[:, index:index + 1], fmt="o", capsize=3,
                    color=FAMILY_COLOURS.get(family, "tab:gray"))
    position = {name: (seconds, mean) for name, seconds, mean in zip(pipelines, fit_s, accuracy, strict=True)}
    joined = False
    for name, (seconds, mean) in position.items():  # a variant (`resnet@paper`) joined to its base (`resnet`)
        base = name.partition("@")[0]
        if base != name and base in position:
            ax.plot([position[base][0], seconds], [position[base][1], mean], ":", color="0.5", lw=1)
            joined = True
    ax.set_xscale("log")
    _label_points(ax, pipelines, fit_s, accuracy)
    ax.set_xlabel("fit time with feature extraction, s (median, log scale)")
    ax.set_ylabel(f"test accuracy (mean)\nbars: {bars}")
    shown = [family for family in FAMILY_COLOURS if family in families]
    for family in shown + sorted(set(families) - set(shown)):  # only the families shown
        ax.plot([], [], "o", color=FAMILY_COLOURS.get(family, "tab:gray"), label=family)
    if joined:
        ax.plot([], [], ":", color="0.5", lw=1, label="a model and its\nvariant (name@variant)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)  # beside, not over, the points
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


def critical_difference(scores: pd.DataFrame, comparisons: Sequence[Comparison]):
    """Critical-difference diagram (Demšar 2006) of the pipelines' average accuracy ranks over
    the folds in the rows of ``scores`` (rank 1, the best, on the left). A thick bar joins
    pipelines that no comparison in ``comparisons`` finds significantly different: the
    Holm-corrected Wilcoxon tests of the page's table (`significance.cliques`), not a second
    test of the plotting library's own."""
    ranks = average_ranks(scores)
    names, values = list(ranks.index), ranks.to_numpy()
    groups = cliques(names, comparisons)
    k = len(names)
    span = max(k - 1, 1)
    fig = Figure(figsize=(9, 1.6 + 0.3 * (k + 1) / 2 + 0.12 * len(groups)))
    ax = fig.subplots()
    ax.set_axis_off()
    ax.hlines(0, 1, k, color="black", lw=1)
    for rank in range(1, k + 1):
        ax.vlines(rank, 0, 0.08, color="black", lw=1)
        ax.text(rank, 0.12, str(rank), ha="center", va="bottom", fontsize=8)
    bar_step, row_step = 0.12, 0.25
    for level, (first, last) in enumerate(groups):
        y = -bar_step * (level + 1)
        ax.hlines(y, values[first] - 0.03 * span, values[last] + 0.03 * span, color="black", lw=3)
    top = -bar_step * (len(groups) + 1) - 0.1
    half = (k + 1) // 2
    for index, (name, rank) in enumerate(zip(names, values, strict=True)):
        left = index < half
        row = index if left else k - 1 - index
        y = top - row_step * row
        x_end = 1 - 0.08 * span if left else k + 0.08 * span
        ax.plot([rank, rank, x_end], [0, y, y], color="0.3", lw=0.8)
        ax.text(x_end + (-0.02 if left else 0.02) * span, y, f"{name} ({rank:.2f})", ha="right" if left else "left",
                va="center", fontsize=8)
    ax.set_xlim(1 - 0.55 * span, k + 0.55 * span)
    ax.set_ylim(top - row_step * half, 0.4)
    fig.tight_layout()
    return fig, ax


def accuracy_under_perturbation(pipelines: Sequence[str], families: Sequence[str], severities: Sequence[str],
                                clean: Sequence[float], accuracy: Sequence[Sequence[float]], title: str):
    """Mean accuracy of each pipeline (a line, coloured by family) on the clean test set and at
    each severity of one perturbation, mildest first."""
    fig = Figure(figsize=(8, 4.5))
    ax = fig.subplots()
    positions = np.arange(len(severities) + 1)
    for pipeline, family, start, values in zip(pipelines, families, clean, accuracy, strict=True):
        ax.plot(positions, [start, *values], "o-", color=FAMILY_COLOURS.get(family, "tab:gray"), lw=1.2,
                label=pipeline)
    ax.set_xticks(positions, ["clean", *severities])
    ax.set_xlabel(title)
    ax.set_ylabel("test accuracy (mean)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    fig.tight_layout()
    return fig, ax


def save(fig, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path``, atomically."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    write_bytes_atomically(path, buffer.getvalue())
    return path


MAX_CURVES = 6  # training curves drawn per pipeline; with more runs only fold 0's are drawn


def accuracy_error_bars(summary: pd.DataFrame) -> np.ndarray:
    """(2, n) lower and upper error-bar lengths around ``accuracy_mean``: the subject-bootstrap
    interval under one split, one standard deviation over folds under several, none without."""
    mean = summary["accuracy_mean"].to_numpy(dtype=float)
    single = summary["n_folds"].to_numpy() == 1
    fold_std = summary["accuracy_std_folds"].to_numpy(dtype=float)
    lower = np.where(single, mean - summary["accuracy_ci_low"].to_numpy(dtype=float), fold_std)
    upper = np.where(single, summary["accuracy_ci_high"].to_numpy(dtype=float) - mean, fold_std)
    return np.nan_to_num(np.vstack([lower, upper]).clip(min=0.0))


def suite_figures(summary: pd.DataFrame, records: list[dict], classes: Sequence[str], folder: Path,
                  stem: str, fold_scores: pd.DataFrame | None = None,
                  comparisons: Sequence[Comparison] | None = None) -> list[tuple[str, Path]]:
    """The figures of one (dataset, protocol) block, as (caption, path) pairs; ``fold_scores``
    (folds x pipelines) and ``comparisons`` (the page's paired tests, made only with enough
    folds) add a critical-difference diagram."""
    several = bool((summary["n_folds"] > 1).any())
    bars = "1 std over folds" if several else "95 % subject-bootstrap interval"
    figures = [(f"Accuracy against fit time (bars: {bars})", save(accuracy_vs_fit_time(
        summary["pipeline"].tolist(), summary["family"].tolist(), summary["fit_with_features_s_median"].to_numpy(),
        summary["accuracy_mean"].to_numpy(), accuracy_error_bars(summary), bars)[0],
        folder / f"{stem}-accuracy-vs-fit-time.png"))]
    per_class = per_class_f1(records, list(summary["pipeline"]), list(classes))
    figures.append(("Per-class F1", save(per_class_f1_plot(per_class)[0], folder / f"{stem}-per-class-f1.png")))
    if fold_scores is not None and comparisons:
        figures.append((f"Critical-difference diagram: average accuracy rank over {len(fold_scores)} folds "
                        "(lower is better; a bar joins pipelines with no significant difference in the paired "
                        "tests of the table above: Wilcoxon signed-rank, Holm-corrected over all pairs, "
                        f"alpha {ALPHA})",
                        save(critical_difference(fold_scores, comparisons)[0],
                             folder / f"{stem}-critical-difference.png")))
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
