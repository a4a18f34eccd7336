"""Run a bundle over a recording: a timeline of windows with their label and probabilities,
a score against a label column, a streaming mode, and a picture of the timeline."""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np
import pandas as pd

from harbench.deploy.bundle import Bundle
from harbench.deploy.recording_csv import RecordingTable, resample, sliding_windows
from harbench.errors import InputValidationError

SIGNAL_GREYS = ("0.05", "0.35", "0.6")  # dark lines, so the activity colours stay readable


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


def plot_timeline(recording: RecordingTable, timeline: Timeline, bundle: Bundle, path: Path | io.BytesIO) -> None:
    """The recording's channels over time with a coloured band per predicted activity."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    info = bundle.info
    seconds = np.arange(len(recording.signal)) / recording.fs
    palette = plt.get_cmap("tab10" if len(info.classes) <= 10 else "tab20").colors
    colours = dict(zip(info.classes, palette, strict=False))
    figure, axis = plt.subplots(figsize=(12, 3.5))
    shown = min(3, recording.signal.shape[1])
    for channel in range(shown):
        axis.plot(seconds, recording.signal[:, channel], linewidth=0.6, label=info.channels[channel],
                  color=SIGNAL_GREYS[channel])
    step_s = info.window_step / info.fs
    for start_s, label in zip(timeline.table["start_s"], timeline.table["label"], strict=True):
        axis.axvspan(start_s, start_s + step_s, color=colours[label], alpha=0.35, linewidth=0)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[name], alpha=0.35) for name in info.classes
               if name in set(timeline.table["label"])]
    names = [name for name in info.classes if name in set(timeline.table["label"])]
    first = axis.legend(loc="upper left", fontsize=7, title="signal", title_fontsize=7)
    axis.add_artist(first)
    axis.legend(handles, names, loc="upper right", fontsize=7, ncol=2, title="predicted", title_fontsize=7)
    axis.set_xlabel("time (s)")
    axis.set_title(f"{info.pipeline} on {recording.source}")
    figure.tight_layout()
    figure.savefig(path, dpi=110, format="png")
    plt.close(figure)
