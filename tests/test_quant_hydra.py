"""QUANT and MultiRocket-Hydra: harbench's numpy transforms against aeon's torch ones, and the
classifiers' contract.

The reference values in ``tests/fixtures/aeon_quant_hydra.npz`` were computed by aeon 1.6
with torch (``tests/fixtures/make_aeon_reference.py`` says how to regenerate them); these tests
need neither.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harbench.errors import InputValidationError
from harbench.models.multirocket_hydra import (
    HydraKernels,
    MultiRocketHydraClassifier,
    SparseScaler,
    draw_hydra_kernels,
    hydra_transform,
)
from harbench.models.quant import QUANTClassifier, quant_intervals, quant_transform

REFERENCE = Path(__file__).parent / "fixtures" / "aeon_quant_hydra.npz"
QUANT_CASES = ("c3_t64", "c6_t128", "c3_t200", "c1_t64", "c2_t30")
HYDRA_CASES = ("c6_t128", "c1_t64", "c2_t30")


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(REFERENCE) as stored:
        return {key: stored[key] for key in stored.files}


def _aeon_kernels(reference: dict[str, np.ndarray], case: str) -> HydraKernels:
    return HydraKernels(reference[f"{case}/hydra_weights"], reference[f"{case}/hydra_channels"].astype(np.int64),
                        reference[f"{case}/hydra_dilations"])


def _assert_float32_close(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal up to float32 rounding: a relative 1e-5, or 1e-6 of the largest value (the Fourier
    magnitudes near zero, and sums of many terms, differ from torch's in their last bits)."""
    assert actual.shape == expected.shape
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6 * np.abs(expected).max())


@pytest.mark.parametrize("case", QUANT_CASES)
def test_quant_transform_equals_aeons_quant_transformer(reference, case):
    features = quant_transform(reference[f"{case}/X"].astype(np.float64))
    assert features.dtype == np.float32
    _assert_float32_close(features, reference[f"{case}/quant"])


def test_quant_intervals_are_dyadic_with_half_shifted_copies():
    intervals = quant_intervals(16, depth=3)
    expected = [(0, 16), (0, 8), (8, 16), (4, 12), (0, 4), (4, 8), (8, 12), (12, 16), (2, 6), (6, 10), (10, 14)]
    assert intervals.tolist() == [list(pair) for pair in expected]


@pytest.mark.parametrize("case", HYDRA_CASES)
def test_hydra_transform_equals_aeons_hydra_transformer_given_its_kernels(reference, case):
    features = hydra_transform(reference[f"{case}/X"].astype(np.float64), _aeon_kernels(reference, case))
    expected = reference[f"{case}/hydra"]
    _assert_float32_close(features, expected)
    per_block = reference[f"{case}/hydra_weights"].shape[2]  # groups x kernels of one (dilation, input)
    smallest_counts = features.reshape(len(features), -1, 2, per_block)[:, :, 1]
    assert np.array_equal(smallest_counts, np.round(smallest_counts)), "the smallest response's counts are whole"
    assert np.array_equal(smallest_counts, expected.reshape(smallest_counts.shape[0], -1, 2, per_block)[:, :, 1])


