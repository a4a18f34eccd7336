"""Per-window predictions of one cell: what every reported metric is computed from.

tsml-eval keeps every test case's prediction and probabilities so that any metric or test
can be recomputed later without retraining; harbench does the same. A cell's predictions
hold, for each test window in test order: its index in the dataset's WindowSet, its subject
(group), its true and predicted class (indices into the dataset's class list) and, where the
model gives them, its class probabilities. They are stored compactly beside the cell's JSON
record as ``<key>.npz`` (`ResultStore.save`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from harbench.errors import DataIntegrityError


@dataclass(frozen=True)
class Predictions:
    """``test_index``, ``subjects``, ``y_true`` and ``y_pred`` are (n,) arrays; ``proba`` is
    (n, n_classes) float32 or None for a model without class probabilities."""

    test_index: np.ndarray
    subjects: np.ndarray
    y_true: np.ndarray
    y_pred: np.ndarray
    proba: np.ndarray | None = None

    def __post_init__(self) -> None:
        n = len(self.test_index)
        for name in ("subjects", "y_true", "y_pred"):
            if np.shape(getattr(self, name)) != (n,):
                raise DataIntegrityError(f"predictions: {name} has shape {np.shape(getattr(self, name))}; "
                                         f"expected ({n},), one entry per test window.")
        if self.proba is not None and (self.proba.ndim != 2 or len(self.proba) != n):
            raise DataIntegrityError(f"predictions: proba has shape {self.proba.shape}; expected ({n}, n_classes).")

    def to_bytes(self) -> bytes:
        """The compressed ``.npz`` bytes (smallest integer types that hold the values)."""
        arrays = {"test_index": self.test_index.astype(np.int64), "subjects": np.asarray(self.subjects),
                  "y_true": self.y_true.astype(np.int16), "y_pred": self.y_pred.astype(np.int16)}
        if self.proba is not None:
            arrays["proba"] = self.proba.astype(np.float32)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, where: str) -> Predictions:
        """Read what `to_bytes` wrote; ``where`` (the file) is named in any error."""
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                return cls(test_index=arrays["test_index"], subjects=arrays["subjects"],
                           y_true=arrays["y_true"].astype(np.int64), y_pred=arrays["y_pred"].astype(np.int64),
                           proba=arrays["proba"] if "proba" in arrays.files else None)
        except (OSError, ValueError, KeyError) as error:
            raise DataIntegrityError(f"{where}: unreadable predictions ({error}); delete the cell's .json and "
                                     ".npz files and rerun the suite.") from error

    def same_as(self, other: Predictions) -> list[str]:
        """What differs from ``other`` among what must reproduce exactly: the test windows, their
        labels and the predicted classes (probabilities are compared by `harbench verify`'s
        tolerance, not here). Empty when nothing does."""
        differences = []
        for name in ("test_index", "y_true", "y_pred"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if mine.shape != theirs.shape:
                differences.append(f"{name}: {len(mine)} windows vs {len(theirs)}")
            elif not np.array_equal(mine, theirs):
                differences.append(f"{name}: {int((mine != theirs).sum())} of {len(mine)} windows differ")
        return differences
