"""`WindowSet`: the fixed-length labelled windows every learner sees.

A window is one item of a dataset: a slice of a continuous recording, a whole fixed-length
series, or (in the `ClipSet` subclass, ``clips.py``) a whole video clip. The class names the
axes of one item in ``item_axes``; everything else (labels, subjects, recording ids,
fingerprint, `subset`) is the same for every kind of item, so protocols, the runner and the
result store handle them alike.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from typing import ClassVar

import numpy as np

from harbench.errors import InputValidationError


def content_fingerprint(arrays: dict[str, np.ndarray], meta: dict) -> str:
    """SHA-256 over the bytes of ``arrays`` and the JSON of ``meta`` (hex, 16 chars)."""
    digest = hashlib.sha256(json.dumps(meta, sort_keys=True).encode())
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def windowed_fingerprint(source_fingerprint: str, params: dict) -> str:
    """Fingerprint of windows cut from data identified by ``source_fingerprint`` with ``params``."""
    payload = json.dumps({"source": source_fingerprint, "params": params}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class WindowSet:
    """Windows ``X`` (n, T, C) float32 with labels ``y`` (n,) indexing ``classes``.

    ``subjects``, ``sessions`` and ``starts`` (first sample of each window in its session)
    let protocols keep subjects apart; a session is the recording a window comes from, an
    integer or, where the dataset names its recordings, that name (``"a01_s01_t01"``).
    ``official_test`` (n,) bool marks the dataset's official test windows, where it has an
    official split. ``source_lengths`` (n,), where an adapter resampled items of different
    lengths to one length, holds each item's number of source samples: ``fs`` is then the
    source's sampling rate, an item lasted ``source_lengths / fs`` seconds and its resampled
    rate is ``fs * n_timesteps / source_lengths``. ``fingerprint`` identifies the data and every
    windowing parameter; when not given it is computed from the arrays. Arrays are made
    read-only: a WindowSet never changes after it is built.
    """

    item_axes: ClassVar[tuple[str, ...]] = ("T", "C")

    name: str
    X: np.ndarray
    y: np.ndarray
    classes: tuple[str, ...]
    channels: tuple[str, ...]
    units: tuple[str, ...]
    fs: float
    subjects: np.ndarray
    sessions: np.ndarray
    starts: np.ndarray
    official_test: np.ndarray | None = None
    params: dict = field(default_factory=dict)
    fingerprint: str = ""
    source_lengths: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.X)
        if self.X.ndim != 1 + len(self.item_axes):
            raise InputValidationError(
                f"{self.name}: X must be (n, {', '.join(self.item_axes)}), got shape {self.X.shape}."
            )
        if self.X.shape[-1] != len(self.channels):
            raise InputValidationError(
                f"{self.name}: X has {self.X.shape[-1]} channels but {len(self.channels)} channel names."
            )
        for label, array in (("y", self.y), ("subjects", self.subjects), ("sessions", self.sessions),
                             ("starts", self.starts), ("official_test", self.official_test),
                             ("source_lengths", self.source_lengths)):
            if array is not None and array.shape != (n,):
                raise InputValidationError(f"{self.name}: {label} has shape {array.shape}, expected ({n},).")
        if n and (self.y.min() < 0 or self.y.max() >= len(self.classes)):
            raise InputValidationError(f"{self.name}: labels outside 0..{len(self.classes) - 1}.")
        for array in (self.X, self.y, self.subjects, self.sessions, self.starts, self.official_test,
                      self.source_lengths):
            if array is not None:
                array.flags.writeable = False
        if not self.fingerprint:
            fingerprint = content_fingerprint(
                {"X": self.X, "y": self.y, "subjects": self.subjects, "sessions": self.sessions,
                 "starts": self.starts,
                 **({} if self.official_test is None else {"official_test": self.official_test}),
                 **({} if self.source_lengths is None else {"source_lengths": self.source_lengths})},
                {"classes": self.classes, "channels": self.channels, "units": self.units, "fs": self.fs,
                 "params": self.params},
            )
            object.__setattr__(self, "fingerprint", fingerprint)

    def __len__(self) -> int:
        return len(self.y)

    @property
    def n_timesteps(self) -> int:
        return self.X.shape[1]

    @property
    def n_channels(self) -> int:
        return self.X.shape[-1]

    def subset(self, indices: np.ndarray) -> WindowSet:
        """The windows at ``indices``, as a new set of the same class with its own fingerprint."""
        indices = np.asarray(indices)
        digest = hashlib.sha256(self.fingerprint.encode() + np.ascontiguousarray(indices).tobytes())
        return replace(
            self, X=self.X[indices], y=self.y[indices], subjects=self.subjects[indices],
            sessions=self.sessions[indices], starts=self.starts[indices],
            official_test=None if self.official_test is None else self.official_test[indices],
            source_lengths=None if self.source_lengths is None else self.source_lengths[indices],
            fingerprint=digest.hexdigest()[:16],
        )

    def class_counts(self) -> dict[str, int]:
        """Number of windows per class name, in class order."""
        counts = np.bincount(self.y, minlength=len(self.classes))
        return {name: int(count) for name, count in zip(self.classes, counts, strict=True)}
