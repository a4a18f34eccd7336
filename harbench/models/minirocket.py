"""MiniRocket: random convolutional kernels and a linear classifier on raw windows."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from harbench.models.base import WindowClassifier, channels_first
from harbench.models.onnx_graph import OnnxGraph, sklearn_graph
from harbench.parallel import worker_count


class MiniRocketClassifier(WindowClassifier):
    """MiniRocket, Dempster, Schmidt & Webb (2021), "MINIROCKET: A Very Fast (Almost)
    Deterministic Transform for Time Series Classification", KDD: ``n_kernels`` dilated
    kernels with weights in {-1, 2} whose proportions of positive values (PPV) are the
    features, then a ridge classifier whose penalty is chosen by leave-one-out cross-validation
    over ``alphas`` (``RidgeClassifierCV``, as in the paper and in aeon's
    ``MiniRocketClassifier``), on features scaled to unit variance.

    The transform is aeon's multivariate ``MiniRocket``; kernel biases are drawn from the
    training windows with ``seed``. Windows are fed raw, channel-first, with no per-series
    normalisation (orientation of gravity tells postures apart). The validation subjects are
    not needed (nothing stops early), so the runner trains on training and validation
    subjects together.
    """

    family = "kernel"
    uses_validation = False

    def __init__(self, seed: int = 0, n_kernels: int = 10_000, max_dilations_per_kernel: int = 32,
                 alphas: tuple[float, ...] = tuple(np.logspace(-3, 3, 10)), n_jobs: int = -1) -> None:
        self.seed = seed
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.alphas = alphas
        self.n_jobs = n_jobs

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        from aeon.transformations.collection.convolution_based import MiniRocket

        transform = MiniRocket(n_kernels=self.n_kernels, max_dilations_per_kernel=self.max_dilations_per_kernel,
                               n_jobs=worker_count(self.n_jobs), random_state=self.seed)
        self.pipeline_ = Pipeline([
            ("minirocket", transform),
            ("scale", StandardScaler(with_mean=False)),
            ("ridge", RidgeClassifierCV(alphas=np.asarray(self.alphas, dtype=np.float64))),
        ])
        self.pipeline_.fit(channels_first(X), y)
        self.n_features_ = int(self.pipeline_.named_steps["scale"].n_features_in_)
        self.alpha_ = float(self.pipeline_.named_steps["ridge"].alpha_)

    def set_prediction_jobs(self, n_jobs: int) -> MiniRocketClassifier:
        """Transform with ``n_jobs`` numba threads. aeon's MiniRocket resolves ``n_jobs`` into
        ``_n_jobs`` when fitted and reads that when transforming, so both are set."""
        from aeon.utils.validation import check_n_jobs

        transform = self.pipeline_.named_steps["minirocket"]
        transform.set_params(n_jobs=n_jobs)
        transform._n_jobs = check_n_jobs(n_jobs)
        return self

    def to_onnx(self) -> OnnxGraph:
        """The scaler and ridge classifier as a graph on PPV features, in single precision
        (skl2onnx has no double-precision ridge classifier, so export checks agreement);
        aeon's numba transform has no ONNX converter, so ``prepare`` computes the features."""
        from sklearn.pipeline import Pipeline

        transform = self.pipeline_.named_steps["minirocket"]
        prepare = lambda X: transform.transform(channels_first(X)).astype(np.float32)  # noqa: E731
        return OnnxGraph(sklearn_graph(Pipeline(self.pipeline_.steps[1:]), self.n_features_), "features", prepare,
                         np.float32)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.pipeline_.predict(channels_first(X))
