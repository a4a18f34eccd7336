"""`Recording`: one continuous session of one subject, with labelled segments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harbench.errors import DataIntegrityError


@dataclass(frozen=True)
class Segment:
    """A labelled stretch of a recording: samples ``start`` (inclusive) to ``stop`` (exclusive)."""

    start: int
    stop: int
    label: int


@dataclass(frozen=True)
class Recording:
    """One continuous multichannel recording of one subject.

    ``signal`` is (n_samples, n_channels) float32 at ``fs`` Hz; ``channels`` and ``units``
    name each column; ``segments`` carry the activity labels (class indices into the
    dataset's class list). ``source`` names the file(s) the recording came from, so that
    errors can point at them.
    """

    signal: np.ndarray
    fs: float
    channels: tuple[str, ...]
    units: tuple[str, ...]
    subject: int
    session: int
    segments: tuple[Segment, ...]
    source: str = ""

    def __post_init__(self) -> None:
        if self.signal.ndim != 2 or self.signal.shape[1] != len(self.channels):
            raise DataIntegrityError(
                f"{self.source}: signal has shape {self.signal.shape}, expected "
                f"(n_samples, {len(self.channels)}) for channels {self.channels}."
            )
        if len(self.units) != len(self.channels):
            raise DataIntegrityError(f"{self.source}: {len(self.units)} units for {len(self.channels)} channels.")
        n_samples = self.signal.shape[0]
        for segment in self.segments:
            if not 0 <= segment.start < segment.stop <= n_samples:
                raise DataIntegrityError(
                    f"{self.source}: segment [{segment.start}, {segment.stop}) with label {segment.label} "
                    f"runs outside the recording of {n_samples} samples. The label file and the signal "
                    "files disagree: restore both from the official archive."
                )
