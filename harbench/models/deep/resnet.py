"""The time-series ResNet."""

from __future__ import annotations

from harbench.models.deep.keras_classifier import KerasClassifier


class ResNetClassifier(KerasClassifier):
    """ResNet of Wang, Yan & Oates (2017), "Time Series Classification from Scratch with Deep
    Neural Networks: A Strong Baseline", IJCNN: three residual blocks of 64, 128 and 128
    filters, each three convolutions of lengths 8, 5 and 3 with batch normalisation and ReLU
    and a (1x1-projected) shortcut, then global average pooling and softmax.

    How the settings were chosen: the architecture and Adam at 0.001 are the paper's, batches
    of 64 an untuned default. The training budget is fixed by CPU time, not by any accuracy: Wang et al. train
    for 1500 epochs; an epoch of this 0.5 M-parameter network costs about 25 s on two CPU
    cores, so here at most 12 epochs with patience 4. No setting was chosen on test subjects;
    the number of epochs is selected on the validation subjects (see `KerasClassifier`).
    """

    def __init__(self, seed: int = 0, max_epochs: int = 12, batch_size: int = 64, learning_rate: float = 1e-3,
                 patience: int = 4, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 block_filters: tuple[int, ...] = (64, 128, 128), kernel_sizes: tuple[int, ...] = (8, 5, 3)) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.block_filters = block_filters
        self.kernel_sizes = kernel_sizes

    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        inputs = keras.Input(shape=(n_timesteps, n_channels))
        x = inputs
        for filters in self.block_filters:
            shortcut = layers.BatchNormalization()(layers.Conv1D(filters, 1, padding="same")(x))
            for position, kernel_size in enumerate(self.kernel_sizes):
                x = layers.Conv1D(filters, kernel_size, padding="same")(x)
                x = layers.BatchNormalization()(x)
                if position < len(self.kernel_sizes) - 1:
                    x = layers.Activation("relu")(x)
            x = layers.Activation("relu")(layers.Add()([shortcut, x]))
        x = layers.GlobalAveragePooling1D()(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="resnet")
