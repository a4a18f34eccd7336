"""The Keras clip learners (``lrcn``, ``convlstm2d``, ``frame_cnn``): the deep-learner contract on
tiny synthetic clips, the frame CNN's training on frames, and the JAX backend.

As in tests/test_deep_learners.py, the JAX backend runs in a fresh subprocess (``KERAS_BACKEND``
is read when Keras is first imported); everything else runs in this process on TensorFlow.
"""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pytest

from harbench.errors import InputValidationError
from harbench.models import PipelineContext, make_pipeline
from harbench.models.registry import component_versions
from tests.test_deep_learners import _run_child

pytestmark = pytest.mark.slow  # every test here fits a Keras clip learner: seconds each

CLIP_IDS = ("lrcn", "convlstm2d", "frame_cnn")
CONTEXT = PipelineContext(fs=25.0, channels=("silhouette",), units=("fraction",))
TINY = {"lrcn": {"filters": [4, 4], "pool_sizes": [2, 2], "lstm_units": 4},
        "convlstm2d": {"filters": [2, 2]},
        "frame_cnn": {"filters": [4, 4], "dense_units": 4}}
QUICK = {"max_epochs": 2, "patience": 1, "batch_size": 8}
BRIGHTNESS = (1.0, 0.7, 0.45)


def _clips(n: int, seed: int, frames: int = 4, size: int = 12, channels: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Three classes of clips: a 4 x 3 block in the top, middle or bottom third of the frame and of
    brightness 1, 0.7 or 0.45 (both the class: the frame CNN's global average pooling keeps the
    brightness, not the position), moving right by 3 pixels a frame from a random column, on noise
    in [0, 0.2]."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.uniform(0, 0.2, (n, frames, size, size, channels)).astype(np.float32)
    band = size // 3
    for clip in range(n):
        start = int(rng.integers(0, size))
        for frame in range(frames):
            column = (start + 3 * frame) % (size - 2)
            X[clip, frame, band * y[clip]:band * y[clip] + band, column:column + 3] = BRIGHTNESS[y[clip]]
    return X, y


def _quick(pipeline_id: str, **config):
    return make_pipeline(pipeline_id, CONTEXT, 0, {**TINY[pipeline_id], **QUICK, **config})


@pytest.fixture(scope="module")
def data():
    return _clips(24, seed=0), _clips(12, seed=1), _clips(10, seed=2)[0]


@pytest.fixture(scope="module")
def fitted(data):
    """One quick fit per learner, shared by the tests that predict: two epochs at most, early
    stopping on the validation clips, no refit (one Keras fit instead of two; the refit is
    `KerasClassifier`'s, tested in tests/test_deep_learners.py, and below for clips)."""
    (X, y), (X_val, y_val), _ = data
    return {pipeline_id: _quick(pipeline_id, refit=False).fit(X, y, X_val, y_val) for pipeline_id in CLIP_IDS}


@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_clip_learners_are_deep_take_clips_and_have_a_version(pipeline_id):
    model = make_pipeline(pipeline_id, CONTEXT, 0)
    assert (model.input_rank, model.family, model.uses_validation) == (5, "deep", True)
    assert component_versions(pipeline_id, model) == {f"model:{pipeline_id}": 1}
    assert {"seed", "max_epochs", "patience", "batch_size", "learning_rate", "refit", "optimizer", "monitor",
            "lr_patience"} <= set(model.get_params())


@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_window_arrays_are_refused_with_a_message_naming_clips(pipeline_id):
    windows = np.zeros((6, 32, 3), dtype=np.float32)
    with pytest.raises(InputValidationError, match=r"must be clips of shape \(n, frames, height, width, channels\); "
                                                   r"got an array of rank 3"):
        _quick(pipeline_id).fit(windows, np.arange(6) % 2)


@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_fits_and_predicts_labels_and_probabilities_that_sum_to_one(pipeline_id, fitted, data):
    model, X_new = fitted[pipeline_id], data[2]
    probabilities = model.predict_proba(X_new)
    assert model.predict(X_new).shape == (10,) and set(model.predict(X_new)) <= {0, 1, 2}
    assert probabilities.shape == (10, 3) and np.abs(probabilities.sum(axis=1) - 1).max() < 1e-5
    np.testing.assert_array_equal(model.predict(X_new), probabilities.argmax(axis=1))
    assert model.input_shape_ == (4, 12, 12, 1)
    with pytest.raises(InputValidationError, match=r"this model was fitted on"):
        model.predict(X_new[:, :3])


@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_same_seed_gives_the_same_probabilities(pipeline_id, fitted, data):
    (X, y), (X_val, y_val), X_new = data
    again = _quick(pipeline_id, refit=False).fit(X, y, X_val, y_val)
    np.testing.assert_array_equal(again.predict_proba(X_new), fitted[pipeline_id].predict_proba(X_new))


@pytest.mark.slow
@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_same_seed_gives_the_same_probabilities_after_the_refit(pipeline_id, data):
    (X, y), (X_val, y_val), X_new = data
    first, second = (_quick(pipeline_id).fit(X, y, X_val, y_val) for _ in range(2))
    assert first.refit_on_validation_ and first.epochs_run_ == len(first.history_["loss"]) + first.selected_epochs_
    np.testing.assert_array_equal(first.predict_proba(X_new), second.predict_proba(X_new))


@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_a_saved_clip_learner_loads_and_predicts_the_same(pipeline_id, fitted, data, tmp_path):
    model, X_new = fitted[pipeline_id], data[2]
    model.save_fitted(tmp_path)
    loaded = _quick(pipeline_id).load_fitted(tmp_path)
    np.testing.assert_array_equal(loaded.predict_proba(X_new), model.predict_proba(X_new))
    assert loaded.input_shape_ == model.input_shape_ and loaded.n_parameters_ == model.n_parameters_


@pytest.mark.parametrize("pipeline_id", ["frame_cnn", "lrcn"])
def test_averaging_learners_predict_the_mean_step_probabilities_and_train_on_every_step(pipeline_id, fitted, data):
    """The clip output is the mean of the per-frame (per-step) softmax over the clip's frames; the
    loss is the cross-entropy of every step against its clip's label, averaged over steps."""
    import keras

    model = fitted[pipeline_id]
    X_val, y_val = data[1]
    network = model.model_
    standardised = model._standardise(X_val)
    steps = np.asarray(network.step_network.predict_on_batch(standardised))
    assert steps.shape == (len(X_val), 4, 3)
    np.testing.assert_allclose(model.predict_proba(X_val), steps.mean(axis=1), rtol=1e-5, atol=1e-6)
    assert tuple(network(standardised, training=True).shape) == (len(X_val), 4, 3)  # per step while training
    step_cross_entropy = -np.log(np.take_along_axis(steps, np.repeat(y_val[:, None, None], 4, axis=1), axis=2))
    loss = network.compute_loss(standardised, y_val, network(standardised, training=False), training=False)
    assert float(keras.ops.convert_to_numpy(loss)) == pytest.approx(step_cross_entropy.mean(), rel=1e-4)
    clip_cross_entropy = -np.log(steps.mean(axis=1)[np.arange(len(y_val)), y_val]).mean()
    assert step_cross_entropy.mean() != pytest.approx(clip_cross_entropy, rel=1e-4)  # the two losses differ here


def test_frame_cnn_scores_each_frame_on_its_own(fitted, data):
    model = fitted["frame_cnn"]
    standardised = model._standardise(data[1][0])
    frames = np.asarray(model.model_.step_network.predict_on_batch(standardised))
    backwards = np.asarray(model.model_.step_network.predict_on_batch(np.ascontiguousarray(standardised[:, ::-1])))
    np.testing.assert_allclose(backwards, frames[:, ::-1], rtol=1e-5, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_each_clip_learner_learns_the_synthetic_classes(pipeline_id):
    X, y = _clips(48, seed=0)
    X_val, y_val = _clips(24, seed=1)
    X_new, y_new = _clips(30, seed=2)
    model = make_pipeline(pipeline_id, CONTEXT, 0, {**TINY[pipeline_id], "max_epochs": 30, "patience": 10,
                                                    "learning_rate": 0.01})
    model.fit(X, y, X_val, y_val)
    assert (model.predict(X_new) == y_new).mean() > 0.8


@pytest.mark.slow
@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_clip_learners_take_uint8_rgb_clips_of_any_size(pipeline_id):
    X, y = _clips(12, seed=0, frames=3, size=10, channels=3)
    rgb = (X * 255).astype(np.uint8)
    model = make_pipeline(pipeline_id, CONTEXT, 0, {**TINY[pipeline_id], "max_epochs": 1}).fit(rgb, y)
    assert model.predict_proba(rgb).shape == (12, 3) and model.channel_mean_.shape == (3,)


@pytest.mark.slow
@pytest.mark.parametrize("pipeline_id", CLIP_IDS)
def test_clip_learners_export_to_onnx_with_the_same_probabilities(pipeline_id, fitted, data):
    import onnxruntime

    model, X_new = fitted[pipeline_id], data[2]
    graph = model.to_onnx()
    session = onnxruntime.InferenceSession(graph.model_bytes, providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(None, {session.get_inputs()[0].name: graph.prepare(X_new)})
    np.testing.assert_allclose(probabilities, model.predict_proba(X_new), atol=1e-5)


JAX_CHILD = textwrap.dedent("""
    import json, tempfile
    import numpy as np
    import keras
    from tests.test_clip_networks import CLIP_IDS, _clips, _quick

    (X, y), (X_val, y_val), (X_new, _) = _clips(24, 0), _clips(8, 1), _clips(10, 2)  # whole batches of 8
    report = {"keras_backend": keras.config.backend(), "learners": {}}
    for pipeline_id in CLIP_IDS:
        # no refit: one XLA compilation per fit instead of two (the refit is tested under TensorFlow above)
        first, second = (_quick(pipeline_id, refit=False).fit(X, y, X_val, y_val) for _ in range(2))
        probabilities = first.predict_proba(X_new)
        with tempfile.TemporaryDirectory() as folder:
            first.save_fitted(folder)
            loaded = _quick(pipeline_id, refit=False).load_fitted(folder)
        report["learners"][pipeline_id] = {
            "proba_shape": list(probabilities.shape),
            "max_row_sum_error": float(np.abs(probabilities.sum(axis=1) - 1).max()),
            "same_seed_identical": bool(np.array_equal(probabilities, second.predict_proba(X_new))),
            "reload_identical": bool(np.array_equal(probabilities, loaded.predict_proba(X_new))),
        }
    print("REPORT " + json.dumps(report))
""")


@pytest.mark.slow
def test_clip_learners_train_deterministically_and_reload_under_jax(tmp_path):
    result = _run_child(JAX_CHILD, "jax", jax_cache=tmp_path / "xla")
    lines = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    assert result.returncode == 0 and lines, result.stderr[-3000:]
    report = json.loads(lines[-1].removeprefix("REPORT "))
    assert report["keras_backend"] == "jax" and set(report["learners"]) == set(CLIP_IDS)
    for pipeline_id, learner in report["learners"].items():
        assert learner["proba_shape"] == [10, 3] and learner["max_row_sum_error"] < 1e-5, pipeline_id
        assert learner["same_seed_identical"], f"{pipeline_id}: one seed gave two different models under jax"
        assert learner["reload_identical"], f"{pipeline_id}: the reloaded model predicts differently under jax"
