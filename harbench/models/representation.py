"""Input representations: declared, fit-free transforms of raw inputs that may feed any
raw-window or feature pipeline (``representation = "body_acceleration"`` in its suite
configuration).

A representation is part of a pipeline's configuration and so of every result's key (with
its version); which one a dataset's pipelines use is chosen on the validation subjects, and
the suite file says so with the figures that decided it. Nothing is fitted, so a
representation cannot leak anything from one window to another.

A representation declares the rank of the inputs it takes (``input_rank``, as
`WindowClassifier.input_rank`: 3 for (n, T, C) windows, 5 for (n, frames, height, width,
channels) clips) and the layout of what it gives (``output_layout``), so that a clip can feed
an (n, T, C) pipeline: ``shape_descriptors`` turns clips into the (n, frames, D) series of
their per-frame shape descriptors (`harbench.features.clip_shape`), and the wrapped pipeline is
built for the descriptors' channel names.
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
from harbench.features.clip_shape import DESCRIPTOR_UNITS, DESCRIPTORS, SHAPE_DESCRIPTORS_VERSION, shape_descriptors
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
    """A fit-free transform (``apply(X, layout)`` -> (n, T, C) windows) of inputs of rank
    ``input_rank`` (3: windows, 5: clips) and its ``version``, bumped whenever its output
    changes. ``output_layout(layout)`` is the layout of what it gives (None: the input's
    layout, for a transform that keeps the channels)."""

    apply: Callable[[np.ndarray, Layout], np.ndarray]
    version: int
    description: str
    input_rank: int = 3
    output_layout: Callable[[Layout], Layout] | None = None

    def layout_of_output(self, layout: Layout) -> Layout:
        """The layout of the windows this representation makes of inputs of ``layout``."""
        return layout if self.output_layout is None else self.output_layout(layout)


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


def body_acceleration_layout(layout: Layout) -> Layout:
    """The raw channels, then ``body_<sensor>_<axis>`` of every accelerometer, in its unit."""
    units = dict(zip(layout.channels, layout.units, strict=False))
    added = [(f"body_{layout.channels[index]}", units.get(layout.channels[index], ""))
             for _, axes in accelerometer_triads(layout) for index in axes]
    return Layout(layout.fs, layout.channels + tuple(name for name, _ in added),
                  layout.units + tuple(unit for _, unit in added) if layout.units else ())


def z_normalised(X: np.ndarray, layout: Layout) -> np.ndarray:
    """Each window's channels z-normalised over time (mean 0, standard deviation 1; a constant
    channel becomes 0), the usual input of the UCR/UEA time-series classifiers, which drops the
    signal's level (for inertial data: the orientation of gravity)."""
    centred = X - X.mean(axis=1, keepdims=True)
    return (centred / np.maximum(X.std(axis=1, keepdims=True), 1e-8)).astype(X.dtype)


def clip_shape_descriptors(X: np.ndarray, layout: Layout) -> np.ndarray:
    """Clips (n, F, H, W, C) as the (n, F, D) series of their per-frame shape descriptors
    (`harbench.features.clip_shape.shape_descriptors`: area, centroid, bounding box, Hu 1962
    moments, centroid velocity; of the silhouette, or of the foreground of RGB clips)."""
    return shape_descriptors(X, layout.channels, layout.units)


def shape_descriptors_layout(layout: Layout) -> Layout:
    """One channel per descriptor (``clip_shape.DESCRIPTORS``) at the clips' frame rate."""
    return Layout(layout.fs, DESCRIPTORS, tuple(DESCRIPTOR_UNITS[name] for name in DESCRIPTORS))


REPRESENTATIONS: dict[str, Representation] = {
    "raw": Representation(lambda X, layout: X, 1, "the windows as recorded"),
    "body_acceleration": Representation(body_acceleration, 1, "the raw channels and each accelerometer's body "
                                        "acceleration (minus its 0.3 Hz low-pass)",
                                        output_layout=body_acceleration_layout),
    "z_normalised": Representation(z_normalised, 1, "each window's channels z-normalised over time"),
    "shape_descriptors": Representation(clip_shape_descriptors, SHAPE_DESCRIPTORS_VERSION,
                                        "clips as the series of their per-frame shape descriptors",
                                        input_rank=5, output_layout=shape_descriptors_layout),
}


def get_representation(name: str) -> Representation:
    if name not in REPRESENTATIONS:
        raise UnknownIdError(f"Unknown representation {name!r}; known: {', '.join(REPRESENTATIONS)}.")
    return REPRESENTATIONS[name]


class RepresentedClassifier(WindowClassifier):
    """``model`` fed the ``representation`` of the inputs (of layout ``fs``, ``channels``,
    ``units``) instead of the inputs themselves. It takes the model's tags (family, use of
    validation data, compute sensitivity) and its fitted attributes' meaning, and the input rank
    of its representation (5 for ``shape_descriptors``: it takes clips, the model their series).
    A feature ``model`` is built for the representation's output layout
    (`Representation.layout_of_output`)."""

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

    @property
    def input_rank(self) -> int:  # type: ignore[override]
        return get_representation(self.representation).input_rank

    def compute_description(self) -> dict | None:  # type: ignore[override]
        return self.model.compute_description()

    def _transform(self, X: np.ndarray) -> np.ndarray:
        layout = Layout(float(self.fs), tuple(self.channels), tuple(self.units))
        if X.shape[-1] != len(layout.channels):
            raise InputValidationError(f"inputs have {X.shape[-1]} channels; the representation was declared for "
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
        """The wrapped model's files, and the raw input shape and classes as JSON."""
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
        """The wrapped model's graph; its input is made from the representation of the inputs."""
        graph = self.model_.to_onnx()
        return OnnxGraph(graph.model_bytes, graph.takes, lambda X: graph.prepare(self._transform(X)), graph.dtype)
