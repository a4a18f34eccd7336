"""One Keras training run (``model.fit``) that saves its state as it goes, inside
`harbench.models.deep.checkpoint.training_checkpoints`, and resumes from it.

What is saved and why a resumed run ends with the uninterrupted run's weights is in
`harbench.models.deep.checkpoint`. Outside a checkpoint block `fit_run` is ``model.fit``.
"""

from __future__ import annotations

import numpy as np

from harbench.errors import DataIntegrityError
from harbench.models.deep.checkpoint import (
    TrainingCheckpoint,
    active_checkpoint,
    numpy_random_state,
    set_numpy_random_state,
)

# Per callback class, the attributes that carry over from one epoch to the next (the rest is
# configuration, or reset by the callback's own ``on_train_begin``). A callback class not listed
# keeps no state between epochs (LearningRateScheduler reads only the epoch number).
CALLBACK_STATE = {
    "EarlyStopping": ("wait", "stopped_epoch", "best", "best_epoch"),
    "ReduceLROnPlateau": ("wait", "best", "cooldown_counter"),
    "RateRecorder": ("rates",),
    "SwapEMAWeights": ("_ema_weights_in_model",),  # saved at an epoch's end, with the averaged weights swapped in
}
_BEST_WEIGHTS = "best_weights"  # EarlyStopping(restore_best_weights=True)'s weights of the best epoch so far


def fit_run(model, X: np.ndarray, y: np.ndarray, *, run: str, epochs: int, batch_size: int, callbacks: list,
            validation: tuple[np.ndarray, np.ndarray] | None, verbose: int) -> dict[str, list]:
    """Train the compiled ``model`` for ``epochs`` with shuffling, as ``model.fit`` does, and
    return its history (one value per epoch and metric).

    Inside a checkpoint block, ``run`` names this training run's state there: a run saved as
    finished is restored (weights, callbacks' state, history) without training; a run saved
    after an epoch continues from the next one; each epoch's state is saved when the
    checkpoint is due, and the finished run's always.
    """
    checkpoint = active_checkpoint()
    if checkpoint is None:
        return model.fit(X, y, batch_size=batch_size, epochs=epochs, validation_data=validation,
                         callbacks=callbacks, shuffle=True, verbose=verbose).history
    import keras

    saved = checkpoint.load(run)
    if saved is not None:
        state, arrays = saved
        _restore_variables(model, arrays, checkpoint, run)
        checkpoint.resumed_epochs += state["epochs"]
        if state["finished"]:
            _restore_callbacks(callbacks, state, arrays)
            return state["history"]

    class EpochSaver(keras.callbacks.Callback):
        """Last in the callback list, so that it sees every other callback's update of an epoch."""

        def __init__(self) -> None:
            super().__init__()
            self.history: dict[str, list[float]] = saved[0]["history"] if saved else {}

        def on_train_begin(self, logs: dict | None = None) -> None:
            if saved:  # after the other callbacks reset themselves for a new fit
                _restore_callbacks(callbacks, *saved)

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            if saved and epoch == saved[0]["epochs"]:  # before this epoch's shuffle is drawn
                set_numpy_random_state(saved[0]["numpy_random"])

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            for name, value in (logs or {}).items():
                self.history.setdefault(name, []).append(float(value))
            if checkpoint.due() and not self.model.stop_training and epoch + 1 < epochs:
                _save(checkpoint, run, self.model, callbacks, self.history, finished=False)

    saver = EpochSaver()
    model.fit(X, y, batch_size=batch_size, epochs=epochs, initial_epoch=saved[0]["epochs"] if saved else 0,
              validation_data=validation, callbacks=[*callbacks, saver], shuffle=True, verbose=verbose)
    _save(checkpoint, run, model, callbacks, saver.history, finished=True)
    return saver.history


def _save(checkpoint: TrainingCheckpoint, run: str, model, callbacks: list, history: dict[str, list[float]],
          finished: bool) -> None:
    arrays = {f"variable/{index}": variable.numpy() for index, variable in enumerate(model.variables)}
    arrays |= {f"optimizer/{index}": variable.numpy() for index, variable in enumerate(model.optimizer.variables)}
    callback_state = []
    for position, callback in enumerate(callbacks):
        callback_state.append({name: _plain(getattr(callback, name)) for name in CALLBACK_STATE.get(
            type(callback).__name__, ())})
        best_weights = getattr(callback, _BEST_WEIGHTS, None)
        if best_weights is not None and not finished:
            arrays |= {f"callback/{position}/{index}": weights for index, weights in enumerate(best_weights)}
    checkpoint.save(run, {"finished": finished, "epochs": len(history.get("loss", [])), "history": history,
                          "callbacks": callback_state, "numpy_random": numpy_random_state(),
                          "variable_paths": [variable.path for variable in model.variables]}, arrays)


def _restore_variables(model, arrays: dict[str, np.ndarray], checkpoint: TrainingCheckpoint, run: str) -> None:
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    for prefix, variables in (("variable", model.variables), ("optimizer", model.optimizer.variables)):
        stored = sum(name.startswith(f"{prefix}/") for name in arrays)
        if stored != len(variables):
            raise DataIntegrityError(f"{checkpoint.folder / run}.npz holds {stored} {prefix} arrays where the network "
                                     f"has {len(variables)}; delete {checkpoint.folder} to train this cell from its "
                                     "first epoch.")
        for index, variable in enumerate(variables):
            variable.assign(arrays[f"{prefix}/{index}"])


def _restore_callbacks(callbacks: list, state: dict, arrays: dict[str, np.ndarray]) -> None:
    for position, (callback, saved) in enumerate(zip(callbacks, state["callbacks"], strict=True)):
        for name, value in saved.items():
            setattr(callback, name, value)
        prefix = f"callback/{position}/"
        weights = sorted((name for name in arrays if name.startswith(prefix)), key=lambda name: int(name[len(prefix):]))
        if weights:
            setattr(callback, _BEST_WEIGHTS, [arrays[name] for name in weights])


def _plain(value):
    """``value`` as JSON keeps it exactly: NumPy scalars become Python numbers."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value
