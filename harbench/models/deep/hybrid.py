"""Convolutional-recurrent hybrids on raw windows."""

from __future__ import annotations

from harbench.errors import InputValidationError
from harbench.models.deep.keras_classifier import KerasClassifier


class DeepConvLSTMClassifier(KerasClassifier):
    """DeepConvLSTM, Ordóñez & Roggen (2016), "Deep Convolutional and LSTM Recurrent Neural
    Networks for Multimodal Wearable Activity Recognition", Sensors 16(1):115: four temporal
    convolutions (64 filters of length 5, ReLU, no pooling), two LSTM layers of 128 units with
    dropout 0.5, softmax on the last state.

    How the settings were chosen: the architecture is the paper's. The training budget is
    fixed by CPU time, not by any accuracy: the LSTM runs over all 128 steps of a window (the
    paper's 24-sample windows left it 8), so an epoch costs about 20 s on two CPU cores;
    batches of 128, at most 15 epochs, patience 4 (the paper trains with RMSprop at 0.001 and
    batches of 100; here Adam at Keras' default 0.001). No setting was chosen on test subjects;
    the number of epochs is selected on the validation subjects (see `KerasClassifier`).
    """

    def __init__(self, seed: int = 0, max_epochs: int = 15, batch_size: int = 128, learning_rate: float = 1e-3,
                 patience: int = 4, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 filters: int = 64, kernel_size: int = 5,
                 n_conv: int = 4, lstm_units: int = 128, dropout: float = 0.5) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.filters = filters
        self.kernel_size = kernel_size
        self.n_conv = n_conv
        self.lstm_units = lstm_units
        self.dropout = dropout

    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        inputs = keras.Input(shape=(n_timesteps, n_channels))
        x = inputs
        for _ in range(self.n_conv):
            x = layers.Conv1D(self.filters, self.kernel_size, padding="same", activation="relu")(x)
        x = layers.Dropout(self.dropout)(x)
        x = layers.LSTM(self.lstm_units, return_sequences=True)(x)
        x = layers.Dropout(self.dropout)(x)
        x = layers.LSTM(self.lstm_units)(x)
        x = layers.Dropout(self.dropout)(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="deepconvlstm")


class CNNLSTMClassifier(KerasClassifier):
    """CNN-LSTM: two 1D convolution blocks (Conv1D, ReLU, max-pooling) whose feature sequence
    feeds an LSTM, in the spirit of Xia, Huang & Wang (2020), "LSTM-CNN Architecture for Human
    Activity Recognition", IEEE Access 8:56855-56866.

    How the settings were chosen: untuned defaults (filter, kernel and unit counts of the
    common Keras recipes, Adam at 0.001, batches of 64); at most 40 epochs with patience 8, a
    CPU-time budget. None was chosen on test subjects; the number of epochs is selected on the
    validation subjects (see `KerasClassifier`).
    """

    def __init__(self, seed: int = 0, max_epochs: int = 40, batch_size: int = 64, learning_rate: float = 1e-3,
                 patience: int = 8, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 filters: int = 64, kernel_size: int = 5,
                 pool_size: int = 2, lstm_units: int = 64, dropout: float = 0.5) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.filters = filters
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.lstm_units = lstm_units
        self.dropout = dropout

    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        inputs = keras.Input(shape=(n_timesteps, n_channels))
        x = inputs
        for _ in range(2):
            x = layers.Conv1D(self.filters, self.kernel_size, padding="same", activation="relu")(x)
            if x.shape[1] >= self.pool_size:
                x = layers.MaxPooling1D(self.pool_size)(x)
        x = layers.LSTM(self.lstm_units)(x)
        x = layers.Dropout(self.dropout)(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="cnn_lstm")


class ConvLSTMClassifier(KerasClassifier):
    """ConvLSTM (Shi et al. 2015, NeurIPS) over sub-sequences of the window, as applied to HAR
    by cutting each window into ``n_subsequences`` equal parts and running a ConvLSTM1D whose
    state is a convolution over each part (e.g. 4 x 32 samples for a 128-sample window).
    The window length must be a multiple of ``n_subsequences``.

    How the settings were chosen: untuned defaults (64 filters of length 3, four sub-sequences,
    a dense layer of 100, Adam at 0.001, batches of 64); at most 30 epochs with patience 6, a
    CPU-time budget. None was chosen on test subjects; the number of epochs is selected on the
    validation subjects (see `KerasClassifier`).
    """

    def __init__(self, seed: int = 0, max_epochs: int = 30, batch_size: int = 64, learning_rate: float = 1e-3,
                 patience: int = 6, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 n_subsequences: int = 4, filters: int = 64,
                 kernel_size: int = 3, dense_units: int = 100, dropout: float = 0.5) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.n_subsequences = n_subsequences
        self.filters = filters
        self.kernel_size = kernel_size
        self.dense_units = dense_units
        self.dropout = dropout

    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        if n_timesteps % self.n_subsequences:
            raise InputValidationError(
                f"convlstm: windows of {n_timesteps} steps cannot be cut into {self.n_subsequences} equal "
                "sub-sequences; choose n_subsequences that divides the window length."
            )
        length = n_timesteps // self.n_subsequences
        inputs = keras.Input(shape=(n_timesteps, n_channels))
        x = layers.Reshape((self.n_subsequences, length, n_channels))(inputs)
        x = layers.ConvLSTM1D(self.filters, min(self.kernel_size, length), activation="relu")(x)
        x = layers.Dropout(self.dropout)(x)
        x = layers.Flatten()(x)
        x = layers.Dense(self.dense_units, activation="relu")(x)
        outputs = layers.Dense(n_classes, activation="softmax")(x)
        return keras.Model(inputs, outputs, name="convlstm")
