"""Run a bundle over a recording: a timeline of windows with their label and probabilities,
the activity segments it makes (consecutive windows of one label merged), a score against a
label column, a streaming mode, and a picture of the timeline."""

from __future__ import annotations

import io
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from harbench.deploy.bundle import Bundle
from harbench.deploy.recording_csv import RecordingTable, resample, sliding_windows
from harbench.errors import InputValidationError

SIGNAL_GREYS = ("0.05", "0.35", "0.6")  # dark lines, so the activity colours stay readable
SEGMENT_COLUMNS = ("start_s", "end_s", "label", "n_windows")
PREDICTED_BAND, TRUE_BAND = "predicted", "true"  # the plot's band axes carry these labels


@dataclass(frozen=True)
class Timeline:
    """One row per window: ``start_s``, ``end_s``, ``label`` and, where the model gives class
    probabilities, ``prob_<class>`` columns; ``starts`` are the windows' first samples at the
    bundle's rate."""

    table: pd.DataFrame
    starts: np.ndarray
    seconds_per_window: float


def predict_recording(bundle: Bundle, recording: RecordingTable) -> Timeline:
    """Resample ``recording`` to the bundle's rate, cut it as the bundle was trained, predict."""
    info = bundle.info
    signal = resample(recording.signal, recording.fs, info.fs)
    windows, starts = sliding_windows(signal, info.window_length, info.window_step, recording.source)
    start = time.perf_counter()
    predicted, probabilities = bundle.predict(windows)
    seconds = time.perf_counter() - start
    table = pd.DataFrame({"start_s": starts / info.fs, "end_s": (starts + info.window_length) / info.fs,
                          "label": np.asarray(info.classes)[predicted]})
    if probabilities is not None:
        for index, name in enumerate(info.classes):
            table[f"prob_{name}"] = probabilities[:, index]
    return Timeline(table=table, starts=starts, seconds_per_window=seconds / len(windows))


def activity_segments(table: pd.DataFrame) -> pd.DataFrame:
    """The timeline's windows merged into activity segments: one row per run of consecutive
    windows with the same predicted label, in time order.

    Columns: ``start_s`` (the start of the run's first window), ``end_s``, ``label``,
    ``n_windows`` and, when ``table`` has ``prob_<class>`` columns, ``mean_probability`` (the
    mean over the run's windows of the probability of its label).

    Overlapping windows: a sample covered by windows of two labels belongs to the later
    segment, so a segment ends where the next segment's first window starts, and the last
    segment ends where its last window ends. Segments therefore never overlap, each starts
    where the previous one ends, and together they cover the timeline from the first window's
    start to the last window's end. With windows at a regular step this gives each window the
    stretch from its start to the next window's start, as the plot's bands show them.
    """
    has_probabilities = any(str(column).startswith("prob_") for column in table.columns)
    columns = [*SEGMENT_COLUMNS, *(["mean_probability"] if has_probabilities else [])]
    if table.empty:
        return pd.DataFrame({column: [] for column in columns})
    labels = table["label"].to_numpy()
    window_starts, window_ends = table["start_s"].to_numpy(float), table["end_s"].to_numpy(float)
    first = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
    n_windows = np.diff(np.r_[first, len(labels)])
    segments = pd.DataFrame({"start_s": window_starts[first],
                             "end_s": np.r_[window_starts[first[1:]], window_ends[-1]],
                             "label": labels[first], "n_windows": n_windows})
    if has_probabilities:
        own = np.array([table[f"prob_{label}"].iloc[row] for row, label in enumerate(labels)], dtype=float)
        segments["mean_probability"] = np.add.reduceat(own, first) / n_windows
    return segments


def format_segments(segments: pd.DataFrame) -> str:
    """``segments`` (from `activity_segments`) as aligned lines for a person to read, one per
    segment: ``   3.84-  28.16 s   24.32 s  STANDING  19 windows  p 0.98``."""
    if segments.empty:
        return "no windows, so no activity segments"
    width = max(len(str(label)) for label in segments["label"])
    lines = [f"{len(segments)} activity segments ({int(segments['n_windows'].sum())} windows):"]
    for row in segments.itertuples(index=False):
        probability = f"  p {row.mean_probability:.2f}" if "mean_probability" in segments.columns else ""
        lines.append(f"{row.start_s:8.2f}-{row.end_s:8.2f} s  {row.end_s - row.start_s:7.2f} s  "
                     f"{row.label:<{width}}  {row.n_windows:4d} window{'s' if row.n_windows != 1 else ' '}"
                     f"{probability}")
    return "\n".join(lines)


