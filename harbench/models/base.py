"""`WindowClassifier`: the contract every pipeline fulfils.

Following aeon's template methods (``aeon/classification/base.py``): the public `fit`,
`predict` and `predict_proba` check their input once, the same way for every learner, and
hand clean arrays to the private ``_fit`` / ``_predict`` / ``_predict_proba``. Constructors
only store their arguments; everything learned ends in an underscore.
"""

from __future__ import annotations

import pickle
from abc import abstractmethod
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

from harbench.errors import InputValidationError


def check_windows(X: np.ndarray, name: str = "X") -> np.ndarray:
    """``X`` as float32 (n, T, C) with n, T, C >= 1 and no NaN or infinity."""
    X = np.asarray(X)
    if X.ndim != 3:
        raise InputValidationError(f"{name} must be windows of shape (n, T, C); got an array of rank {X.ndim} "
                                   f"with shape {X.shape}.")
    if min(X.shape) == 0:
        raise InputValidationError(f"{name} has shape {X.shape}; every dimension must be at least 1.")
    if not np.issubdtype(X.dtype, np.number):
        raise InputValidationError(f"{name} has dtype {X.dtype}; expected numbers.")
    X = X.astype(np.float32, copy=False)
    finite = np.isfinite(X)
    if not finite.all():
        bad = np.argwhere(~finite)[0]
        raise InputValidationError(
            f"{name} contains NaN or infinity (first at window {bad[0]}, step {bad[1]}, channel {bad[2]}); "
            "fill or drop those windows before fitting or predicting."
        )
    return X


class WindowClassifier(ClassifierMixin, BaseEstimator):
    """A classifier of (n, T, C) windows.

    Tags: ``family`` is ``"classical"`` (features + learner) or ``"deep"`` (raw windows);
    ``uses_validation`` says whether `fit` uses ``X_val`` / ``y_val`` (early stopping, model
    selection). A learner that does not is trained on train and validation subjects together.
    """

    family: ClassVar[str] = "classical"
    uses_validation: ClassVar[bool] = False

    def fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None = None, y_val: np.ndarray | None = None,
            groups: np.ndarray | None = None) -> WindowClassifier:
        """Fit on windows ``X`` with labels ``y``; ``X_val``/``y_val`` are validation windows of other
        subjects, ``groups`` the subject of each training window (for grouped inner CV)."""
        X = check_windows(X)
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise InputValidationError(f"y has shape {y.shape}; expected ({len(X)},), one label per window.")
        if groups is not None and np.shape(groups) != (len(X),):
            raise InputValidationError(f"groups has shape {np.shape(groups)}; expected ({len(X)},).")
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise InputValidationError(f"y holds a single class ({self.classes_[0]}); at least two are needed.")
        self.n_timesteps_, self.n_channels_ = X.shape[1:]
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

    def serialized_size(self) -> int:
        """Bytes of the fitted pipeline as it would be saved (pickle for scikit-learn objects)."""
        return len(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))

    def set_feature_cache(self, enabled: bool) -> WindowClassifier:
        """Turn a feature cache on or off where the pipeline has one (see `FeatureClassifier`)."""
        return self

    def _encode(self, labels: np.ndarray, name: str) -> np.ndarray:
        unknown = np.setdiff1d(labels, self.classes_)
        if unknown.size:
            raise InputValidationError(f"{name} holds labels {unknown.tolist()} not seen in y.")
        return np.searchsorted(self.classes_, labels)

    def _check_fitted_shape(self, X: np.ndarray, name: str) -> np.ndarray:
        if not hasattr(self, "classes_"):
            raise InputValidationError(f"{type(self).__name__} is not fitted yet; call fit first.")
        X = check_windows(X, name)
        if X.shape[1:] != (self.n_timesteps_, self.n_channels_):
            raise InputValidationError(
                f"{name} has windows of {X.shape[1]} steps x {X.shape[2]} channels; this model was fitted on "
                f"{self.n_timesteps_} steps x {self.n_channels_} channels. Window the data the same way."
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
