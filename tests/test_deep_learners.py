"""Keras learners: the refit on training + validation windows, and both supported backends.

Keras picks its backend when it is first imported, so each backend is exercised in a fresh
subprocess (``KERAS_BACKEND`` set before anything imports Keras); the refit tests run in this
process on the default backend.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from harbench.hardware import cpu_description
from harbench.models import PipelineContext, make_pipeline, pipeline_ids
from harbench.models.deep import backend
from harbench.models.deep.backend import BackendError, compute_description, require_backend
from harbench.models.persistence import PersistenceError

ROOT = Path(__file__).resolve().parents[1]
CONTEXT = PipelineContext(fs=50.0, channels=("acc_x", "acc_y", "acc_z"), units=("g", "g", "g"))
# every registered deep learner of windows (the clip learners have their own backend test in
# test_clip_networks.py), so a new one cannot miss the check under both backends
DEEP_IDS = tuple(pipeline_id for pipeline_id in pipeline_ids()
                 if (model := make_pipeline(pipeline_id, CONTEXT, 0)).family == "deep" and model.input_rank == 3)
TINY = {"cnn": {"filters": 8, "dense_units": 8}, "lstm": {"units": 8}, "bilstm": {"units": 4},
        "cnn_lstm": {"filters": 4, "lstm_units": 4}, "convlstm": {"filters": 4, "dense_units": 4},
        "deepconvlstm": {"filters": 4, "lstm_units": 4}, "resnet": {"block_filters": [4, 4, 4]},
        "inception_time": {"depth": 3, "filters": 4, "bottleneck": 4, "kernel_sizes": [9, 5, 3]}}
SMALL_CNN = {"filters": 8, "dense_units": 8, "batch_size": 16}
# what the backend test fits: every deep learner, and one with weight averaging (the optimiser's
# moving average of the weights, swapped in around validation and at each epoch's end)
BACKEND_CASES = {**{pipeline_id: (pipeline_id, TINY[pipeline_id]) for pipeline_id in DEEP_IDS},
                 "resnet averaged": ("resnet", {**TINY["resnet"], "weight_average": 0.9})}


def _windows(n: int, seed: int, steps: int = 32, channels: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Three classes of sine windows (1, 4 and 7 Hz) in noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    t = np.arange(steps) / 50.0
    X = np.sin(2 * np.pi * (1 + 3 * y)[:, None, None] * t[None, :, None]) + rng.normal(0, 0.3, (n, steps, channels))
    return X.astype(np.float32), y


CHILD = textwrap.dedent("""
    import json, sys
    import numpy as np
    from harbench.models import make_pipeline
    from harbench.models.deep.backend import compute_description
    from tests.test_deep_learners import BACKEND_CASES, CONTEXT, _windows

    # whole batches of 8 everywhere (24 training, 8 validation, 32 in the refit), so each network
    # compiles one training and one evaluation step
    X, y = _windows(24, seed=0)
    X_val, y_val = _windows(8, seed=1)
    X_new, _ = _windows(10, seed=2)
    repeats = int(sys.argv[1])
    report = {"compute": compute_description(), "learners": {}}
    for case, (pipeline_id, tiny) in BACKEND_CASES.items():
        config = {**tiny, "max_epochs": 2, "patience": 1, "batch_size": 8}
        fits = [make_pipeline(pipeline_id, CONTEXT, 3, config).fit(X, y, X_val, y_val) for _ in range(repeats)]
        probabilities = [fit.predict_proba(X_new) for fit in fits]
        report["learners"][case] = {
            "predict_shape": list(fits[0].predict(X_new).shape),
            "proba_shape": list(probabilities[0].shape),
            "max_row_sum_error": float(np.abs(probabilities[0].sum(axis=1) - 1).max()),
            "same_seed_identical": all(np.array_equal(probabilities[0], other) for other in probabilities[1:]),
            "refit_on_validation": fits[0].refit_on_validation_,
        }
    import keras
    report["keras_backend"] = keras.config.backend()
    print("REPORT " + json.dumps(report))
