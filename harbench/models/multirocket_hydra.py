"""MultiRocket-Hydra: competing convolutional kernels (Hydra) and MultiRocket's pooled random
kernels, concatenated, then a ridge classifier on raw windows.

Hydra's transform is harbench's own numpy implementation of aeon 1.6's ``HydraTransformer``
(which needs torch, too heavy a dependency for harbench). Given the same kernels and channel
selections it gives aeon's features (``tests/test_quant_hydra.py`` checks it against kernels
exported from aeon's torch model, ``tests/fixtures/aeon_quant_hydra.npz``). aeon draws its
kernels with torch's random generator, which numpy cannot reproduce, so harbench draws them
from the same distribution with numpy's seeded generator: the features of a given seed differ
from aeon's for that seed, their distribution does not. MultiRocket is aeon's own numba
transform, which needs no torch.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import RidgeClassifierCV
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from harbench.models.base import WindowClassifier, channels_first
from harbench.parallel import worker_count

KERNEL_LENGTH = 9


def hydra_dilations(n_timepoints: int) -> np.ndarray:
    """Dilations ``1, 2, 4, ...`` up to ``2**floor(log2((T - 1) / 8))`` (at least 1), as Hydra's."""
    max_exponent = np.log2((n_timepoints - 1) / (KERNEL_LENGTH - 1)) if n_timepoints > 1 else 0.0
    return 2 ** np.arange(max(int(max_exponent), 0) + 1)


@dataclass(frozen=True)
class HydraKernels:
    """Hydra's random parameters.

    Attributes
    ----------
    weights
        (n_dilations, n_inputs, n_groups_per_input * n_kernels, 9): for each dilation and input
        (the series, then its first differences), ``n_kernels`` kernels per group, group by
        group, each of zero mean and unit L1 norm (aeon's ``_HydraInternal.W`` less its
        singleton axis).
    channels
        (n_dilations, n_inputs, n_groups_per_input, n_channels_per_group): the channels summed
        to form each group's input (multivariate series only; aeon's ``_HydraInternal.idx``).
    dilations
        (n_dilations,) the dilation of each level.
    """

    weights: np.ndarray
    channels: np.ndarray
    dilations: np.ndarray

    @property
    def n_groups_per_input(self) -> int:
        return int(self.channels.shape[2])

    @property
    def n_kernels(self) -> int:
        return int(self.weights.shape[2]) // self.n_groups_per_input