def labels_at(recording: RecordingTable, fs: float) -> np.ndarray:
    """The recording's labels at rate ``fs`` (each resampled sample takes its source sample's)."""
    if recording.labels is None:
        raise InputValidationError(f"{recording.source}: no label column to score against.")
    n_resampled = int(len(recording.labels) * fs / recording.fs)
    source_sample = (np.arange(n_resampled) * recording.fs / fs).astype(int)
    return recording.labels[np.minimum(source_sample, len(recording.labels) - 1)]


def timeline_accuracy(timeline: Timeline, recording: RecordingTable, fs: float, length: int) -> tuple[float, int]:
    """Accuracy over the timeline's windows whose samples all carry one non-empty label, and
    how many there are: what a user of `harbench predict` sees on a labelled recording."""
    labels = labels_at(recording, fs)
    truth, predicted = [], []
    for start, label in zip(timeline.starts, timeline.table["label"], strict=True):
        window = labels[start:start + length]
        if len(window) == length and window[0] != "" and (window == window[0]).all():
            truth.append(window[0])
            predicted.append(label)
    if not truth:
        raise InputValidationError(f"{recording.source}: no window lies wholly inside one labelled stretch.")
    return float(np.mean(np.asarray(truth) == np.asarray(predicted))), len(truth)


def segment_accuracy(bundle: Bundle, recording: RecordingTable) -> tuple[float, int]:
    """Accuracy over windows cut the way a suite cuts them: from the first sample of every
    stretch of one non-empty label, at the bundle's step, wholly inside the stretch. On a
    recording written by `harbench sample-recording` these are the suite's own windows, so
    this reproduces the suite's accuracy through the predict path."""
    info = bundle.info
    signal, labels = resample(recording.signal, recording.fs, info.fs), labels_at(recording, info.fs)
    labels = labels[:len(signal)]
    edges = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    starts, truth = [], []
    for first, stop in zip(np.r_[0, edges], np.r_[edges, len(labels)], strict=True):
        if labels[first] != "":
            window_starts = np.arange(first, stop - info.window_length + 1, info.window_step)
            starts.extend(window_starts)
            truth.extend([labels[first]] * len(window_starts))
    if not starts:
        raise InputValidationError(f"{recording.source}: no labelled stretch is {info.window_length} samples long.")
    windows = signal[np.asarray(starts)[:, None] + np.arange(info.window_length)[None, :]]
    predicted = np.asarray(info.classes)[bundle.predict(windows)[0]]
    return float(np.mean(predicted == np.asarray(truth))), len(truth)


def stream(bundle: Bundle, lines: Iterable[str], out: TextIO, fs: float | None = None,
           columns: list[str] | None = None) -> list[float]:
    """Read a CSV recording line by line (header first) and write one timeline row as soon as each
    window is full; returns the seconds each window's prediction took."""
    info = bundle.info
    lines = iter(lines)
    header = next(lines, "").strip()
    if not header:
        raise InputValidationError("stdin: no CSV header line; the first line must name the columns.")
    if fs is not None and abs(fs - info.fs) > 1e-9:
        raise InputValidationError(f"stdin: streaming needs samples at the model's rate ({info.fs:g} Hz), got "
                                   f"--fs {fs:g}; resample before streaming or predict the whole file.")
    names = [name.strip() for name in header.split(",")]
    wanted = list(columns) if columns else list(info.channels)
    missing = [column for column in wanted if column not in names]
    if missing:
        raise InputValidationError(f"stdin: the header has no column(s) {', '.join(missing)}; the model needs "
                                   f"{', '.join(info.channels)}.")
    positions = [names.index(column) for column in wanted]
    buffer: list[np.ndarray] = []
    consumed, latencies = 0, []
    header_written = False
    for number, line in enumerate(lines, start=2):
        if not line.strip():
            continue
        buffer.append(_sample(line, positions, wanted, number))
        if len(buffer) == info.window_length:
            start = time.perf_counter()
            predicted, probabilities = bundle.predict(np.stack(buffer)[None])
            latencies.append(time.perf_counter() - start)
            if not header_written:
                out.write("start_s,end_s,label" + ("" if probabilities is None else "".join(
                    f",prob_{name}" for name in info.classes)) + "\n")
                header_written = True
            out.write(f"{consumed / info.fs:.3f},{(consumed + info.window_length) / info.fs:.3f},"
                      f"{info.classes[int(predicted[0])]}" + ("" if probabilities is None else "".join(
                          f",{p:.4f}" for p in probabilities[0])) + "\n")
            out.flush()
            del buffer[:info.window_step]
            consumed += info.window_step
    return latencies


def _sample(line: str, positions: list[int], wanted: list[str], number: int) -> np.ndarray:
    fields = line.rstrip("\n").split(",")
    values = np.empty(len(positions), dtype=np.float32)
    for index, (position, column) in enumerate(zip(positions, wanted, strict=True)):
        try:
            values[index] = float(fields[position])
        except (IndexError, ValueError):
            values[index] = np.nan
        if not np.isfinite(values[index]):
            raise InputValidationError(f"stdin line {number}, column {column!r}: "
                                       f"{fields[position] if position < len(fields) else 'nothing'!r} is not a "
                                       "finite number.")
    return values


