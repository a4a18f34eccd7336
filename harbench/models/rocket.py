"""ROCKET: random convolutional kernels and a ridge classifier on raw windows."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from harbench.models.base import WindowClassifier, channels_first
from harbench.parallel import worker_count


class RocketClassifier(WindowClassifier):
    """ROCKET, Dempster, Petitjean & Webb (2020), "ROCKET: exceptionally fast and accurate time
    series classification using random convolutional kernels", Data Mining and Knowledge
    Discovery 34:1454-1495: ``n_kernels`` random kernels (random length, weights, bias,
    dilation and padding) whose maximum and proportion of positive values are the features,
    on series z-normalised per case and channel when ``normalise`` (the paper's setting and
    aeon's default), then a ridge classifier whose penalty is chosen by leave-one-out
    cross-validation over ``alphas``, on features scaled to unit variance.

    The transform is aeon's ``Rocket``. Its settings are the paper's defaults, untuned; it is
    here as the reference behind the published ROCKET figures of the UEA archive (the
    ``rocket_reference`` suite). Nothing stops early, so the runner trains on the training and
    validation cases together.
    """

    family = "kernel"
    uses_validation = False

    def __init__(self, seed: int = 0, n_kernels: int = 10_000, normalise: bool = True,
                 alphas: tuple[float, ...] = tuple(np.logspace(-3, 3, 10)), n_jobs: int = -1) -> None:
        self.seed = seed
        self.n_kernels = n_kernels
        self.normalise = normalise
        self.alphas = alphas
        self.n_jobs = n_jobs

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        from aeon.transformations.collection.convolution_based import Rocket

        transform = Rocket(n_kernels=self.n_kernels, normalise=self.normalise, n_jobs=worker_count(self.n_jobs),
                           random_state=self.seed)
        self.pipeline_ = Pipeline([
            ("rocket", transform),
            ("scale", StandardScaler(with_mean=False)),
            ("ridge", RidgeClassifierCV(alphas=np.asarray(self.alphas, dtype=np.float64))),
        ])
        self.pipeline_.fit(channels_first(X), y)
        self.n_features_ = int(self.pipeline_.named_steps["scale"].n_features_in_)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.pipeline_.predict(channels_first(X))
