"""Training and prediction shared by every Keras learner on raw windows.

Channels are standardised with statistics of the training fold only. Training is seeded and
deterministic (``keras.utils.set_random_seed`` plus TensorFlow op determinism), stops early
on the subject-disjoint validation subset and restores the best weights, and lowers the
learning rate when the validation loss plateaus. Prediction goes through the compiled
``predict_on_batch`` path, never an eager call, so batch-1 latency measures the model.
TensorFlow's oneDNN kernels stay on (its CPU default): they train the convolutional models
about 1.5x faster here, and with op determinism a seed still gives the same weights.
"""

from __future__ import annotations

import os
import tempfile
from abc import abstractmethod
from pathlib import Path

import numpy as np

from harbench.models.base import WindowClassifier

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")


class KerasClassifier(WindowClassifier):
    """Base of Keras learners: subclasses only build the network (`_build`).

    Without validation data, training runs for ``max_epochs`` with no early stopping.
    """

    family = "deep"
    uses_validation = True
    predict_batch_size = 256

    def __init__(self, seed: int = 0, max_epochs: int = 100, batch_size: int = 64, learning_rate: float = 1e-3,
                 patience: int = 10, verbose: int = 0) -> None:
        self.seed = seed
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.patience = patience
        self.verbose = verbose

    @abstractmethod
    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        """The uncompiled ``keras.Model`` mapping (T, C) windows to class probabilities."""

    def _fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray | None, y_val: np.ndarray | None,
             groups: np.ndarray | None) -> None:
        import keras
        import tensorflow as tf

        keras.utils.set_random_seed(self.seed)
        tf.config.experimental.enable_op_determinism()
        self.channel_mean_ = X.mean(axis=(0, 1))
        self.channel_std_ = np.maximum(X.std(axis=(0, 1)), 1e-8)
        self.model_ = self._build(X.shape[1], X.shape[2], len(self.classes_))
        self.model_.compile(optimizer=keras.optimizers.Adam(self.learning_rate),
                            loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        callbacks, validation = [], None
        if X_val is not None and len(X_val):
            validation = (self._standardise(X_val), y_val)
            callbacks = [
                keras.callbacks.EarlyStopping(monitor="val_loss", patience=self.patience, restore_best_weights=True),
                keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.5,
                                                  patience=max(1, self.patience // 2)),
            ]
        history = self.model_.fit(self._standardise(X), y, batch_size=self.batch_size, epochs=self.max_epochs,
                                  validation_data=validation, callbacks=callbacks, shuffle=True,
                                  verbose=self.verbose)
        self.history_ = {key: [float(value) for value in values] for key, values in history.history.items()}
        self.epochs_run_ = len(self.history_["loss"])
        self.n_parameters_ = int(self.model_.count_params())

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