""")


def _run_child(code: str, keras_backend: str, *args: str, timeout: float = 1500,
               jax_cache: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter under ``keras_backend``. With ``jax_cache``, XLA keeps its
    compiled programs in that folder, so a second fit of the same network (same seed, same shapes)
    skips the compilation that costs most of a tiny fit under JAX; the programs are the ones a
    first compilation gives, so the training arithmetic checked is the same."""
    env = {**os.environ, "KERAS_BACKEND": keras_backend, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    if jax_cache is not None:
        env.update(JAX_COMPILATION_CACHE_DIR=str(jax_cache), JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS="0",
                   JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES="0")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.slow
@pytest.mark.parametrize("keras_backend", ["tensorflow", "jax"])
def test_every_deep_learner_trains_and_predicts_deterministically_under_each_backend(keras_backend, tmp_path):
    """Each learner is fitted twice with one seed and must predict identical probabilities; on the
    backend this process runs, tests/test_models.py already checks that for every deep learner
    (a fit costs seconds of graph tracing or XLA compilation even on tiny data), so one fit suffices."""
    repeats = 1 if keras_backend == backend.active_backend() else 2
    result = _run_child(CHILD, keras_backend, str(repeats), jax_cache=tmp_path / "xla")
    lines = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    report = json.loads(lines[-1].removeprefix("REPORT "))
    assert report["keras_backend"] == keras_backend
    assert report["compute"] == {"backend": keras_backend, "device": cpu_description()}
    assert set(report["learners"]) == set(BACKEND_CASES)
    for pipeline_id, learner in report["learners"].items():
        assert learner["predict_shape"] == [10] and learner["proba_shape"] == [10, 3], pipeline_id
        assert learner["max_row_sum_error"] < 1e-5, pipeline_id
        assert learner["same_seed_identical"], f"{pipeline_id}: one seed gave two different models"
        assert learner["refit_on_validation"], pipeline_id


@pytest.mark.slow
@pytest.mark.parametrize("name, message", [
    ("torch", r"KERAS_BACKEND='torch' is not supported .*Keras offers it.*'tensorflow' and 'jax'"),
    ("nonsense", r"KERAS_BACKEND='nonsense' is not supported .*Keras has no such backend.*'tensorflow' and 'jax'"),
])
def test_an_unsupported_backend_fails_before_any_work_naming_the_supported_ones(name, message):
    code = textwrap.dedent("""
        import sys
        from harbench.models import make_pipeline
        from tests.test_deep_learners import CONTEXT, _windows
        X, y = _windows(12, seed=0)
        try:
            make_pipeline("cnn", CONTEXT, 0, {"max_epochs": 1}).fit(X, y, X, y)
        except Exception as error:
            print(type(error).__name__, error)
            print("keras imported:", "keras" in sys.modules)
    """)
    result = _run_child(code, name, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("BackendError "), result.stdout + result.stderr[-3000:]
    assert re.search(message, result.stdout), result.stdout
    assert "keras imported: False" in result.stdout


def test_a_missing_backend_names_the_package_to_install(monkeypatch):
    monkeypatch.setattr(backend, "active_backend", lambda: "jax")
    monkeypatch.setitem(sys.modules, "jax", None)  # find_spec answers None: as if not installed
    with pytest.raises(BackendError, match=r"KERAS_BACKEND='jax' needs .*jax.*pip install 'jax\[cpu\]'"):
        require_backend()


@pytest.mark.slow
def test_compute_description_names_the_backend_and_device_in_this_process():
    assert compute_description() == {"backend": "tensorflow", "device": cpu_description()}
    assert make_pipeline("resnet", CONTEXT, 0).compute_description() == compute_description()


@pytest.fixture(scope="module")
def refitted():
    X, y = _windows(60, seed=0)
    X_val, y_val = _windows(30, seed=1)
    config = {**SMALL_CNN, "max_epochs": 12, "patience": 4, "learning_rate": 0.01}
    return make_pipeline("cnn", CONTEXT, 0, config).fit(X, y, X_val, y_val), (X, X_val)


@pytest.mark.slow
def test_refit_trains_on_training_and_validation_windows_for_the_selected_epochs(refitted):
    model, (X, X_val) = refitted
    history = model.history_
    assert model.refit_on_validation_ is True
    assert model.selected_epochs_ == int(np.argmin(history["val_loss"])) + 1
    assert len(history["refit_loss"]) == len(history["refit_accuracy"]) == model.selected_epochs_
    assert model.epochs_run_ == len(history["loss"]) + model.selected_epochs_
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"} <= set(history)
    both = np.concatenate([X, X_val])
    np.testing.assert_allclose(model.channel_mean_, both.mean(axis=(0, 1)), rtol=1e-5)
    np.testing.assert_allclose(model.channel_std_, both.std(axis=(0, 1)), rtol=1e-5)


@pytest.mark.slow
def test_a_saved_learner_loads_and_predicts_the_same(refitted, tmp_path):
    model, (X, _) = refitted
    model.save_fitted(tmp_path)
    config = {**SMALL_CNN, "max_epochs": 12, "patience": 4, "learning_rate": 0.01}
    loaded = make_pipeline("cnn", CONTEXT, 0, config).load_fitted(tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert loaded.refit_on_validation_ and loaded.selected_epochs_ == model.selected_epochs_
    (tmp_path / "keras_state.json").unlink()
    with pytest.raises(PersistenceError, match=r"keras_state\.json are missing"):
        make_pipeline("cnn", CONTEXT, 0, config).load_fitted(tmp_path)


@pytest.mark.slow
def test_refit_replays_the_learning_rates_of_the_selection_run():
    """At a tiny learning rate the validation loss keeps falling, by less than ReduceLROnPlateau's
    ``min_delta`` (1e-4) but enough for early stopping: the rate is halved while the best epoch
    keeps moving on, so the selected epochs span several rates."""
    X, y = _windows(48, seed=0)
    X_val, y_val = _windows(24, seed=1)
    config = {**SMALL_CNN, "max_epochs": 4, "patience": 2, "learning_rate": 1e-6, "dropout": 0.0,
              "batch_norm": False}
    model = make_pipeline("cnn", CONTEXT, 0, config).fit(X, y, X_val, y_val)
    rates = model.history_["learning_rate"]
    assert len(rates) == len(model.history_["loss"]) and rates[0] == pytest.approx(1e-6)
    selected = rates[:model.selected_epochs_]
    assert min(selected) < max(selected), f"the test needs a halved rate within the selected epochs: {rates}"
    assert model.history_["refit_learning_rate"] == selected


@pytest.mark.slow
def test_without_refit_the_selection_run_is_kept():
    X, y = _windows(60, seed=0)
    X_val, y_val = _windows(30, seed=1)
    config = {**SMALL_CNN, "max_epochs": 6, "patience": 4, "learning_rate": 0.01, "refit": False}
    model = make_pipeline("cnn", CONTEXT, 0, config).fit(X, y, X_val, y_val)
    assert model.refit_on_validation_ is False and "refit_loss" not in model.history_
    assert model.epochs_run_ == len(model.history_["loss"])
    np.testing.assert_allclose(model.channel_mean_, X.mean(axis=(0, 1)), rtol=1e-5)


@pytest.mark.slow
def test_without_validation_windows_training_runs_max_epochs():
    X, y = _windows(60, seed=0)
    model = make_pipeline("cnn", CONTEXT, 0, {**SMALL_CNN, "max_epochs": 3}).fit(X, y)
    assert model.selected_epochs_ == model.epochs_run_ == 3
    assert model.refit_on_validation_ is False
    assert set(model.history_) == {"loss", "accuracy", "learning_rate"}


def test_parameters_added_later_stay_out_of_the_key_at_their_neutral_default():
    from harbench.models.registry import describe

    default = describe(make_pipeline("cnn", CONTEXT, 0))["params"]
    assert "head" not in default and "l2" not in default  # the stored cnn cells keep their keys
    changed = describe(make_pipeline("cnn", CONTEXT, 0, {"head": "flatten", "l2": 0.0}))["params"]
    assert changed["head"] == "flatten" and "l2" not in changed
    assert describe(make_pipeline("cnn", CONTEXT, 0, {"l2": 1e-4}))["params"]["l2"] == 1e-4


@pytest.mark.slow
def test_the_flatten_head_with_one_width_per_block_and_l2_builds_ronao_and_chos_network():
    X, y = _windows(24, seed=0)
    X_val, y_val = _windows(8, seed=1)
    config = {"filters": [4, 8, 8], "head": "flatten", "dense_units": 16, "l2": 5e-5, "batch_norm": False,
              "max_epochs": 2, "batch_size": 8}
    model = make_pipeline("cnn", CONTEXT, 0, config).fit(X, y, X_val, y_val)
    network = model.model_
    assert [layer.filters for layer in network.layers if hasattr(layer, "filters")] == [4, 8, 8]
    assert [type(layer).__name__ for layer in network.layers[-4:]] == ["Flatten", "Dense", "Dropout", "Dense"]
    assert sum(type(layer).__name__ == "MaxPooling1D" for layer in network.layers) == 3  # after every block
    assert all(layer.kernel_regularizer is not None for layer in network.layers if hasattr(layer, "kernel"))
    probabilities = model.predict_proba(X_val)
    assert probabilities.shape == (8, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


@pytest.mark.parametrize("config, message", [
    ({"filters": [8, 8]}, r"filters=\[8, 8\] gives 2 widths for n_conv=3 blocks"),
    ({"head": "attention"}, r"head='attention' is not one of \['global_average', 'flatten'\]"),
])
def test_a_cnn_configuration_that_cannot_be_built_fails_before_training(config, message):
    from harbench.errors import InputValidationError

    X, y = _windows(12, seed=0)
    with pytest.raises(InputValidationError, match=message):
        make_pipeline("cnn", CONTEXT, 0, config).fit(X, y)


def test_weight_averaging_stays_out_of_every_deep_learners_key_until_it_is_set():
    from harbench.models.registry import describe

    for pipeline_id in DEEP_IDS:
        assert "weight_average" not in describe(make_pipeline(pipeline_id, CONTEXT, 0))["params"], pipeline_id
    assert describe(make_pipeline("resnet", CONTEXT, 0, {"weight_average": 0.99}))["params"]["weight_average"] == 0.99


@pytest.mark.parametrize("momentum", [0.0, 1.0, 1.5])
def test_a_weight_average_momentum_outside_zero_to_one_fails_before_training(momentum):
    from harbench.errors import InputValidationError

    X, y = _windows(12, seed=0)
    with pytest.raises(InputValidationError, match=rf"weight_average={momentum} is not a momentum in \(0, 1\)"):
        make_pipeline("cnn", CONTEXT, 0, {**TINY["cnn"], "weight_average": momentum}).fit(X, y)


@pytest.mark.slow
def test_with_weight_averaging_the_selection_scores_and_keeps_the_averaged_weights():
    """The validation loss recorded for the selected epoch is that of the weights the selection
    run keeps; without averaging, the same seed keeps other weights."""
    import keras

    X, y = _windows(60, seed=0)
    X_val, y_val = _windows(30, seed=1)
    config = {**SMALL_CNN, "max_epochs": 6, "patience": 6, "learning_rate": 0.01, "refit": False}
    averaged = make_pipeline("cnn", CONTEXT, 0, {**config, "weight_average": 0.8}).fit(X, y, X_val, y_val)
    loss = keras.losses.SparseCategoricalCrossentropy()(y_val, averaged.model_.predict(averaged._standardise(X_val),
                                                                                        verbose=0))
    recorded = averaged.history_["val_loss"][averaged.selected_epochs_ - 1]
    np.testing.assert_allclose(float(loss), recorded, rtol=1e-4)
    plain = make_pipeline("cnn", CONTEXT, 0, config).fit(X, y, X_val, y_val)
    assert plain.history_["val_loss"] != averaged.history_["val_loss"]
    assert plain.history_["loss"][0] == averaged.history_["loss"][0]  # the same training, scored otherwise
