"""Classical pipelines: a feature set on raw windows, then a scikit-learn learner."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.preprocessing import StandardScaler

from harbench.models.base import WindowClassifier


class FeatureClassifier(WindowClassifier):
    """``features`` (a transformer of (n, T, C) windows) feeding ``learner``.

    With ``scale`` the features are standardised on the training fold (for learners that
    need it, such as SVMs).
    """

    family = "classical"

    def __init__(self, features: BaseEstimator, learner: BaseEstimator, scale: bool = True) -> None:
        self.features = features
        self.learner = learner
        self.scale = scale

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None) -> None:
        self.features_ = clone(self.features).fit(X, y)
        F = self.features_.transform(X)
        self.scaler_ = StandardScaler().fit(F) if self.scale else None
        self.learner_ = clone(self.learner).fit(self._scaled(F), y)
        self.n_features_ = F.shape[1]

    def _scaled(self, F: np.ndarray) -> np.ndarray:
        return self.scaler_.transform(F) if self.scaler_ is not None else F

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.learner_.predict(self._scaled(self.features_.transform(X)))

    def _predict_proba(self, X: np.ndarray) -> np.ndarray:
        return self.learner_.predict_proba(self._scaled(self.features_.transform(X)))
