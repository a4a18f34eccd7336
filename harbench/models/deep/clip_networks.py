"""Keras learners on video clips (n, frames, height, width, channels): LRCN, ConvLSTM2D and a
frame CNN whose clip prediction averages its frames.

All three are `KerasClassifier`s with ``input_rank = 5``: training (early stopping on the
validation subjects, refit on training + validation subjects), determinism, persistence and
ONNX export are the shared ones; ``_build`` receives ``(frames, height, width, channels,
n_classes)``. Inputs are standardised per channel over clips, frames and pixels (uint8 RGB
frames become float32 in `harbench.models.base.check_windows`, so their 0-255 scale needs no
step of its own). Every pooling uses ``padding="same"``, so any frame count and size works: a
side that reaches 1 pixel stays 1. LRCN and the frame CNN predict a clip by averaging
per-frame (per-step) softmax outputs and are trained with every step labelled with its clip's
label (`step_averaging_model`).

How the settings were chosen. The layer recipes are those of the cited papers as commonly
re-implemented in Keras for UCF50 (LRCN: per-frame Conv2D 16-32-64-64 with pooling 4-4-2-2
and dropout 0.25, LSTM(32); ConvLSTM2D: 4-8-14-16 filters, 3 x 3, recurrent dropout 0.2,
1 x 2 x 2 pooling and dropout 0.2; both on 20 frames of 64 x 64 with Adam, batches of 4 and
early stopping), kept that small so that a fold of Weizmann (63 training clips of
16 x 72 x 90 x 1) trains in minutes on two CPU cores; the frame CNN is a CNN of the same
scale. Batches of 8, patience 15 and the learning-rate halving after 7 epochs are untuned
defaults (`_ClipClassifier`). A few changes were then chosen on the validation subjects only,
never on a test person: on ``weizmann``, protocol ``loso`` (``val_fraction=0.2, val_seed=0``),
folds 0 and 1 (validation persons 7 + 9 and 5 + 9; 63 training and 20 validation clips),
seed 0, TensorFlow, the selection run's validation accuracy (and loss) at its selected
(lowest validation loss) epoch, ``refit=False``:

=============================================================  =============  =============
variant                                                        fold 0         fold 1
=============================================================  =============  =============
lrcn: recipe (softmax on the LSTM's last state), lr 0.001      0.45 (1.38)    0.40 (1.46)
lrcn: softmax per step, averaged (Donahue et al.), lr 0.001    0.60 (1.06)    0.70 (1.09)
lrcn: softmax per step, lr 0.003                               0.75 (0.98)    0.75 (1.24)
lrcn: softmax per step, lr 0.003, 150 epochs                   0.75 (0.94)    0.75 (1.03)
convlstm2d: recipe (softmax on all frames' maps)               0.45 (1.99)    0.40 (1.60)
convlstm2d: head on the last block's final state (chosen)      0.55 (1.38)    0.50 (1.44)
convlstm2d: final state, global average pooling head           0.50 (1.20)
convlstm2d: final state, input average-pooled 2 x 2 first      0.35 (1.77)    0.60 (1.42)
convlstm2d: final state, batch normalisation after each block  0.55 (1.80)    0.20 (2.22)
convlstm2d: final state, lr 0.003                              0.45 (1.58)
convlstm2d: softmax per frame averaged, lr 0.003               0.35 (1.93)
frame_cnn: lr 0.001, 80 epochs                                 0.70 (1.06)    0.85 (0.89)
frame_cnn: lr 0.003, 80 epochs                                 0.75 (0.98)    0.90 (0.59)
frame_cnn: lr 0.003, 150 epochs (chosen)                       0.80 (0.98)    0.90 (0.56)
=============================================================  =============  =============

(The recipe rows of ConvLSTM2D and the frame CNN's first row are the selection runs of fits
with the refit; the frame CNN's first two rows ran the same network written with
TimeDistributed or with the frames folded into the batch. The selected epoch of LRCN and the
frame CNN came at or near the end of an 80-epoch budget, 74-80, hence 150 epochs. Blank cells
were not run.) LRCN's patience of 30 was chosen on fold 2 (validation persons 1 + 8), whose
validation loss stayed on a plateau (2.0-2.1) until epoch 38: patience 15 stopped that run at
epoch 35 with 0.30 validation accuracy, patience 30 at epoch 96 with 0.75 (loss 1.05) at its
selected epoch 66. With 20 validation clips a clip is 0.05, so only large differences mean
much.
"""

from __future__ import annotations

import functools
from pathlib import Path