def test_hydra_transform_in_small_batches_equals_one_batch(reference):
    """Batches change only float32 rounding: BLAS may sum a product's 9 taps in another order
    for another matrix size (seen on an AMD EPYC with OpenBLAS: 819 of 12,288 features differ,
    by at most 7e-7 relative), but a window's features never depend on its batch's other windows."""
    X, kernels = reference["c6_t128/X"], _aeon_kernels(reference, "c6_t128")
    batched, whole = hydra_transform(X, kernels, batch_size=2), hydra_transform(X, kernels)
    np.testing.assert_allclose(batched, whole, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(hydra_transform(X[:2], kernels), batched[:2])  # the first batch, alone


def test_sparse_scaler_equals_aeons_on_every_feature_that_varies(reference):
    hydra = reference["c6_t128/hydra"]
    varies = ~(hydra == hydra[0]).all(axis=0)
    scaled = SparseScaler().fit_transform(hydra)
    np.testing.assert_allclose(scaled[:, varies], reference["c6_t128/hydra_scaled"][:, varies], atol=1e-4)
    # aeon's float32 turns a constant feature into rounding noise over 1e-8; harbench keeps it near 0
    assert np.abs(scaled[:, ~varies]).max() < 1e-6


@pytest.mark.parametrize("case", HYDRA_CASES)
def test_numpy_draws_hydra_kernels_of_aeons_shapes_and_norms(reference, case):
    n_channels, n_timepoints = reference[f"{case}/X"].shape[1:]
    n_groups = 2 * reference[f"{case}/hydra_channels"].shape[2]
    kernels = draw_hydra_kernels(n_timepoints, n_channels, n_groups=n_groups, seed=3)
    assert kernels.weights.shape == reference[f"{case}/hydra_weights"].shape
    assert kernels.channels.shape == reference[f"{case}/hydra_channels"].shape
    np.testing.assert_array_equal(kernels.dilations, reference[f"{case}/hydra_dilations"])
    np.testing.assert_allclose(kernels.weights.mean(axis=-1), 0, atol=1e-6)
    np.testing.assert_allclose(np.abs(kernels.weights).sum(axis=-1), 1, rtol=1e-5)
    assert kernels.channels.min() >= 0 and kernels.channels.max() < n_channels


def test_same_seed_draws_the_same_hydra_kernels_and_another_seed_others():
    first, again, other = (draw_hydra_kernels(128, 6, seed=seed) for seed in (0, 0, 1))
    np.testing.assert_array_equal(first.weights, again.weights)
    np.testing.assert_array_equal(first.channels, again.channels)
    assert not np.array_equal(first.weights, other.weights)


def _windows(n: int, seed: int, n_channels: int = 3, n_timepoints: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Three classes of noisy sines of different frequencies, harbench's (n, T, C) layout."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    t = np.arange(n_timepoints) / 50.0
    X = np.sin(2 * np.pi * (1 + 3 * y)[:, None, None] * t[None, :, None]) + rng.normal(0, 0.3, (n, n_timepoints,
                                                                                               n_channels))
    return X.astype(np.float32), np.array(["sit", "stand", "walk"])[y]


CLASSIFIERS = {
    "quant": lambda seed: QUANTClassifier(seed=seed, n_estimators=50, n_jobs=1),
    "multirocket_hydra": lambda seed: MultiRocketHydraClassifier(seed=seed, n_multirocket_kernels=168, n_jobs=1),
}


@pytest.fixture(scope="module", params=sorted(CLASSIFIERS))
def fitted(request):
    X, y = _windows(60, seed=0)
    return request.param, CLASSIFIERS[request.param](0).fit(X, y)


def test_classifier_predicts_labels_of_the_right_shape_and_learns_separable_classes(fitted):
    _, model = fitted
    X, y = _windows(30, seed=2)
    predictions = model.predict(X)
    assert predictions.shape == (30,) and set(predictions) <= set(y)
    assert (predictions == y).mean() > 0.8


def test_classifier_gives_the_same_predictions_for_the_same_seed(fitted):
    name, model = fitted
    X, y = _windows(60, seed=0)
    X_test, _ = _windows(30, seed=3)
    np.testing.assert_array_equal(CLASSIFIERS[name](0).fit(X, y).predict(X_test), model.predict(X_test))


def test_classifier_rejects_a_wrong_channel_count(fitted):
    _, model = fitted
    X, _ = _windows(5, seed=4, n_channels=4)
    with pytest.raises(InputValidationError, match="channels"):
        model.predict(X)


def test_quant_gives_probabilities_and_multirocket_hydra_does_not(fitted):
    name, model = fitted
    X, _ = _windows(7, seed=5)
    if name == "quant":
        probabilities = model.predict_proba(X)
        assert probabilities.shape == (7, 3)
        np.testing.assert_allclose(probabilities.sum(axis=1), 1)
    else:
        assert not model.gives_probabilities()


def test_defaults_are_the_papers():
    quant = QUANTClassifier()
    assert (quant.interval_depth, quant.quantile_divisor, quant.n_estimators, quant.max_features) == (6, 4, 200, 0.1)
    hydra = MultiRocketHydraClassifier()
    assert (hydra.n_kernels, hydra.n_groups, hydra.n_multirocket_kernels) == (8, 64, 6_250)
    np.testing.assert_allclose(hydra.alphas, np.logspace(-3, 3, 10))
    assert (quant.family, hydra.family) == ("interval", "kernel")


@pytest.mark.parametrize("transform", ["quant", "hydra"])
def test_a_batch_transform_equals_each_window_transformed_alone(transform):
    """The transforms work on whole batches at once (their speed, against a loop over windows, is
    benchmarks/test_perf_kernels.py's); a window's features must not depend on its batch."""
    X = np.random.default_rng(0).standard_normal((30, 6, 128)).astype(np.float32)
    kernels = draw_hydra_kernels(128, 6)
    features = quant_transform if transform == "quant" else (lambda A: hydra_transform(A, kernels))
    batch = features(X)
    assert len(batch) == 30 and np.isfinite(batch).all()
    alone = np.vstack([features(X[index:index + 1]) for index in (0, 13, 29)])
    np.testing.assert_allclose(batch[[0, 13, 29]], alone, rtol=1e-5, atol=1e-5)
