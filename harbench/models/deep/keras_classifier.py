"""Training and prediction shared by every Keras learner on raw windows.

Training is seeded and deterministic for a backend and device (see
`harbench.models.deep.backend`: TensorFlow, the default, or JAX, chosen with
``KERAS_BACKEND``). With validation windows a fit has two runs:

1. **Selection run.** Channels are standardised with statistics of the training windows; the
   network trains on them with ``optimizer`` (Adam by default), halving the learning rate
   when the ``monitor`` (the validation loss by default, or the validation accuracy) has not
   improved for ``lr_patience`` epochs (``patience // 2`` by default; ReduceLROnPlateau), and
   stops when it has not improved for ``patience`` epochs. The selected epoch is the best one
   by ``monitor`` (Keras' EarlyStopping with ``restore_best_weights``). A paper's fixed
   budget ("N epochs, keep the best on validation") is ``patience = max_epochs``.
2. **Refit** (``refit=True``, the default). So that deep learners train on the same subjects
   as the classical learners (training and validation subjects together), the network is
   built again from the same seed (the same initial weights), the standardisation is refitted
   on training + validation windows, and it trains on them for the selected number of
   epochs, replaying the selection run's per-epoch learning rates (a LearningRateScheduler
   fed the rates recorded at the start of each selection epoch). These are the final weights.
   An epoch of the refit holds more windows than one of the selection run, so the refit takes
   proportionally more optimiser steps: the selected epoch count, not the step count, is what
   is carried over, the usual practice (e.g. Goodfellow, Bengio & Courville 2016, *Deep
   Learning*, section 7.8, first strategy). With ``refit=False`` the final weights are the
   selection run's best epoch, trained on the training subjects only.

With ``weight_average`` the optimiser also keeps an exponential moving average of the weights
(Polyak averaging: Polyak & Juditsky 1992, SIAM J. Control Optim. 30(4):838-855), and the
averaged weights are what every epoch is scored with on the validation windows, what the
selection keeps and what a run ends with (Keras' ``use_ema`` with ``SwapEMAWeights``; batch
normalisation's statistics, running averages already, are not averaged again). It damps the
epoch-to-epoch swing of a network's validation accuracy, so the refit's last epoch, which
nothing checks, is less of a draw from that swing.

Without validation windows the network trains for ``max_epochs`` at a constant learning rate
with no early stopping. Prediction goes through the compiled ``predict_on_batch`` path, never
an eager call, so batch-1 latency measures the model. TensorFlow's oneDNN kernels stay on
(its CPU default): they train the convolutional models about 1.5x faster here, and with op
determinism a seed still gives the same weights.

Each training run (``training`` without validation windows, else ``selection`` and ``refit``)
goes through `harbench.models.deep.resumable_fit.fit_run`: inside a training checkpoint block
(`harbench.models.deep.checkpoint`, opened by the runner for every cell) it saves its state
as it trains and resumes from it, to the weights an uninterrupted fit gives.
"""

from __future__ import annotations

import json
import tempfile
from abc import abstractmethod
from pathlib import Path
from typing import ClassVar

import numpy as np

from harbench.errors import InputValidationError
from harbench.models.base import WindowClassifier
from harbench.models.deep import backend
from harbench.models.deep.backend import make_deterministic, require_backend
from harbench.models.deep.resumable_fit import fit_run
from harbench.models.onnx_graph import TARGET_OPSET, OnnxGraph
from harbench.models.persistence import PersistenceError

KERAS_FILE = "model.keras"
STATE_FILE = "keras_state.json"
OPTIMIZERS = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD"}  # name -> keras.optimizers class
MONITORS = ("val_loss", "val_accuracy")  # what selects the epoch and drives the learning-rate schedule


