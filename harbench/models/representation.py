"""Input representations: declared, fit-free transforms of raw windows that may feed any
raw-window pipeline (``representation = "body_acceleration"`` in its suite configuration).

A representation is part of a pipeline's configuration and so of every result's key (with
its version); which one a dataset's pipelines use is chosen on the validation subjects, and
the suite file says so with the figures that decided it. Nothing is fitted, so a
representation cannot leak anything from one window to another.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.signal import butter, sosfiltfilt
from sklearn.base import clone

from harbench.errors import InputValidationError, UnknownIdError
from harbench.features.handcrafted import ACCELERATION_UNITS, sensor_triads
from harbench.models.base import WindowClassifier
from harbench.models.onnx_graph import OnnxGraph
from harbench.models.persistence import PersistenceError

STATE_FILE = "representation_state.json"
GRAVITY_CUTOFF_HZ = 0.3
GRAVITY_FILTER_ORDER = 3


@dataclass(frozen=True)
class Layout:
    """The channel layout a representation reads: sampling rate, channel names and units."""

    fs: float
    channels: tuple[str, ...]
    units: tuple[str, ...]


@dataclass(frozen=True)
class Representation:
    """A fit-free window transform (``apply(X, layout)`` -> windows) and its ``version``,
    bumped whenever its output changes."""

    apply: Callable[[np.ndarray, Layout], np.ndarray]
    version: int
    description: str


def accelerometer_triads(layout: Layout) -> list[tuple[str, tuple[int, int, int]]]:
    """The ``<sensor>_x/_y/_z`` triads whose unit is an acceleration (or, with no units, whose
    name starts with ``acc``): the accelerometers."""
    units = dict(zip(layout.channels, layout.units, strict=False))
    return [(sensor, axes) for sensor, axes in sensor_triads(layout.channels)
            if units.get(layout.channels[axes[0]], "") in ACCELERATION_UNITS
            or (not layout.units and sensor.startswith("acc"))]


def body_acceleration(X: np.ndarray, layout: Layout) -> np.ndarray:
    """The windows with, appended, the body acceleration of every accelerometer: each axis
    minus its gravity, a 3rd-order Butterworth low-pass at 0.3 Hz run forwards and backwards
    over the window (the UCI HAR release's split, Anguita et al. 2013, ESANN; the 9 signals of
    its Inertial Signals are the 6 raw channels and these 3)."""
    triads = accelerometer_triads(layout)
    if not triads:
        raise InputValidationError(
            f"representation 'body_acceleration' needs a 3-axis accelerometer (channels <sensor>_x/_y/_z in "
            f"{sorted(ACCELERATION_UNITS)}); this data has channels {list(layout.channels)} with units "
            f"{list(layout.units)}. Use representation 'raw' for it."
        )
    sos = butter(GRAVITY_FILTER_ORDER, GRAVITY_CUTOFF_HZ, btype="low", fs=layout.fs, output="sos")
    indices = [index for _, axes in triads for index in axes]
    acceleration = X[:, :, indices]
    body = acceleration - sosfiltfilt(sos, acceleration, axis=1)
    return np.concatenate([X, body.astype(X.dtype)], axis=2)


def z_normalised(X: np.ndarray, layout: Layout) -> np.ndarray:
    """Each window's channels z-normalised over time (mean 0, standard deviation 1; a constant
    channel becomes 0), the usual input of the UCR/UEA time-series classifiers, which drops the
    signal's level (for inertial data: the orientation of gravity)."""
    centred = X - X.mean(axis=1, keepdims=True)
    return (centred / np.maximum(X.std(axis=1, keepdims=True), 1e-8)).astype(X.dtype)


REPRESENTATIONS: dict[str, Representation] = {
    "raw": Representation(lambda X, layout: X, 1, "the windows as recorded"),
    "body_acceleration": Representation(body_acceleration, 1, "the raw channels and each accelerometer's body "
                                        "acceleration (minus its 0.3 Hz low-pass)"),
    "z_normalised": Representation(z_normalised, 1, "each window's channels z-normalised over time"),
}


def get_representation(name: str) -> Representation:
    if name not in REPRESENTATIONS:
        raise UnknownIdError(f"Unknown representation {name!r}; known: {', '.join(REPRESENTATIONS)}.")
    return REPRESENTATIONS[name]


class RepresentedClassifier(WindowClassifier):
    """``model`` fed the ``representation`` of the windows (of layout ``fs``, ``channels``,
    ``units``) instead of the windows themselves. It takes the model's tags (family, use of
    validation data, compute sensitivity) and its fitted attributes' meaning."""

    def __init__(self, model: WindowClassifier, representation: str, fs: float, channels: Sequence[str],
                 units: Sequence[str]) -> None:
        self.model = model
        self.representation = representation
        self.fs = fs
        self.channels = channels
        self.units = units

    @property
    def family(self) -> str:  # type: ignore[override]
        return self.model.family

    @property
    def uses_validation(self) -> bool:  # type: ignore[override]
        return self.model.uses_validation

    def compute_description(self) -> dict | None:  # type: ignore[override]
        return self.model.compute_description()

    def _transform(self, X: np.ndarray) -> np.ndarray:
        layout = Layout(float(self.fs), tuple(self.channels), tuple(self.units))
        if X.shape[2] != len(layout.channels):
            raise InputValidationError(f"windows have {X.shape[2]} channels; the representation was declared for "
                                       f"{len(layout.channels)} ({list(layout.channels)}).")
        return get_representation(self.representation).apply(X, layout)

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        self.model_ = clone(self.model)
        self.model_.fit(self._transform(X), y, None if X_val is None else self._transform(X_val), y_val, groups)
        for name in ("epochs_run_", "selected_epochs_", "history_", "n_parameters_", "n_features_",
                     "refit_on_validation_"):
            if hasattr(self.model_, name):
                setattr(self, name, getattr(self.model_, name))

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict(self._transform(X))

    def _predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.model_.predict_proba(self._transform(X))

    def gives_probabilities(self) -> bool:
        return self.model_.gives_probabilities()

    def set_prediction_jobs(self, n_jobs: int) -> RepresentedClassifier:
        self.model_.set_prediction_jobs(n_jobs)
        return self

    def serialized_size(self) -> int:
        return self.model_.serialized_size()

    def save_fitted(self, folder: Path) -> None:
        """The wrapped model's files, and the raw window shape and classes as JSON."""
        state = {"classes": self.classes_.tolist(), "input_shape": list(self.input_shape_)}
        (Path(folder) / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")
        self.model_.save_fitted(folder)

    def load_fitted(self, folder: Path, trusted_modules: frozenset[str] = frozenset()) -> RepresentedClassifier:
        path = Path(folder) / STATE_FILE
        try:
            state = json.loads(path.read_text())
            self.classes_ = np.asarray(state["classes"])
            self.input_shape_ = tuple(int(size) for size in state["input_shape"])
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as error:
            raise PersistenceError(f"{path}: missing or damaged ({error}); fit the model again.") from error
        self.model_ = clone(self.model).load_fitted(folder, trusted_modules)
        return self

    def to_onnx(self) -> OnnxGraph:
        """The wrapped model's graph; its input is made from the representation of the windows."""
        graph = self.model_.to_onnx()
        return OnnxGraph(graph.model_bytes, graph.takes, lambda X: graph.prepare(self._transform(X)), graph.dtype)
