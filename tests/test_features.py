import numpy as np
import pytest

from harbench.errors import InputValidationError
from harbench.features.handcrafted import HandcraftedFeatures, sensor_triads

CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")


def _sine(frequency: float, n: int = 128, fs: float = 50.0, amplitude: float = 1.0, offset: float = 0.0):
    return offset + amplitude * np.sin(2 * np.pi * frequency * np.arange(n) / fs)


def _features(X, channels=CHANNELS, fs=50.0) -> dict[str, np.ndarray]:
    transformer = HandcraftedFeatures(fs=fs, channels=channels)
    return dict(zip(transformer.get_feature_names_out(), transformer.fit_transform(X).T, strict=True))


def test_names_are_stable_readable_and_match_the_columns():
    transformer = HandcraftedFeatures(fs=50.0, channels=CHANNELS)
    names = transformer.get_feature_names_out()
    assert len(names) == len(set(names)) == transformer.transform(np.zeros((2, 128, 6))).shape[1]
    assert {"acc_x__std", "gyro_mag__dominant_frequency", "acc__corr_x_y", "acc_mag__band_energy_2"} <= set(names)


def test_values_match_their_definitions_on_known_signals():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 128, 6))
    frequency = 13 * 50 / 128  # 13 whole periods in the window: exactly one FFT bin
    X[0, :, 0] = _sine(frequency, offset=2.0)
    features = _features(X)
    assert features["acc_x__mean"][0] == pytest.approx(2.0, abs=1e-9)
    assert features["acc_x__dominant_frequency"][0] == pytest.approx(frequency)
    for window in range(3):
        signal = X[window, :, 1]
        assert features["acc_y__std"][window] == pytest.approx(signal.std())
        assert features["acc_y__median"][window] == pytest.approx(np.median(signal))
        q75, q25 = np.percentile(signal, [75, 25])
        assert features["acc_y__iqr"][window] == pytest.approx(q75 - q25)
        assert features["acc_y__mad"][window] == pytest.approx(np.median(np.abs(signal - np.median(signal))))
        assert features["acc__corr_x_z"][window] == pytest.approx(np.corrcoef(X[window, :, 0], X[window, :, 2])[0, 1])
        magnitude = np.linalg.norm(X[window, :, 3:6], axis=1)
        assert features["gyro_mag__max"][window] == pytest.approx(magnitude.max())


def test_band_energies_add_up_to_the_signal_power():
    X = np.random.default_rng(1).normal(size=(4, 128, 6))
    features = _features(X)
    bands = sum(features[f"acc_z__band_energy_{band}"] for band in range(5))
    centred = X[:, :, 2] - X[:, :, 2].mean(axis=1, keepdims=True)
    total = (np.abs(np.fft.rfft(centred, axis=1)) ** 2).sum(axis=1) / 128
    np.testing.assert_allclose(bands, total)


def test_a_constant_window_gives_numbers_not_nan():
    features = HandcraftedFeatures(fs=50.0, channels=CHANNELS).transform(np.ones((2, 128, 6)))
    assert np.isfinite(features).all()


def test_any_channel_count_and_sampling_rate_work():
    X = np.random.default_rng(2).normal(size=(5, 40, 4))
    transformer = HandcraftedFeatures(fs=20.0, channels=("emg", "temp", "acc_x", "acc_y"))
    assert transformer.transform(X).shape == (5, len(transformer.get_feature_names_out()))
    assert sensor_triads(("acc_x", "acc_y", "acc_z", "b_x", "b_z")) == [("acc", (0, 1, 2))]


@pytest.mark.parametrize("shape", [(10, 6), (3, 128, 5), (3, 1, 6)])
def test_wrong_shapes_are_refused(shape):
    with pytest.raises(InputValidationError, match="HandcraftedFeatures expects windows"):
        HandcraftedFeatures(fs=50.0, channels=CHANNELS).transform(np.zeros(shape))