class KerasClassifier(WindowClassifier):
    """Base of Keras learners: subclasses only build the network (`_build`).

    Parameters
    ----------
    seed : int
        Seeds initialisation, shuffling and dropout (the same in the selection run and the refit).
    max_epochs : int
        Epoch budget of the selection run (of the only run without validation windows).
    batch_size, learning_rate : int, float
        Mini-batch size and the optimiser's initial learning rate.
    patience : int
        Epochs without an improvement of ``monitor`` before the selection run stops.
    optimizer : str
        ``adam`` (Kingma & Ba 2015), ``rmsprop`` (Tieleman & Hinton 2012) or ``sgd``.
    monitor : str
        ``val_loss`` or ``val_accuracy``: what selects the epoch and drives the schedule.
    lr_patience : int or None
        Epochs without an improvement of ``monitor`` before the learning rate is halved
        (``None``: ``patience // 2``, at least 1).
    verbose : int
        Keras' ``verbose`` for ``fit``.
    refit : bool
        After the selection run, train again on training + validation windows for the
        selected number of epochs (see the module docstring). ``False`` keeps the selection
        run's weights, trained on the training windows only.
    weight_average : float or None
        Momentum (in (0, 1)) of the moving average of the weights that scores, selects and
        ends every run (see the module docstring); ``None`` (default): the weights as trained.

    Attributes
    ----------
    model_ : keras.Model
        The final network.
    channel_mean_, channel_std_ : numpy.ndarray
        Standardisation of the final network's input (from the windows it was trained on).
    selected_epochs_ : int
        Epochs the final weights were trained for: the selection run's best epoch (1-based)
        with validation windows, ``max_epochs`` without.
    epochs_run_ : int
        Every epoch trained during `fit`: the selection run's epochs plus the refit's.
    history_ : dict[str, list[float]]
        The selection run's curves per epoch: ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy`` (the last two only with validation windows) and ``learning_rate``
        (the rate each epoch trained at); after a refit also ``refit_loss``,
        ``refit_accuracy`` (training curves on training + validation windows) and
        ``refit_learning_rate`` (the replayed rates).
    refit_on_validation_ : bool
        True when the final weights were trained on training + validation windows.
    n_parameters_ : int
        Trainable and non-trainable parameters of the network.
    """

    family = "deep"
    uses_validation = True
    predict_batch_size = 256
    params_added_later: ClassVar[dict[str, object]] = {"weight_average": None}

    def __init__(self, seed: int = 0, max_epochs: int = 100, batch_size: int = 64, learning_rate: float = 1e-3,
                 patience: int = 10, verbose: int = 0, refit: bool = True, optimizer: str = "adam",
                 monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None) -> None:
        self.seed = seed
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.verbose = verbose
        self.refit = refit
        self.optimizer = optimizer
        self.monitor = monitor
        self.lr_patience = lr_patience
        self.weight_average = weight_average

    @abstractmethod
    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        """The uncompiled ``keras.Model`` mapping (T, C) windows to class probabilities; called
        with the input's sizes, so a clip learner (``input_rank`` 5) takes ``(frames, height,
        width, channels, n_classes)``."""

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        require_backend()
        import keras

        self._check_training_options()
        rates = _rate_recorder()
        if X_val is None or not len(X_val):
            history = self._train(X, y, self.max_epochs, "training", callbacks=[rates])
            self.selected_epochs_ = self.max_epochs
            self.refit_on_validation_ = False
        else:
            stopping = keras.callbacks.EarlyStopping(monitor=self.monitor, patience=self.patience,
                                                     restore_best_weights=True)
            lr_patience = max(1, self.patience // 2) if self.lr_patience is None else self.lr_patience
            plateau = keras.callbacks.ReduceLROnPlateau(monitor=self.monitor, factor=0.5, patience=lr_patience)
            history = self._train(X, y, self.max_epochs, "selection", callbacks=[rates, stopping, plateau],
                                  validation=(X_val, y_val))
            self.selected_epochs_ = int(stopping.best_epoch) + 1
            self.refit_on_validation_ = bool(self.refit)
        self.history_ = {key: [float(value) for value in values] for key, values in history.items()}
        self.history_["learning_rate"] = rates.rates
        self.epochs_run_ = len(self.history_["loss"])
        if self.refit_on_validation_:
            schedule = rates.rates[:self.selected_epochs_]
            del self.model_  # free the selection run's network before building the final one
            replay = keras.callbacks.LearningRateScheduler(lambda epoch, _rate: schedule[epoch])
            refit = self._train(np.concatenate([X, X_val]), np.concatenate([y, y_val]), self.selected_epochs_,
                                "refit", callbacks=[replay])
            self.history_["refit_loss"] = [float(value) for value in refit["loss"]]
            self.history_["refit_accuracy"] = [float(value) for value in refit["accuracy"]]
            self.history_["refit_learning_rate"] = [float(value) for value in refit["learning_rate"]]
            self.epochs_run_ += len(self.history_["refit_loss"])
        self.n_parameters_ = int(self.model_.count_params())

    def _train(self, X: np.ndarray, y: np.ndarray, epochs: int, run: str, callbacks: list,
               validation: tuple[np.ndarray, np.ndarray] | None = None) -> dict:
        """Seed, standardise on ``X``, build and compile ``model_``, train it; the Keras history.
        ``run`` names the training run (``training``, ``selection`` or ``refit``) in a training
        checkpoint (`harbench.models.deep.resumable_fit.fit_run`)."""
        import keras

        make_deterministic(self.seed)
        all_but_channels = tuple(range(X.ndim - 1))
        self.channel_mean_ = X.mean(axis=all_but_channels)
        self.channel_std_ = np.maximum(X.std(axis=all_but_channels), 1e-8)
        self.model_ = self._build(*X.shape[1:], len(self.classes_))
        averaging = {} if self.weight_average is None else {"use_ema": True, "ema_momentum": self.weight_average}
        optimizer = getattr(keras.optimizers, OPTIMIZERS[self.optimizer])(self.learning_rate, **averaging)
        if averaging:  # first, so that the callbacks after it (EarlyStopping) see the averaged weights
            callbacks = [keras.callbacks.SwapEMAWeights(swap_on_epoch=True), *callbacks]
        self.model_.compile(optimizer=optimizer,
                            loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        if validation is not None:
            validation = (self._standardise(validation[0]), validation[1])
        return fit_run(self.model_, self._standardise(X), y, run=run, epochs=epochs, batch_size=self.batch_size,
                       callbacks=callbacks, validation=validation, verbose=self.verbose)

    def _check_training_options(self) -> None:
        for name, value, allowed in (("optimizer", self.optimizer, sorted(OPTIMIZERS)),
                                     ("monitor", self.monitor, list(MONITORS))):
            if value not in allowed:
                raise InputValidationError(f"{type(self).__name__}: {name}={value!r} is not one of {allowed}.")
        if self.weight_average is not None and not 0.0 < self.weight_average < 1.0:
            raise InputValidationError(f"{type(self).__name__}: weight_average={self.weight_average!r} is not a "
                                       "momentum in (0, 1); use None to train without averaging.")

    @classmethod
    def compute_description(cls) -> dict:
        """The Keras backend and device this learner computes on
        (`harbench.models.deep.backend.compute_description`)."""
        return backend.compute_description()

    def save_fitted(self, folder: Path) -> None:
        """Write the network in Keras' native format (``model.keras``) and the rest of the fitted
        state (standardisation, classes, window shape, what the weights were trained on) as JSON."""
        folder = Path(folder)
        self.model_.save(folder / KERAS_FILE)
        state = {"channel_mean": self.channel_mean_.tolist(), "channel_std": self.channel_std_.tolist(),
                 "classes": self.classes_.tolist(), "input_shape": list(self.input_shape_),
                 "selected_epochs": int(self.selected_epochs_),
                 "refit_on_validation": bool(self.refit_on_validation_)}
        (folder / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n")

    def load_fitted(self, folder: Path, trusted_modules: frozenset[str] = frozenset()) -> KerasClassifier:
        """This (unfitted, identically configured) learner with the state `save_fitted` wrote into
        ``folder``. The network is rebuilt by Keras without compiling; no pickle is read."""
        folder = Path(folder)
        missing = [name for name in (KERAS_FILE, STATE_FILE) if not (folder / name).is_file()]
        if missing:
            raise PersistenceError(f"{folder}: the model file(s) {', '.join(missing)} are missing; fit the model "
                                   "again.")
        try:
            state = json.loads((folder / STATE_FILE).read_text())
            require_backend()
            import keras

            self.model_ = keras.saving.load_model(folder / KERAS_FILE, compile=False)
            self.channel_mean_ = np.asarray(state["channel_mean"], dtype=np.float32)
            self.channel_std_ = np.asarray(state["channel_std"], dtype=np.float32)
            self.classes_ = np.asarray(state["classes"])
            self.input_shape_ = tuple(int(size) for size in state["input_shape"])
            self.selected_epochs_ = int(state["selected_epochs"])
            self.refit_on_validation_ = bool(state["refit_on_validation"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise PersistenceError(f"{folder}: damaged Keras model ({type(error).__name__}: {error}); fit the model "
                                   "again.") from error
        self.n_parameters_ = int(self.model_.count_params())
        return self

    def to_onnx(self) -> OnnxGraph:
        """The whole network with its per-channel standardisation in front, traced as one
        ``tf.function`` and converted by tf2onnx: the graph takes raw windows (n, T, C). Needs
        the TensorFlow backend (tf2onnx converts TensorFlow graphs)."""
        if backend.active_backend() != "tensorflow":
            raise NotImplementedError("ONNX export of a Keras learner needs KERAS_BACKEND=tensorflow (tf2onnx "
                                      f"converts TensorFlow graphs); this process runs {backend.active_backend()!r}.")
        import tensorflow as tf
        import tf2onnx

        mean, std = self.channel_mean_.astype(np.float32), self.channel_std_.astype(np.float32)
        signature = (tf.TensorSpec((None, *self.input_shape_), tf.float32, name="windows"),)

        @tf.function(input_signature=signature)
        def standardised_model(windows):  # numpy statistics become constants of the graph, not inputs
            return self.model_((windows - tf.constant(mean)) / tf.constant(std), training=False)

        graph, _ = tf2onnx.convert.from_function(standardised_model, input_signature=signature,
                                                 opset=TARGET_OPSET)
        return OnnxGraph(graph.SerializeToString(), "windows", lambda X: X.astype(np.float32), np.float32)

    def serialized_size(self) -> int:
        """Bytes of the network in Keras' native ``.keras`` format."""
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.keras"
            self.model_.save(path)
            return path.stat().st_size

    def _standardise(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.channel_mean_) / self.channel_std_).astype(np.float32)

    def _predict_proba(self, X: np.ndarray) -> np.ndarray:
        X = self._standardise(X)
        batches = [np.asarray(self.model_.predict_on_batch(X[start:start + self.predict_batch_size]))
                   for start in range(0, len(X), self.predict_batch_size)]
        return np.concatenate(batches)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        return self._predict_proba(X).argmax(axis=1)


def _rate_recorder():
    """A Keras callback whose ``rates`` lists the learning rate of each epoch, read as the epoch begins."""
    import keras

    class RateRecorder(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.rates: list[float] = []

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    return RateRecorder()
