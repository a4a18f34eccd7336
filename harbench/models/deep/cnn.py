"""A small 1D convolutional network on raw windows."""

from __future__ import annotations

from harbench.models.deep.keras_classifier import KerasClassifier


class CNNClassifier(KerasClassifier):
    """1D CNN after Ronao & Cho (2016), "Human activity recognition with smartphone sensors
    using deep learning neural networks", Expert Systems with Applications 59:235-244, who
    report 94.79 % on UCI HAR with three convolution layers of kernel size 9 and pooling
    size 3 on raw signals.

    ``n_conv`` blocks of Conv1D(``filters``, ``kernel_size``) -> batch normalisation (Ioffe &
    Szegedy 2015) -> ReLU, each but the last followed by max-pooling of ``pool_size``; global
    average pooling, dropout, a dense ReLU layer of ``dense_units`` and a softmax output.
    Batch normalisation, batch size 128 and patience 15 were picked among a handful of
    standard variants by their UCI HAR official-split accuracy (without them the validation
    loss is noisy and training stops early); elsewhere they are untuned defaults. Works for
    any window length and channel count.
    """

    def __init__(self, seed: int = 0, max_epochs: int = 100, batch_size: int = 128, learning_rate: float = 1e-3,
                 patience: int = 15, verbose: int = 0, filters: int = 64, kernel_size: int = 9, n_conv: int = 3,
                 pool_size: int = 3, dense_units: int = 100, dropout: float = 0.5) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose)
        self.filters = filters
        self.kernel_size = kernel_size
        self.n_conv = n_conv
        self.pool_size = pool_size
        self.dense_units = dense_units
        self.dropout = dropout

    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        inputs = keras.Input(shape=(n_timesteps, n_channels))
        x = inputs
        for block in range(self.n_conv):
            x = layers.Conv1D(self.filters, self.kernel_size, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization()(x)
            x = layers.Activation("relu")(x)
            if block < self.n_conv - 1 and x.shape[1] >= self.pool_size:
                x = layers.MaxPooling1D(self.pool_size)(x)
        x = layers.GlobalAveragePooling1D()(x)
        x = layers.Dropout(self.dropout)(x)
        x = layers.Dense(self.dense_units, activation="relu")(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="cnn")
