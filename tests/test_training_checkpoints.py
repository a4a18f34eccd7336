"""Resumable training (`harbench.models.deep.checkpoint`): a Keras fit interrupted after any
epoch, of its selection run or of its refit, and resumed ends with the weights, curves and
selected epoch of a fit that was not interrupted, on TensorFlow and on JAX; a checkpoint of
another computation is never resumed, and a damaged one is named.

The interruption is a process that dies (``os._exit``) right after saving an epoch, as a run
killed at the end of a session does; the resume runs in a new process.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from harbench.errors import DataIntegrityError
from harbench.models import make_pipeline
from harbench.models.deep.checkpoint import TrainingCheckpoint, training_checkpoints
from tests.test_deep_learners import CONTEXT, _run_child, _windows

# Dropout, a learning-rate halving (lr_patience 1) and early stopping on validation loss all
# carry state from one epoch to the next; 6 epochs, then the refit for the selected count.
CONFIG = {"filters": 8, "dense_units": 8, "batch_size": 8, "max_epochs": 6, "patience": 6, "lr_patience": 1,
          "monitor": "val_accuracy"}
IDENTITY = {"key": "cell-under-test", "state_version": 1}

CHILD = textwrap.dedent("""
    import hashlib, json, os, sys
    from pathlib import Path
    import numpy as np
    from harbench.models import make_pipeline
    from harbench.models.deep import checkpoint as checkpoints
    from tests.test_training_checkpoints import CONFIG, IDENTITY, fit_summary

    folder, die_after_saves = sys.argv[1], int(sys.argv[2])
    if die_after_saves:
        save, saves = checkpoints.TrainingCheckpoint.save, []

        def save_then_die(self, run, state, arrays):
            save(self, run, state, arrays)
            saves.append(run)
            if len(saves) == die_after_saves:
                print("DIED " + json.dumps(saves), flush=True)
                os._exit(0)

        checkpoints.TrainingCheckpoint.save = save_then_die
    if folder == "-":
        print("SUMMARY " + json.dumps(fit_summary()))
    else:
        with checkpoints.training_checkpoints(Path(folder), IDENTITY, interval_s=0) as checkpoint:
            summary = fit_summary()
        print("SUMMARY " + json.dumps({**summary, "resumed_epochs": checkpoint.resumed_epochs,
                                       "seconds_before": checkpoint.seconds_before}))
