"""InceptionTime's Inception network."""

from __future__ import annotations

from harbench.models.deep.keras_classifier import KerasClassifier


class InceptionTimeClassifier(KerasClassifier):
    """The Inception network of InceptionTime, Ismail Fawaz, Lucas, Forestier, Pelletier,
    Schmidt, Weber, Webb, Idoumghar, Muller & Petitjean (2020), "InceptionTime: Finding
    AlexNet for time series classification", Data Mining and Knowledge Discovery
    34:1936-1962.

    ``depth`` Inception modules; each passes its input through a bottleneck (a length-1
    convolution of ``bottleneck`` filters, skipped for a single-channel input), then in
    parallel through convolutions of lengths ``kernel_sizes`` (the paper's 40, 20 and 10) of
    ``filters`` filters each and through max-pooling (size 3, stride 1) followed by a length-1
    convolution, concatenates the four, and applies batch normalisation and ReLU. Every third
    module adds a residual shortcut (a length-1 convolution and batch normalisation of the
    block's input). Global average pooling and a softmax output.

    The architecture's settings are the paper's, untuned. InceptionTime proper averages five
    such networks trained from different initialisations; harbench trains one (a suite can
    compare seeds), which the paper reports as slightly weaker than the ensemble. The
    paper's training recipe (Adam at 0.001, batch 64, 1500 epochs, learning rate halved on a
    50-epoch training-loss plateau) is far beyond a CPU budget; the defaults here are the
    bounded budget of the other deep learners (early stopping on the validation subjects),
    and a suite names the budget it runs.
    """

    def __init__(self, seed: int = 0, max_epochs: int = 30, batch_size: int = 64, learning_rate: float = 1e-3,
                 patience: int = 6, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 depth: int = 6, filters: int = 32,
                 bottleneck: int = 32, kernel_sizes: tuple[int, ...] = (40, 20, 10)) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.depth = depth
        self.filters = filters
        self.bottleneck = bottleneck
        self.kernel_sizes = kernel_sizes

    def _inception_module(self, x):
        from keras import layers

        bottlenecked = layers.Conv1D(self.bottleneck, 1, padding="same", use_bias=False)(x) if x.shape[-1] > 1 else x
        branches = [layers.Conv1D(self.filters, size, padding="same", use_bias=False)(bottlenecked)
                    for size in self.kernel_sizes]
        pooled = layers.MaxPooling1D(pool_size=3, strides=1, padding="same")(x)
        branches.append(layers.Conv1D(self.filters, 1, padding="same", use_bias=False)(pooled))
        x = layers.Concatenate(axis=-1)(branches)
        x = layers.BatchNormalization()(x)
        return layers.Activation("relu")(x)

    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        inputs = keras.Input(shape=(n_timesteps, n_channels))
        x, block_input = inputs, inputs
        for module in range(self.depth):
            x = self._inception_module(x)
            if module % 3 == 2:
                shortcut = layers.Conv1D(x.shape[-1], 1, padding="same", use_bias=False)(block_input)
                shortcut = layers.BatchNormalization()(shortcut)
                x = layers.Activation("relu")(layers.Add()([shortcut, x]))
                block_input = x
        x = layers.GlobalAveragePooling1D()(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="inception_time")
