"""Recordings as CSV files: one row per sample, one column per channel.

The channel columns are named as in the bundle (``acc_x``, ...) or chosen with ``columns``;
other columns are ignored, except ``time_s`` (seconds), which gives the sampling rate when it
is not stated, and a label column, which `harbench predict --labels` scores against. Bad
input fails with the file, row and column named: nothing is filled in or dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.signal import resample_poly

from harbench.errors import InputValidationError

TIME_COLUMN = "time_s"
RATE_TOLERANCE = 0.01  # relative: a time column within 1 % of the stated rate agrees with it


@dataclass(frozen=True)
class RecordingTable:
    """The channels of a recording, (n_samples, n_channels) float32 at ``fs`` Hz, and its labels."""

    signal: np.ndarray
    fs: float
    labels: np.ndarray | None
    source: str


def read_recording(source: str | Path, table: pd.DataFrame | None, channels: Sequence[str],
                   columns: Sequence[str] | None = None, fs: float | None = None, default_fs: float | None = None,
                   label_column: str | None = None) -> RecordingTable:
    """The checked channels of a recording CSV (``table`` when already parsed, else read from
    ``source``), in the order of ``channels`` (or taken from ``columns``)."""
    if table is None:
        try:
            table = pd.read_csv(source, keep_default_na=False)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise InputValidationError(f"{source}: cannot read it as a CSV file ({error}).") from error
    wanted = list(columns) if columns else list(channels)
    if len(wanted) != len(channels):
        raise InputValidationError(f"{source}: --columns names {len(wanted)} columns, but the model needs "
                                   f"{len(channels)} ({', '.join(channels)}), in that order.")
    missing = [column for column in wanted if column not in table.columns]
    if missing:
        raise InputValidationError(
            f"{source}: no column(s) {', '.join(missing)}. The model needs {', '.join(channels)}; the file has "
            f"{', '.join(map(str, table.columns))}. Rename the columns or pass --columns in the model's order."
        )
    values = table[wanted].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.argwhere(~np.isfinite(values))
    if len(bad):
        row, column = bad[0]
        raise InputValidationError(f"{source}: row {row + 2}, column {wanted[column]!r} holds "
                                   f"{table[wanted[column]].iloc[row]!r}, not a finite number.")
    fs = _sampling_rate(source, table, fs, default_fs)
    labels = None
    if label_column is not None:
        if label_column not in table.columns:
            raise InputValidationError(f"{source}: no label column {label_column!r}.")
        labels = table[label_column].fillna("").astype(str).to_numpy()
    return RecordingTable(signal=values.astype(np.float32), fs=fs, labels=labels, source=str(source))


def _sampling_rate(source: str | Path, table: pd.DataFrame, fs: float | None, default_fs: float | None) -> float:
    measured = None
    if TIME_COLUMN in table.columns:
        times = pd.to_numeric(table[TIME_COLUMN], errors="coerce").to_numpy()
        steps = np.diff(times)
        if len(times) < 2 or not np.isfinite(times).all() or (steps <= 0).any():
            raise InputValidationError(f"{source}: column {TIME_COLUMN!r} must hold increasing numbers (seconds).")
        measured = float(1.0 / np.median(steps))
    if fs is not None and fs <= 0:
        raise InputValidationError(f"{source}: the sampling rate must be positive, got {fs}.")
    if fs is not None and measured is not None and abs(measured - fs) > RATE_TOLERANCE * fs:
        raise InputValidationError(f"{source}: its {TIME_COLUMN} column says {measured:.3g} Hz, but the sampling "
                                   f"rate given is {fs:g} Hz. Fix one of them.")
    rate = fs or measured or default_fs
    if rate is None:
        raise InputValidationError(f"{source}: the sampling rate is unknown; pass --fs or add a {TIME_COLUMN} "
                                   "column.")
    return float(rate)


def resample(signal: np.ndarray, fs: float, target_fs: float) -> np.ndarray:
    """``signal`` (n, C) from ``fs`` to ``target_fs`` by polyphase filtering (scipy's resample_poly)."""
    if fs == target_fs:
        return signal
    ratio = Fraction(target_fs / fs).limit_denominator(1000)
    return resample_poly(signal, ratio.numerator, ratio.denominator, axis=0).astype(np.float32)


def sliding_windows(signal: np.ndarray, length: int, step: int, source: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Windows (n, length, C) of ``signal`` at ``step`` and their first samples."""
    if len(signal) < length:
        raise InputValidationError(f"{source}: {len(signal)} samples, fewer than one window of {length}; record "
                                   "for longer.")
    starts = np.arange(0, len(signal) - length + 1, step)
    return signal[starts[:, None] + np.arange(length)[None, :]], starts