def activity_colours(classes: Sequence[str], extra: Iterable[str] = ()) -> dict[str, tuple]:
    """One colour per class, the same in every band and legend: tab10's ten strong colours
    first, then their light partners from tab20, so the first ten classes are far apart;
    labels in ``extra`` that are not classes (a label column's own names) come after them."""
    from matplotlib import colormaps

    strong, light = colormaps["tab20"].colors[0::2], colormaps["tab20"].colors[1::2]
    palette = [*strong, *light]
    names = list(dict.fromkeys([*classes, *(name for name in extra if name not in classes)]))
    return {name: palette[index % len(palette)] for index, name in enumerate(names)}


def _runs(labels: np.ndarray, fs: float) -> list[tuple[float, float, str]]:
    """``(start_s, end_s, label)`` of each stretch of one non-empty label of per-sample ``labels``."""
    edges = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    return [(first / fs, stop / fs, str(labels[first]))
            for first, stop in zip(np.r_[0, edges], np.r_[edges, len(labels)], strict=True) if labels[first] != ""]


def _band(axis, spans: list[tuple[float, float, str]], colours: dict[str, tuple], name: str) -> None:
    """Draw ``spans`` on ``axis`` as one strip of coloured bars (a single collection labelled ``name``)."""
    axis.broken_barh([(start, end - start) for start, end, _ in spans], (0, 1),
                     facecolors=[colours[label] for _, _, label in spans], linewidth=0, label=name)
    axis.set_ylim(0, 1)
    axis.set_yticks([])
    axis.set_ylabel(name, rotation=0, ha="right", va="center", fontsize=8)
    axis.set_label(name)
    for side in ("top", "right", "left"):
        axis.spines[side].set_visible(False)


def timeline_figure(recording: RecordingTable, timeline: Timeline, bundle: Bundle):
    """The recording's first three channels over time, with the predicted activity segments as
    a coloured strip under them and, when the recording has labels, the true activities as a
    second strip under that (same colour per class; unlabelled stretches left blank). The
    legends sit outside the plotting area: the channels' to the right of the signal, the
    activities' below the strips. Returns the matplotlib ``Figure``; the strips are the axes
    labelled `PREDICTED_BAND` and `TRUE_BAND` (``axis.get_label()``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    info = bundle.info
    seconds = np.arange(len(recording.signal)) / recording.fs
    truth = _runs(np.asarray(recording.labels).astype(str), recording.fs) if recording.labels is not None else None
    predicted = [(row.start_s, row.end_s, row.label) for row in activity_segments(timeline.table).itertuples()]
    colours = activity_colours(info.classes, [label for _, _, label in truth or []])
    bands = [(PREDICTED_BAND, predicted)] + ([] if truth is None else [(TRUE_BAND, truth)])
    figure, axes = plt.subplots(1 + len(bands), 1, sharex=True, layout="constrained",
                                figsize=(12, 3.6 + 0.45 * len(bands)),
                                gridspec_kw={"height_ratios": [8] + [1] * len(bands)})
    signal_axis = axes[0]
    for channel in range(min(3, recording.signal.shape[1])):
        signal_axis.plot(seconds, recording.signal[:, channel], linewidth=0.6, label=info.channels[channel],
                         color=SIGNAL_GREYS[channel])
    signal_axis.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), borderaxespad=0, fontsize=7,
                       title="signal", title_fontsize=7)
    signal_axis.set_title(f"{info.pipeline} on {recording.source}")
    signal_axis.tick_params(labelbottom=False)
    for axis, (name, spans) in zip(axes[1:], bands, strict=True):
        _band(axis, spans, colours, name)
    axes[-1].set_xlabel("time (s)")
    axes[-1].set_xlim(0, seconds[-1] if len(seconds) > 1 else 1)
    shown = {label for _, spans in bands for _, _, label in spans}
    names = [name for name in colours if name in shown]
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[name]) for name in names]
    figure.legend(handles, names, loc="outside lower center", ncol=min(len(names), 6) or 1, fontsize=7,
                  title="activity", title_fontsize=7, frameon=False)
    return figure


def plot_timeline(recording: RecordingTable, timeline: Timeline, bundle: Bundle, path: Path | io.BytesIO) -> None:
    """Write `timeline_figure` as a PNG to ``path``."""
    figure = timeline_figure(recording, timeline, bundle)
    import matplotlib.pyplot as plt

    figure.savefig(path, dpi=110, format="png")
    plt.close(figure)