def draw_hydra_kernels(n_timepoints: int, n_channels: int, n_kernels: int = 8, n_groups: int = 64,
                       max_num_channels: int = 8, seed: int = 0) -> HydraKernels:
    """Hydra's kernels as the paper and aeon draw them (standard normal weights, centred and
    scaled to unit L1 norm; half the groups on the series and half on its first differences;
    each group's input the sum of ``clip(C // 2, 2, max_num_channels)`` channels drawn with
    replacement), from numpy's generator seeded with ``seed`` instead of torch's."""
    rng = np.random.default_rng(seed)
    dilations = hydra_dilations(n_timepoints)
    n_inputs = min(2, n_groups)
    per_input = n_groups // n_inputs
    weights = rng.standard_normal((len(dilations), n_inputs, n_kernels * per_input, KERNEL_LENGTH))
    weights -= weights.mean(axis=-1, keepdims=True)
    weights /= np.abs(weights).sum(axis=-1, keepdims=True)
    n_summed = int(np.clip(n_channels // 2, 2, max_num_channels))
    channels = rng.integers(0, n_channels, (len(dilations), n_inputs, per_input, n_summed))
    return HydraKernels(weights.astype(np.float32), channels, dilations)


def _group_inputs(X: np.ndarray, channels: np.ndarray) -> np.ndarray:
    """(groups or 1, n, T): each group's input, the sum of its channels (the series itself for
    one channel)."""
    if X.shape[1] == 1:
        return X.transpose(1, 0, 2)
    summed = X[:, channels[:, 0]]
    for m in range(1, channels.shape[1]):
        summed = summed + X[:, channels[:, m]]
    return summed.transpose(1, 0, 2)


def _convolve(inputs: np.ndarray, weights: np.ndarray, dilation: int) -> np.ndarray:
    """(groups, k, n * T): each group's k kernels slid over its input with zero padding that
    keeps the length (cross-correlation, as torch's ``conv1d``); one matrix product per group."""
    groups, n, T = inputs.shape
    pad = (KERNEL_LENGTH - 1) * dilation // 2
    taps = np.empty((groups, KERNEL_LENGTH, n, T), dtype=inputs.dtype)
    for j in range(KERNEL_LENGTH):
        offset = j * dilation - pad  # output step t reads input step t + offset
        lo, hi = min(T, max(0, -offset)), max(0, min(T, T - offset))
        taps[:, j, :, :lo] = 0
        taps[:, j, :, max(lo, hi):] = 0
        if lo < hi:
            taps[:, j, :, lo:hi] = inputs[..., lo + offset:hi + offset]
    return np.matmul(weights, taps.reshape(groups, KERNEL_LENGTH, n * T))


def _first_extreme_index(Z: np.ndarray, extreme: np.ndarray) -> np.ndarray:
    """Along axis 1 of ``Z``, the first index where ``Z`` equals ``extreme`` (torch's choice
    among ties): ``k`` minus the largest of ``k - index`` over the matching indices."""
    k = Z.shape[1]
    rank = np.arange(k, 0, -1, dtype=np.uint8)[None, :, None]
    return k - (np.equal(Z, extreme[:, None]) * rank).max(axis=1).astype(np.int64)


def _count(winner: np.ndarray, values: np.ndarray | None, n: int, k: int) -> np.ndarray:
    """(n, groups, k): per window, group and kernel, the sum of ``values`` (or the number of
    time steps) where that kernel won."""
    groups, length = winner.shape
    window = np.arange(length) // (length // n)
    flat = (window[None, :] * groups + np.arange(groups)[:, None]) * k + winner
    counts = np.bincount(flat.ravel(), weights=None if values is None else values.ravel(), minlength=n * groups * k)
    return counts.reshape(n, groups, k)


def _hydra_batch(X: np.ndarray, kernels: HydraKernels) -> np.ndarray:
    n = len(X)
    k = kernels.n_kernels
    inputs = (X, np.diff(X, axis=-1))
    features = []
    for level, dilation in enumerate(kernels.dilations):
        for which in range(kernels.weights.shape[1]):
            group_inputs = _group_inputs(inputs[which], kernels.channels[level, which])
            weights = kernels.weights[level, which].reshape(kernels.n_groups_per_input, k, KERNEL_LENGTH)
            Z = _convolve(group_inputs, weights, int(dilation))
            largest, smallest = Z.max(axis=1), Z.min(axis=1)
            features.append(_count(_first_extreme_index(Z, largest), largest, n, k))
            features.append(_count(_first_extreme_index(Z, smallest), None, n, k))
    return np.concatenate(features, axis=1).reshape(n, -1).astype(np.float32)


def hydra_transform(X: np.ndarray, kernels: HydraKernels, batch_size: int = 256, n_jobs: int = 1) -> np.ndarray:
    """Hydra's features of series ``X`` (n, C, T), as aeon's ``HydraTransformer`` gives them
    for the same kernels.

    For each dilation and input (the series, then its first differences), every group's
    kernels compete at each time step: the largest response adds its value to its kernel's
    first count, the smallest adds one to its kernel's second count. Features are ordered
    dilation, input, (largest, smallest), group, kernel. Computed in float32, as aeon does, in
    batches of ``batch_size`` windows, each a few matrix products, on ``n_jobs`` threads. The
    products are small (9 taps by 8 kernels), on which a multi-threaded BLAS only loses time,
    so BLAS runs on one thread per batch.

    Returns
    -------
    np.ndarray
        float32 array of shape (n, n_dilations * n_inputs * 2 * n_groups_per_input * n_kernels).
    """
    X = np.asarray(X, dtype=np.float32)
    batches = [X[i:i + batch_size] for i in range(0, len(X), batch_size)]
    with threadpool_limits(limits=1, user_api="blas"):
        if n_jobs == 1 or len(batches) == 1:
            return np.concatenate([_hydra_batch(batch, kernels) for batch in batches])
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            return np.concatenate(list(pool.map(_hydra_batch, batches, [kernels] * len(batches))))


class SparseScaler:
    """Hydra's scaling (Dempster et al. 2023, and aeon's ``_SparseScaler``): square roots of
    the clipped-at-zero counts, centred and scaled per feature, zero counts kept at zero; the
    scale gets ``(fraction of zeros)**exponent + 1e-8`` added so that rare counts are not blown
    up.

    Computed in float64 (aeon's float32 turns a feature that is constant on the training
    windows into rounding noise divided by 1e-8; here it stays near zero, as intended)."""

    def __init__(self, exponent: int = 4) -> None:
        self.exponent = exponent

    @staticmethod
    def _root(X: np.ndarray) -> np.ndarray:
        return np.sqrt(np.clip(np.asarray(X, dtype=np.float64), 0, None))

    def fit(self, X: np.ndarray) -> SparseScaler:
        root = self._root(X)
        epsilon = (root == 0).mean(axis=0) ** self.exponent + 1e-8
        self.mean_ = root.mean(axis=0)
        self.scale_ = root.std(axis=0, ddof=1) + epsilon
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        root = self._root(X)
        return ((root - self.mean_) * (root != 0) / self.scale_).astype(np.float32)

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        return self.fit(X).transform(X)


class MultiRocketHydraClassifier(WindowClassifier):
    """MultiRocket-Hydra, Dempster, Schmidt & Webb (2023), "Hydra: competing convolutional
    kernels for fast and accurate time series classification", Data Mining and Knowledge
    Discovery 37:1779-1805, with MultiRocket (Tan, Dempster, Bergmeir & Webb 2022,
    "MultiRocket: multiple pooling operators and transformations for fast and effective time
    series classification", Data Mining and Knowledge Discovery 36:1623-1646).

    Hydra (``n_groups`` groups of ``n_kernels`` competing kernels per dilation, half on the
    series and half on its first differences; `hydra_transform`, harbench's numpy version of
    aeon's ``HydraTransformer``, with kernels drawn by numpy from ``seed``) scaled by
    `SparseScaler`, beside aeon's ``MultiRocket`` (``n_multirocket_kernels`` kernels, four
    pooling operators, on the series and its first differences) standardised; the two
    concatenated feed a ridge classifier whose penalty is chosen by leave-one-out
    cross-validation over ``alphas`` (``RidgeClassifierCV``). This is aeon's
    ``MultiRocketHydraClassifier``; all settings are the papers' defaults, untuned: nothing was
    chosen on any test data. The validation subjects are not needed (nothing stops early), so
    the runner trains on training and validation subjects together. Windows are fed raw,
    channel-first. Ridge gives no class probabilities.
    """

    family = "kernel"
    uses_validation = False

    def __init__(self, seed: int = 0, n_kernels: int = 8, n_groups: int = 64, max_num_channels: int = 8,
                 n_multirocket_kernels: int = 6_250, alphas: tuple[float, ...] = tuple(np.logspace(-3, 3, 10)),
                 n_jobs: int = -1) -> None:
        self.seed = seed
        self.n_kernels = n_kernels
        self.n_groups = n_groups
        self.max_num_channels = max_num_channels
        self.n_multirocket_kernels = n_multirocket_kernels
        self.alphas = alphas
        self.n_jobs = n_jobs

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        from aeon.transformations.collection.convolution_based import MultiRocket

        series = channels_first(X)
        self.jobs_ = worker_count(self.n_jobs)
        self.hydra_kernels_ = draw_hydra_kernels(series.shape[2], series.shape[1], self.n_kernels, self.n_groups,
                                                 self.max_num_channels, self.seed)
        self.hydra_scaler_ = SparseScaler().fit(hydra_transform(series, self.hydra_kernels_, n_jobs=self.jobs_))
        self.multirocket_ = MultiRocket(n_kernels=self.n_multirocket_kernels, n_jobs=self.jobs_,
                                        random_state=self.seed).fit(series)
        self.multirocket_scaler_ = StandardScaler().fit(self.multirocket_.transform(series))
        features = self._features(series)
        self.ridge_ = RidgeClassifierCV(alphas=np.asarray(self.alphas, dtype=np.float64)).fit(features, y)
        self.n_features_ = int(features.shape[1])
        self.alpha_ = float(self.ridge_.alpha_)

    def _features(self, series: np.ndarray) -> np.ndarray:
        hydra = self.hydra_scaler_.transform(hydra_transform(series, self.hydra_kernels_, n_jobs=self.jobs_))
        multirocket = self.multirocket_scaler_.transform(self.multirocket_.transform(series))
        return np.concatenate([hydra, multirocket.astype(np.float32, copy=False)], axis=1)

    def set_prediction_jobs(self, n_jobs: int) -> MultiRocketHydraClassifier:
        """Transform with ``n_jobs`` threads: Hydra's batches, and MultiRocket's numba threads
        (aeon's MultiRocket reads ``_n_jobs``, resolved when fitted, so both are set)."""
        from aeon.utils.validation import check_n_jobs

        self.jobs_ = worker_count(n_jobs)
        self.multirocket_.set_params(n_jobs=n_jobs)
        self.multirocket_._n_jobs = check_n_jobs(n_jobs)
        return self

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self.ridge_.predict(self._features(channels_first(X)))