""")


def fit_summary(config: dict = CONFIG) -> dict:
    """Fit the test's CNN; what must not depend on an interruption: a digest of every weight,
    the curves, the selected epoch, and the predicted probabilities."""
    import hashlib

    X, y = _windows(48, seed=0)
    X_val, y_val = _windows(16, seed=1)
    X_new, _ = _windows(10, seed=2)
    model = make_pipeline("cnn", CONTEXT, 3, config).fit(X, y, X_val, y_val)
    digest = hashlib.sha256(b"".join(np.asarray(weights).tobytes() for weights in model.model_.get_weights()))
    return {"weights": digest.hexdigest(), "history": model.history_, "selected_epochs": model.selected_epochs_,
            "epochs_run": model.epochs_run_, "proba": model.predict_proba(X_new).tolist()}


def _child(keras_backend: str, folder: str, die_after_saves: int, jax_cache: Path) -> dict:
    result = _run_child(CHILD, keras_backend, folder, str(die_after_saves), jax_cache=jax_cache)
    assert result.returncode == 0, result.stderr[-3000:]
    for line in result.stdout.splitlines():
        if line.startswith(("SUMMARY ", "DIED ")):
            kind, _, payload = line.partition(" ")
            return {kind: json.loads(payload)}
    raise AssertionError(result.stdout[-2000:] + result.stderr[-3000:])


@pytest.mark.slow
@pytest.mark.parametrize("keras_backend", ["tensorflow", "jax"])
def test_a_fit_killed_after_an_epoch_resumes_in_a_new_process_to_the_uninterrupted_weights(keras_backend, tmp_path):
    cache = tmp_path / "xla"
    uninterrupted = _child(keras_backend, "-", 0, cache)["SUMMARY"]
    assert uninterrupted["selected_epochs"] < CONFIG["max_epochs"]  # the selection and the refit differ
    # killed in the selection run (after its 3rd epoch), and in the refit (after its 1st epoch:
    # the selection run saves after epochs 1-5 and once finished)
    for die_after, run, epochs_saved in ((3, "selection", 3), (7, "refit", CONFIG["max_epochs"] + 1)):
        folder = tmp_path / f"checkpoint-{die_after}"
        died = _child(keras_backend, str(folder), die_after, cache)
        assert died["DIED"][-1] == run
        resumed = _child(keras_backend, str(folder), 0, cache)["SUMMARY"]
        assert resumed.pop("resumed_epochs") == epochs_saved
        assert resumed.pop("seconds_before") > 0
        assert resumed == uninterrupted, f"{keras_backend}: resumed after {run} differs from the uninterrupted fit"


@pytest.mark.parametrize("config", [CONFIG, {**CONFIG, "weight_average": 0.7}], ids=["trained", "averaged"])
def test_a_fit_interrupted_in_this_process_resumes_to_the_uninterrupted_weights(config, tmp_path, monkeypatch):
    """Also with weight averaging, whose averaged weights are swapped in when an epoch's state is
    saved (`KerasClassifier` ``weight_average``)."""
    uninterrupted = fit_summary(config)
    save = TrainingCheckpoint.save

    def save_then_interrupt(self, run, state, arrays):
        save(self, run, state, arrays)
        if run == "selection" and state["epochs"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(TrainingCheckpoint, "save", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt), training_checkpoints(tmp_path, IDENTITY, interval_s=0):
        fit_summary(config)
    monkeypatch.setattr(TrainingCheckpoint, "save", save)
    with training_checkpoints(tmp_path, IDENTITY, interval_s=0) as checkpoint:
        resumed = fit_summary(config)
    assert checkpoint.resumed_epochs == 2
    assert resumed == uninterrupted


def test_a_finished_fit_is_restored_from_its_checkpoint_without_training(tmp_path, monkeypatch):
    with training_checkpoints(tmp_path, IDENTITY, interval_s=0):
        first = fit_summary()
    import keras

    def no_training(*args, **kwargs):
        raise AssertionError("a finished run was trained again")

    monkeypatch.setattr(keras.Model, "fit", no_training)
    with training_checkpoints(tmp_path, IDENTITY, interval_s=0) as checkpoint:
        assert fit_summary() == first
    assert checkpoint.resumed_epochs == first["epochs_run"]


def test_a_checkpoint_of_another_computation_is_deleted_not_resumed(tmp_path):
    with training_checkpoints(tmp_path, IDENTITY, interval_s=0) as checkpoint:
        checkpoint.save("selection", {"epochs": 1}, {"x": np.zeros(2)})
    other = {**IDENTITY, "key": "another-cell"}
    with training_checkpoints(tmp_path, other) as checkpoint:
        assert checkpoint.saved_runs() == [] and checkpoint.seconds_before == 0
        assert checkpoint.discarded and "key" in checkpoint.discarded
        checkpoint.save("selection", {"epochs": 1}, {"x": np.zeros(2)})
    assert json.loads((tmp_path / "identity.json").read_text()) == other


def test_a_damaged_checkpoint_fails_naming_its_file(tmp_path):
    with training_checkpoints(tmp_path, IDENTITY, interval_s=0) as checkpoint:
        checkpoint.save("selection", {"epochs": 1}, {"x": np.zeros(2)})
    (tmp_path / "selection.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(DataIntegrityError, match=r"selection\.npz: unreadable training checkpoint.*delete"):
        TrainingCheckpoint(tmp_path, IDENTITY)


def test_a_checkpoint_of_another_network_fails_naming_its_file(tmp_path):
    with training_checkpoints(tmp_path, IDENTITY, interval_s=0) as checkpoint:
        checkpoint.save("selection", {"epochs": 1, "finished": False, "history": {}, "callbacks": []},
                        {"variable/0": np.zeros(2)})
    X, y = _windows(48, seed=0)
    X_val, y_val = _windows(16, seed=1)
    with (pytest.raises(DataIntegrityError, match=r"selection\.npz holds 1 variable arrays where the network has"),
          training_checkpoints(tmp_path, IDENTITY, interval_s=0)):
        make_pipeline("cnn", CONTEXT, 3, CONFIG).fit(X, y, X_val, y_val)


def test_outside_a_checkpoint_block_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X, y = _windows(48, seed=0)
    make_pipeline("cnn", CONTEXT, 3, {**CONFIG, "max_epochs": 1}).fit(X, y)
    assert list(tmp_path.iterdir()) == []
