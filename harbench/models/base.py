"""`WindowClassifier`: the contract every pipeline fulfils.

Following aeon's template methods (``aeon/classification/base.py``): the public `fit`,
`predict` and `predict_proba` check their input once, the same way for every learner, and
hand clean arrays to the private ``_fit`` / ``_predict`` / ``_predict_proba``. Constructors
only store their arguments; everything learned ends in an underscore.
"""

from __future__ import annotations

import pickle
from abc import abstractmethod
from pathlib import Path
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from harbench.errors import InputValidationError
from harbench.models.onnx_graph import OnnxGraph
from harbench.models.persistence import load_skops, save_skops

# what each input rank is: sensor windows, or video clips (`harbench.datasets` says which a dataset gives)
INPUT_LAYOUTS = {3: "windows of shape (n, T, C)", 5: "clips of shape (n, frames, height, width, channels)"}


def check_windows(X: np.ndarray, name: str = "X", rank: int = 3) -> np.ndarray:
    """``X`` as float32 inputs of ``rank`` (`INPUT_LAYOUTS`: 3 for (n, T, C) windows, 5 for
    (n, frames, height, width, channels) clips), every dimension >= 1, no NaN or infinity."""
    X = np.asarray(X)
    if X.ndim != rank:
        raise InputValidationError(f"{name} must be {INPUT_LAYOUTS[rank]}; got an array of rank {X.ndim} "
                                   f"with shape {X.shape}.")
    if min(X.shape) == 0:
        raise InputValidationError(f"{name} has shape {X.shape}; every dimension must be at least 1.")
    if not np.issubdtype(X.dtype, np.number):
        raise InputValidationError(f"{name} has dtype {X.dtype}; expected numbers.")
    X = X.astype(np.float32, copy=False)
    finite = np.isfinite(X)
    if not finite.all():
        bad = np.argwhere(~finite)[0]
        where = (f"window {bad[0]}, step {bad[1]}, channel {bad[2]}" if rank == 3 else
                 f"clip {bad[0]}, frame {bad[1]}, pixel {tuple(int(i) for i in bad[2:4])}, channel {bad[4]}")
        raise InputValidationError(
            f"{name} contains NaN or infinity (first at {where}); fill or drop those inputs before fitting or "
            "predicting."
        )
    return X


def _describe_items(shape: tuple[int, ...]) -> str:
    """The shape of one input in words: steps x channels for windows, frames x pixels x channels for clips."""
    if len(shape) == 2:
        return f"windows of {shape[0]} steps x {shape[1]} channels"
    return f"clips of {shape[0]} frames x {shape[1]} x {shape[2]} pixels x {shape[3]} channels"


def channels_first(X: np.ndarray) -> np.ndarray:
    """aeon's (n, C, T) float64 layout of harbench's (n, T, C) windows."""
    return np.ascontiguousarray(X.transpose(0, 2, 1), dtype=np.float64)


