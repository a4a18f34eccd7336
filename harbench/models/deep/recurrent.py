"""Recurrent networks on raw windows."""

from __future__ import annotations

from harbench.models.deep.keras_classifier import KerasClassifier


class LSTMClassifier(KerasClassifier):
    """Stacked LSTM after Chevalier (2016), "LSTMs for Human Activity Recognition"
    (github.com/guillaume-chevalier/LSTM-Human-Activity-Recognition), who reports 91.65 % on
    UCI HAR with two stacked LSTM layers of 32 units on the raw inertial signals; with
    ``bidirectional`` each layer reads the window both ways (Schuster & Paliwal 1997, IEEE
    Trans. Signal Processing 45:2673-2681). The last layer's final state feeds a softmax.
    ``input_dense`` > 0 puts Chevalier's per-time-step ReLU dense layer of that many units in
    front, and ``l2`` > 0 his L2 penalty on every weight matrix (he uses 32 units and 0.0015).

    How the settings were chosen: the architecture (two layers of 32 units) is Chevalier's.
    The training budget is fixed by CPU time, not by any accuracy: Chevalier trains with
    batches of 1500 at learning rate 0.0025 for 300 epochs on nine channels (body and total
    acceleration, gyroscope) of the preprocessed release; here batches of 128 at 0.002 for at
    most 40 epochs with patience 8, which kept a seed near three minutes on two CPU cores
    (larger batches train an LSTM faster per epoch on a CPU, whose recurrent steps run one
    after the other). No setting was chosen on test subjects; the number of epochs is selected
    on the validation subjects (see `KerasClassifier`).
    """

    def __init__(self, seed: int = 0, max_epochs: int = 40, batch_size: int = 128, learning_rate: float = 2e-3,
                 patience: int = 8, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 units: int = 32, n_layers: int = 2,
                 dropout: float = 0.0, bidirectional: bool = False, input_dense: int = 0, l2: float = 0.0) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average)
        self.units = units
        self.n_layers = n_layers
        self.dropout = dropout
        self.bidirectional = bidirectional
        self.input_dense = input_dense
        self.l2 = l2

    def _build(self, n_timesteps: int, n_channels: int, n_classes: int):
        import keras
        from keras import layers

        penalty = keras.regularizers.L2(self.l2) if self.l2 else None
        inputs = keras.Input(shape=(n_timesteps, n_channels))
        x = inputs
        if self.input_dense:
            x = layers.Dense(self.input_dense, activation="relu", kernel_regularizer=penalty)(x)
        for layer in range(self.n_layers):
            recurrent = layers.LSTM(self.units, return_sequences=layer < self.n_layers - 1, dropout=self.dropout,
                                    kernel_regularizer=penalty, recurrent_regularizer=penalty)
            x = layers.Bidirectional(recurrent)(x) if self.bidirectional else recurrent(x)
        outputs = layers.Dense(n_classes, activation="softmax", kernel_regularizer=penalty)(x)
        return keras.Model(inputs, outputs, name="bilstm" if self.bidirectional else "lstm")


class BiLSTMClassifier(LSTMClassifier):
    """`LSTMClassifier` with bidirectional layers by default (Schuster & Paliwal 1997); its
    settings are `LSTMClassifier`'s, chosen the same way (none on test subjects)."""

    def __init__(self, seed: int = 0, max_epochs: int = 40, batch_size: int = 128, learning_rate: float = 2e-3,
                 patience: int = 8, verbose: int = 0, refit: bool = True,
                 optimizer: str = "adam", monitor: str = "val_loss", lr_patience: int | None = None,
                 weight_average: float | None = None,
                 units: int = 32, n_layers: int = 2,
                 dropout: float = 0.0, bidirectional: bool = True, input_dense: int = 0, l2: float = 0.0) -> None:
        super().__init__(seed=seed, max_epochs=max_epochs, batch_size=batch_size, learning_rate=learning_rate,
                         patience=patience, verbose=verbose, refit=refit, optimizer=optimizer, monitor=monitor,
                         lr_patience=lr_patience, weight_average=weight_average, units=units, n_layers=n_layers,
                         dropout=dropout, bidirectional=bidirectional, input_dense=input_dense, l2=l2)