from harbench.models.deep.backend import require_backend
from harbench.models.deep.keras_classifier import KerasClassifier


class _ClipClassifier(KerasClassifier):
    """A `KerasClassifier` of clips, with the training defaults of the clip learners.

    Weizmann has 63 training clips per leave-one-person-out fold, so batches are small (8
    clips: eight optimiser steps an epoch). Defaults here and for ConvLSTM2D: 80 epochs at a
    learning rate of 0.001, patience 15 (the rate halves after 7 epochs without improvement;
    `KerasClassifier`). LRCN and the frame CNN train at 0.003 for at most 150 epochs, LRCN with
    patience 30 (halving after 15), chosen on validation subjects (see the module docstring).
    """

    input_rank = 5
    version = 1

    def __init__(self, seed: int = 0, max_epochs: int = 80, batch_size: int = 8, learning_rate: float = 1e-3,
                 patience: int = 15, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)

    def load_fitted(self, folder: Path, trusted_modules: frozenset[str] = frozenset()) -> _ClipClassifier:
        """As `KerasClassifier.load_fitted`, with the step-averaging network's class registered
        with Keras first (it is defined when Keras is first needed)."""
        require_backend()
        step_averaging_model()
        return super().load_fitted(folder, trusted_modules)


class LRCNClassifier(_ClipClassifier):
    """Long-term Recurrent Convolutional Network, Donahue et al. (2015), "Long-term recurrent
    convolutional networks for visual recognition and description", CVPR: a 2D CNN applied to
    every frame (the same weights for all frames), each frame's flattened feature map fed to an
    LSTM, and, as in the paper's activity recognition, a softmax at every time step whose
    probabilities are averaged over the clip's frames for the clip's prediction; training labels
    every step with its clip's label (the per-step cross-entropy of `step_averaging_model`).

    The CNN is the small one of the common Keras LRCN recipe for UCF50 (the paper used an
    ImageNet-pretrained CaffeNet, far too large for two CPU cores and 93 clips): one block per
    entry of ``filters``, each Conv2D(``filters[i]``, 3 x 3, same padding, ReLU) ->
    max-pooling of ``pool_sizes[i]`` -> dropout ``dropout`` (none after the last block); then
    each frame's map flattened, LSTM(``lstm_units``) returning every step, and a softmax per
    step. With the defaults, (16, 32, 64, 64) filters and pooling (4, 4, 2, 2), a 72 x 90
    frame becomes 2 x 2 x 64 = 256 features and the network has 97,546 parameters for
    Weizmann's 10 classes (37 k of them in the LSTM).

    Chosen on validation subjects only (Weizmann, see the module docstring): the per-step
    softmax averaged over frames rather than the recipe's single softmax on the LSTM's last
    state, a learning rate of 0.003, 150 epochs and patience 30 (its validation loss can stay
    on a plateau for 30 epochs before it falls).
    """

    def __init__(self, seed: int = 0, max_epochs: int = 150, batch_size: int = 8, learning_rate: float = 3e-3,
                 patience: int = 30, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 filters: tuple[int, ...] = (16, 32, 64, 64), pool_sizes: tuple[int, ...] = (4, 4, 2, 2),
                 lstm_units: int = 32, dropout: float = 0.25) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.filters = filters
        self.pool_sizes = pool_sizes
        self.lstm_units = lstm_units
        self.dropout = dropout

    def _build(self, n_frames: int, height: int, width: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        _check_blocks("lrcn", self.filters, self.pool_sizes)
        inputs = keras.Input(shape=(n_frames, height, width, n_channels))
        x = inputs
        # A Conv3D with a 1 x 3 x 3 kernel (and pooling of 1 x p x p) is the per-frame 2D convolution
        # (pooling) with weights shared by all frames, i.e. TimeDistributed(Conv2D); Keras 3's
        # TimeDistributed calls the layer once per frame, which trains this network 8x slower on CPU.
        for block, (filters, pool) in enumerate(zip(self.filters, self.pool_sizes, strict=True)):
            x = layers.Conv3D(filters, (1, 3, 3), padding="same", activation="relu")(x)
            x = layers.MaxPooling3D((1, pool, pool), padding="same")(x)
            if block < len(self.filters) - 1:
                x = layers.Dropout(self.dropout)(x)
        x = layers.Reshape((n_frames, -1))(x)  # each frame's feature map, flattened
        x = layers.LSTM(self.lstm_units, return_sequences=True)(x)
        step_probabilities = layers.Dense(n_classes, activation="softmax")(x)  # Dense acts on each step
        return step_averaging_model()(keras.Model(inputs, step_probabilities, name="lrcn_steps"), name="lrcn")


class ConvLSTM2DClassifier(_ClipClassifier):
    """Stacked ConvLSTM2D, Shi et al. (2015), "Convolutional LSTM Network: A Machine Learning
    Approach for Precipitation Nowcasting", NeurIPS: LSTMs whose input, state and gates are
    feature maps and whose products are 3 x 3 convolutions, so the state keeps the frame's
    layout.

    One block per entry of ``filters``, as in the common Keras ConvLSTM recipe for UCF50:
    ConvLSTM2D(``filters[i]``, 3 x 3, same padding, tanh, recurrent dropout
    ``recurrent_dropout``), every block but the last returning the whole sequence and followed
    by max-pooling 1 x 2 x 2 (space only, every frame kept) and dropout ``dropout``; the last
    block returns its final state, which is max-pooled 2 x 2, flattened, dropped out
    (``dropout``) and fed to a softmax. With the defaults, (4, 8, 14, 16) filters, a 72 x 90
    frame's final state is 9 x 12 x 16, pooled to 5 x 6 x 16 = 480 features, and the network
    has 37,522 parameters for Weizmann's 10 classes.

    Chosen on validation subjects only (Weizmann, see the module docstring): the head on the
    last ConvLSTM's final state rather than the recipe's softmax on all frames' flattened maps
    (7,680 features, 76,810 of the network's 109,522 parameters, which overfitted the 63
    training clips within 5 epochs).
    """

    def __init__(self, seed: int = 0, max_epochs: int = 80, batch_size: int = 8, learning_rate: float = 1e-3,
                 patience: int = 15, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 filters: tuple[int, ...] = (4, 8, 14, 16), dropout: float = 0.2,
                 recurrent_dropout: float = 0.2) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.filters = filters
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout

    def _build(self, n_frames: int, height: int, width: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        _check_blocks("convlstm2d", self.filters)
        inputs = keras.Input(shape=(n_frames, height, width, n_channels))
        x = inputs
        last = len(self.filters) - 1
        for block, filters in enumerate(self.filters):
            x = layers.ConvLSTM2D(filters, 3, padding="same", activation="tanh", return_sequences=block < last,
                                  recurrent_dropout=self.recurrent_dropout)(x)
            if block < last:
                x = layers.MaxPooling3D((1, 2, 2), padding="same")(x)
                x = layers.Dropout(self.dropout)(x)
        x = layers.MaxPooling2D(2, padding="same")(x)
        x = layers.Flatten()(x)
        x = layers.Dropout(self.dropout)(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="convlstm2d")


class FrameCNNClassifier(_ClipClassifier):
    """A 2D CNN on single frames whose clip prediction is the mean of its frames' class
    probabilities: the single-frame baseline of Karpathy et al. (2014), "Large-scale Video
    Classification with Convolutional Neural Networks", CVPR, which averages the predictions
    of frames sampled from the clip.

    The frame CNN: one block per entry of ``filters``, each Conv2D(``filters[i]``, 3 x 3, same
    padding, ReLU) -> max-pooling 2 x 2; then global average pooling, dropout ``dropout``,
    Dense(``dense_units``, ReLU) and a softmax. With the defaults, (16, 32, 64) filters and 64
    dense units, it has 28,106 parameters for Weizmann's 10 classes. The convolutions are
    written as Conv3D with 1 x 3 x 3 kernels (see `LRCNClassifier`), so no layer sees two frames.

    Training on frames, exactly: the network (`step_averaging_model`) applies the frame CNN to
    every frame of a clip and its output, in prediction, is the clip's mean frame probability
    vector. Its loss, in training and on the validation subjects (``val_loss``), is the
    frame-level cross-entropy with every frame labelled with its clip's label, averaged over all
    frames of the batch (every clip has the same number of frames, so this is also the mean over
    clips of each clip's mean frame cross-entropy). ``accuracy`` and ``val_accuracy`` are those
    of the clip predictions (the mean frame probabilities). Batches are of clips
    (``batch_size`` clips, hence ``batch_size`` x frames frames), shuffled each epoch; the
    frames of a clip share a batch. Early stopping, the refit and persistence are
    `KerasClassifier`'s.

    Chosen on validation subjects only (see the module docstring): a learning rate of 0.003
    and 150 epochs (at 0.001 the selected epoch was the 80-epoch budget's last).
    """

    def __init__(self, seed: int = 0, max_epochs: int = 150, batch_size: int = 8, learning_rate: float = 3e-3,
                 patience: int = 15, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 filters: tuple[int, ...] = (16, 32, 64), dense_units: int = 64, dropout: float = 0.5) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.filters = filters
        self.dense_units = dense_units
        self.dropout = dropout

    def _build(self, n_frames: int, height: int, width: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        _check_blocks("frame_cnn", self.filters)
        inputs = keras.Input(shape=(n_frames, height, width, n_channels))
        x = inputs
        # 1 x 3 x 3 convolutions and 1 x 2 x 2 pooling: the 2D CNN on each frame, the same weights
        # for all frames (see LRCNClassifier._build), then each frame's global average
        for filters in self.filters:
            x = layers.Conv3D(filters, (1, 3, 3), padding="same", activation="relu")(x)
            x = layers.MaxPooling3D((1, 2, 2), padding="same")(x)
        x = layers.AveragePooling3D((1, x.shape[2], x.shape[3]))(x)
        x = layers.Reshape((n_frames, self.filters[-1]))(x)
        x = layers.Dropout(self.dropout)(x)
        x = layers.Dense(self.dense_units, activation="relu")(x)  # Dense acts on each frame's features
        frame_probabilities = layers.Dense(n_classes, activation="softmax")(x)
        return step_averaging_model()(keras.Model(inputs, frame_probabilities, name="frame_cnn"),
                                      name="frame_cnn_averaged")


def _check_blocks(name: str, filters: tuple[int, ...], pool_sizes: tuple[int, ...] | None = None) -> None:
    from harbench.errors import InputValidationError

    if not filters:
        raise InputValidationError(f"{name}: filters is empty; give at least one convolution block's filter count.")
    if pool_sizes is not None and len(pool_sizes) != len(filters):
        raise InputValidationError(f"{name}: {len(filters)} filter counts but {len(pool_sizes)} pool sizes; give one "
                                   "pool size per convolution block.")


@functools.cache
def step_averaging_model() -> type:
    """The Keras model class that trains a network of per-step (per-frame) class probabilities
    with every step labelled with its clip's label, and predicts a clip by the mean of its
    steps' probabilities (see `FrameCNNClassifier`; LRCN uses it for its per-step softmax).

    Defined on first use, after the backend check, since importing Keras picks its backend;
    registered with Keras (``harbench>StepAveraging``) so that saved networks load.

    It wraps ``step_network``, a model from clips (n, frames, height, width, channels) to
    probabilities (n, steps, classes). ``call`` returns those while training and their mean
    over steps (n, classes) otherwise (evaluation on the validation subjects, prediction, ONNX
    export). ``compute_loss`` is the cross-entropy of every step against its clip's label,
    averaged over steps and clips: on the training output directly; in evaluation, where the
    output is the mean, on the step probabilities computed again (inference has no dropout, so
    they are the same ones). ``compute_metrics`` scores the mean probabilities, so
    ``accuracy`` is a clip accuracy in training too.
    """
    import keras
    from keras import ops

    @keras.saving.register_keras_serializable(package="harbench")
    class StepAveraging(keras.Model):
        def __init__(self, step_network: keras.Model, **kwargs) -> None:
            super().__init__(**kwargs)
            self.step_network = step_network
            self.build(step_network.input_shape)  # the step network is built: so is this model

        def build(self, input_shape) -> None:
            self.step_network.build(input_shape)
            self.built = True

        def call(self, clips, training=None):
            step_probabilities = self.step_network(clips, training=training)
            return step_probabilities if training else ops.mean(step_probabilities, axis=1)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.step_network.output_shape[-1])

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            step_probabilities = y_pred if len(y_pred.shape) == 3 else self.step_network(x, training=False)
            step_labels = ops.repeat(ops.expand_dims(y, 1), step_probabilities.shape[1], axis=1)
            loss = ops.mean(keras.losses.sparse_categorical_crossentropy(step_labels, step_probabilities))
            for extra in self.losses:  # regularisers and add_loss terms (none in harbench's networks)
                loss = loss + ops.sum(extra)
            return loss

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            if len(y_pred.shape) == 3:
                y_pred = ops.mean(y_pred, axis=1)
            return super().compute_metrics(x, y, y_pred, sample_weight)

        def get_config(self) -> dict:
            return {**super().get_config(), "step_network": keras.saving.serialize_keras_object(self.step_network)}

        @classmethod
        def from_config(cls, config: dict):
            config = dict(config)
            step_network = keras.saving.deserialize_keras_object(config.pop("step_network"))
            return cls(step_network, **config)

    return StepAveraging