class WindowClassifier(ClassifierMixin, BaseEstimator):
    """A classifier of (n, T, C) windows, or, with ``input_rank`` 5, of (n, frames, height,
    width, channels) clips.

    Tags: ``family`` is ``"classical"`` (features + learner) or ``"deep"`` (raw windows);
    ``uses_validation`` says whether `fit` uses ``X_val`` / ``y_val`` (early stopping, model
    selection). A learner that does not is trained on train and validation subjects together.
    ``input_rank`` is the rank of the arrays it takes (`INPUT_LAYOUTS`). ``version`` is the
    algorithm's version: bump it in a subclass whenever its predictions for
    the same input and seed change, so that results stored under the old version are
    recomputed rather than reused (it is part of every result's key).

    ``params_added_later`` maps a constructor parameter added after results were stored to the
    default that reproduces the earlier behaviour exactly: at that value the parameter is left
    out of the learner's description (`harbench.models.registry.describe`), so the stored
    results keep their keys; any other value is described, and keyed, as usual.
    """

    family: ClassVar[str] = "classical"
    uses_validation: ClassVar[bool] = False
    input_rank: ClassVar[int] = 3
    version: ClassVar[int] = 1
    params_added_later: ClassVar[dict[str, object]] = {}

    @classmethod
    def compute_description(cls) -> dict | None:
        """For a learner whose arithmetic, and so whose result, depends on where it runs (a
        deep-learning framework's backend and device), what decides it, e.g. ``{"backend":
        "jax", "device": "cpu"}``; a result's key then names it (with the thread count).
        None for a learner that gives the same result wherever it runs."""
        return None

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None, y_val: np.ndarray | None = None,
            groups: np.ndarray | None = None) -> WindowClassifier:
        """Fit on windows ``X`` with labels ``y``; ``X_val``/``y_val`` are validation windows of other
        subjects, ``groups`` the subject of each training window (for grouped inner CV)."""
        X = check_windows(X, rank=self.input_rank)
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise InputValidationError(f"y has shape {y.shape}; expected ({len(X)},), one label per window.")
        if groups is not None and np.shape(groups) != (len(X),):
            raise InputValidationError(f"groups has shape {np.shape(groups)}; expected ({len(X)},).")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise InputValidationError(f"y holds a single class ({self.classes_[0]}); at least two are needed.")
        self.input_shape_ = tuple(int(size) for size in X.shape[1:])
        if X_val is not None:
            X_val = self._check_fitted_shape(X_val, "X_val")
            y_val = self._encode(np.asarray(y_val), "y_val")
            if y_val.shape != (len(X_val),):
                raise InputValidationError(f"y_val has shape {y_val.shape}; expected ({len(X_val)},).")
        self._fit(X, self._encode(y, "y"), X_val, y_val, groups)
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self._predict(self._check_fitted_shape(X, "X"))]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self._predict_proba(self._check_fitted_shape(X, "X"))

    def gives_probabilities(self) -> bool:
        """Whether the fitted pipeline has `predict_proba` (a subclass that overrides
        ``_predict_proba`` does)."""
        return type(self)._predict_proba is not WindowClassifier._predict_proba

    def serialized_size(self) -> int:
        """Bytes of the fitted pipeline as it would be saved (pickle for scikit-learn objects)."""
        return len(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))

    def save_fitted(self, folder: Path) -> None:
        """Write the fitted pipeline into ``folder`` (default: skops, `harbench.models.persistence`)."""
        save_skops(self, folder)

    def load_fitted(self, folder: Path, trusted_modules: frozenset[str] = frozenset()) -> WindowClassifier:
        """The fitted pipeline that `save_fitted` wrote into ``folder``, configured as ``self``
        (which is built from the same configuration, unfitted). Types from ``trusted_modules``
        are accepted besides harbench's and its dependencies'."""
        return load_skops(folder, type(self), set(trusted_modules))

    def to_onnx(self) -> OnnxGraph:
        """The fitted pipeline as an ONNX graph (`harbench.models.onnx_graph.OnnxGraph`); a
        pipeline without an exporter raises NotImplementedError, which export reports by name."""
        raise NotImplementedError(f"{type(self).__module__}.{type(self).__name__} has no ONNX exporter.")

    def set_feature_cache(self, enabled: bool) -> WindowClassifier:
        """Turn a feature cache on or off where the pipeline has one (see `FeatureClassifier`)."""
        return self

    def set_prediction_jobs(self, n_jobs: int) -> WindowClassifier:
        """Predict with ``n_jobs`` workers where the fitted pipeline has a worker count of its own
        (forests, boosted trees, kernel transforms); timings of single-window latency and
        throughput use 1, so that they measure the model and not a pool start-up."""
        return self

    def _encode(self, labels: np.ndarray, name: str) -> np.ndarray:
        unknown = np.setdiff1d(labels, self.classes_)
        if unknown.size:
            raise InputValidationError(f"{name} holds labels {unknown.tolist()} not seen in y.")
        return np.searchsorted(self.classes_, labels)

    def _check_fitted_shape(self, X: np.ndarray, name: str) -> np.ndarray:
        if not hasattr(self, "classes_"):
            raise InputValidationError(f"{type(self).__name__} is not fitted yet; call fit first.")
        X = check_windows(X, name, self.input_rank)
        if X.shape[1:] != self.input_shape_:
            raise InputValidationError(
                f"{name} has {_describe_items(X.shape[1:])}; this model was fitted on "
                f"{_describe_items(self.input_shape_)}. Window (or sample and resize) the data the same way."
            )
        return X

    @abstractmethod
    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        """Fit on clean windows; ``y`` and ``y_val`` are class indices."""

    @abstractmethod
    def _predict(self, X: np.ndarray) -> np.ndarray:
        """Class indices of clean windows."""

    def _predict_proba(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} gives no class probabilities.")
