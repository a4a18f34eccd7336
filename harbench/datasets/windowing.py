"""Cut labelled recordings into fixed-length windows.

A window is kept only when it lies wholly inside one labelled segment and takes that
segment's label, so no window mixes two activities. Length and step are explicit sample
counts; the defaults (128 / 64 at 50 Hz: 2.56 s with 50 % overlap) are those of UCI HAR
(Anguita et al. 2013, ESANN).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from harbench.datasets.recording import Recording
from harbench.datasets.windowset import WindowSet, windowed_fingerprint
from harbench.errors import DataIntegrityError, InputValidationError

DEFAULT_LENGTH = 128
DEFAULT_STEP = 64



class RecordingWindowing:
    """The windowing half of the dataset-spec protocol for a dataset of continuous recordings:
    a spec with ``default_length``, ``default_step`` and ``source_fingerprint()`` inherits how
    a suite's requested windowing is resolved and how the windows are fingerprinted."""

    default_length: int
    default_step: int

    def source_fingerprint(self) -> str:
        raise NotImplementedError

    def windowing(self, requested: dict) -> dict:
        """The window ``length`` and ``step`` to cut with: ``requested``'s, else the dataset's defaults."""
        return {"length": requested.get("length") or self.default_length,
                "step": requested.get("step") or self.default_step}

    def fingerprint(self, length: int | None = None, step: int | None = None) -> str:
        """Fingerprint of the WindowSet `load` returns for these windowing parameters."""
        return windowed_fingerprint(self.source_fingerprint(), self.windowing({"length": length, "step": step}))

def window_starts(start: int, stop: int, length: int, step: int) -> np.ndarray:
    """First samples of every window of ``length`` that fits in ``[start, stop)`` at ``step``."""
    if stop - start < length:
        return np.empty(0, dtype=np.int64)
    return np.arange(start, stop - length + 1, step, dtype=np.int64)


def make_windows(
    recordings: Iterable[Recording],
    classes: Sequence[str],
    name: str,
    length: int = DEFAULT_LENGTH,
    step: int = DEFAULT_STEP,
    fingerprint: str = "",
) -> WindowSet:
    """Window every labelled segment of ``recordings`` into one `WindowSet`.

    All recordings must share sampling rate and channels. ``fingerprint``, when given,
    identifies the source data; the windowing parameters are folded into it.
    """
    if length < 1 or step < 1:
        raise InputValidationError(f"{name}: window length and step must be >= 1, got {length} and {step}.")
    recordings = list(recordings)
    if not recordings:
        raise DataIntegrityError(f"{name}: no recordings to window.")
    first = recordings[0]
    windows, labels, subjects, sessions, starts = [], [], [], [], []
    for recording in recordings:
        if recording.fs != first.fs or recording.channels != first.channels:
            raise DataIntegrityError(
                f"{recording.source}: fs {recording.fs} and channels {recording.channels} differ from "
                f"{first.source} ({first.fs}, {first.channels}); one WindowSet needs one layout."
            )
        for segment in recording.segments:
            segment_starts = window_starts(segment.start, segment.stop, length, step)
            if not len(segment_starts):
                continue
            index = segment_starts[:, None] + np.arange(length)[None, :]
            windows.append(recording.signal[index])
            labels.append(np.full(len(segment_starts), segment.label, dtype=np.int64))
            subjects.append(np.full(len(segment_starts), recording.subject, dtype=np.int64))
            sessions.append(np.full(len(segment_starts), recording.session, dtype=np.int64))
            starts.append(segment_starts)
    if not windows:
        raise DataIntegrityError(f"{name}: no segment is at least {length} samples long; no window could be cut.")
    params = {"length": length, "step": step}
    if fingerprint:
        fingerprint = windowed_fingerprint(fingerprint, params)
    return WindowSet(
        name=name,
        X=np.concatenate(windows).astype(np.float32, copy=False),
        y=np.concatenate(labels),
        classes=tuple(classes),
        channels=first.channels,
        units=first.units,
        fs=first.fs,
        subjects=np.concatenate(subjects),
        sessions=np.concatenate(sessions),
        starts=np.concatenate(starts),
        params=params,
        fingerprint=fingerprint,
    )
