import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt

from harbench.errors import InputValidationError
from harbench.features.handcrafted import HandcraftedFeatures, sensor_triads
from harbench.features.statistics import burg_ar, histogram_entropy

CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
UNITS = ("g", "g", "g", "rad/s", "rad/s", "rad/s")


def _sine(frequency: float, n: int = 128, fs: float = 50.0, amplitude: float = 1.0, offset: float = 0.0):
    return offset + amplitude * np.sin(2 * np.pi * frequency * np.arange(n) / fs)


def _features(X, channels=CHANNELS, units=UNITS, fs=50.0) -> dict[str, np.ndarray]:
    transformer = HandcraftedFeatures(fs=fs, channels=channels, units=units, chunk_size=2)
    return dict(zip(transformer.get_feature_names_out(), transformer.fit_transform(X).T, strict=True))


def _naive_burg(x: np.ndarray, order: int) -> np.ndarray:
    """Burg's recursion written plainly for one series, as a reference."""
    x = x - x.mean()
    a = np.array([1.0])
    forward, backward = x.copy(), x.copy()
    for _ in range(order):
        f, b = forward[1:], backward[:-1]
        k = -2 * np.dot(f, b) / (np.dot(f, f) + np.dot(b, b))
        a = np.concatenate([a, [0.0]]) + k * np.concatenate([a, [0.0]])[::-1]
        forward, backward = f + k * b, b + k * f
    return a[1:]


def test_names_are_stable_readable_and_match_the_columns():
    transformer = HandcraftedFeatures(fs=50.0, channels=CHANNELS, units=UNITS)
    names = transformer.get_feature_names_out()
    assert len(names) == len(set(names)) == transformer.transform(np.zeros((2, 128, 6))).shape[1]
    expected = {"body_acc_x__std", "gravity_acc_mag__mean", "body_acc_jerk_z__ar4", "gyro_mag__fft_band_energy_3",
                "gyro_jerk_mag__fft_mean_freq", "body_acc__sma", "gyro__corr_x_y", "angle__y__gravity_acc",
                "angle__body_acc_jerk__gravity_acc"}
    assert expected <= set(names)
    assert 500 < len(names) < 700, "in the spirit of the 561 UCI HAR features"


def test_time_domain_values_match_their_definitions():
    X = np.random.default_rng(0).normal(size=(3, 128, 6))
    features = _features(X)
    for window in range(3):
        gyro = X[window, :, 4]
        assert features["gyro_y__mean"][window] == pytest.approx(gyro.mean())
        assert features["gyro_y__std"][window] == pytest.approx(gyro.std())
        q75, q25 = np.percentile(gyro, [75, 25])
        assert features["gyro_y__iqr"][window] == pytest.approx(q75 - q25)
        assert features["gyro_y__mad"][window] == pytest.approx(np.median(np.abs(gyro - np.median(gyro))))
        assert features["gyro_y__energy"][window] == pytest.approx((gyro**2).mean())
        assert features["gyro__corr_x_z"][window] == pytest.approx(np.corrcoef(X[window, :, 3], X[window, :, 5])[0, 1])
        assert features["gyro_mag__max"][window] == pytest.approx(np.linalg.norm(X[window, :, 3:6], axis=1).max())
        assert features["gyro__sma"][window] == pytest.approx(np.abs(X[window, :, 3:6]).sum(axis=1).mean())
        np.testing.assert_allclose([features[f"gyro_z__ar{k}"][window] for k in range(1, 5)],
                                   _naive_burg(X[window, :, 5], 4))
        counts, _ = np.histogram(gyro, bins=10)
        share = counts[counts > 0] / 128
        assert features["gyro_y__entropy"][window] == pytest.approx(-(share * np.log(share)).sum())


def test_gravity_and_body_acceleration_follow_the_butterworth_split():
    rng = np.random.default_rng(3)
    X = rng.normal(0, 0.1, size=(2, 128, 6))
    X[:, :, 2] += 1.0  # gravity along z
    features = _features(X)
    sos = butter(3, 0.3, fs=50.0, output="sos")
    gravity = sosfiltfilt(sos, X[0, :, 2], padlen=15)
    assert features["gravity_acc_z__mean"][0] == pytest.approx(gravity.mean())
    assert features["body_acc_z__mean"][0] == pytest.approx((X[0, :, 2] - gravity).mean())
    assert features["angle__z__gravity_acc"][0] < 0.2 and features["angle__x__gravity_acc"][0] > 1.4
    jerk = np.gradient(X[0, :, 2] - gravity) * 50.0
    assert features["body_acc_jerk_z__max"][0] == pytest.approx(jerk.max())


def test_spectral_values_find_the_frequency_of_a_sine():
    frequency = 13 * 50 / 128  # 13 whole periods in the window: exactly one FFT bin
    X = np.zeros((1, 128, 6))
    X[0, :, 3] = _sine(frequency, amplitude=2.0)
    features = _features(X)
    assert features["gyro_x__fft_max_freq"][0] == pytest.approx(frequency)
    assert features["gyro_x__fft_mean_freq"][0] == pytest.approx(frequency, rel=0.02)
    bands = sum(features[f"gyro_x__fft_band_energy_{band}"] for band in range(8))
    assert bands == pytest.approx((np.abs(np.fft.rfft(X[0, :, 3])) ** 2).sum() / 128)


def test_burg_recovers_a_known_ar_process():
    rng = np.random.default_rng(4)
    x = np.zeros(20_000)
    noise = rng.normal(size=x.size)
    for t in range(2, x.size):
        x[t] = 0.75 * x[t - 1] - 0.5 * x[t - 2] + noise[t]
    np.testing.assert_allclose(burg_ar(x[None], 2)[0], [-0.75, 0.5], atol=0.02)


def test_short_and_constant_rows_give_zeros_not_nan():
    assert np.array_equal(burg_ar(np.ones((2, 10)), 4), np.zeros((2, 4)))
    assert burg_ar(np.arange(3.0)[None], 4).shape == (1, 4)
    assert histogram_entropy(np.ones((1, 8)))[0] == 0.0
    features = HandcraftedFeatures(fs=50.0, channels=CHANNELS, units=UNITS).transform(np.ones((2, 128, 6)))
    assert np.isfinite(features).all()
    assert np.isfinite(HandcraftedFeatures(fs=50.0, channels=CHANNELS).transform(np.ones((2, 2, 6)))).all()


def test_any_channel_count_and_sampling_rate_work():
    X = np.random.default_rng(2).normal(size=(5, 40, 4))
    transformer = HandcraftedFeatures(fs=20.0, channels=("emg", "temp", "acc_x", "acc_y"))
    features = transformer.transform(X)
    assert features.shape == (5, len(transformer.get_feature_names_out())) and np.isfinite(features).all()
    assert "emg_jerk__ar1" in transformer.get_feature_names_out()
    assert sensor_triads(("acc_x", "acc_y", "acc_z", "b_x", "b_z")) == [("acc", (0, 1, 2))]


def test_chunks_and_threads_do_not_change_the_values():
    X = np.random.default_rng(5).normal(size=(7, 64, 6))
    one = HandcraftedFeatures(fs=50.0, channels=CHANNELS, units=UNITS, chunk_size=100, n_jobs=1).transform(X)
    many = HandcraftedFeatures(fs=50.0, channels=CHANNELS, units=UNITS, chunk_size=2, n_jobs=2).transform(X)
    np.testing.assert_array_equal(one, many)


@pytest.mark.parametrize("shape", [(10, 6), (3, 128, 5), (3, 1, 6)])
def test_wrong_shapes_are_refused(shape):
    with pytest.raises(InputValidationError, match="HandcraftedFeatures expects windows"):
        HandcraftedFeatures(fs=50.0, channels=CHANNELS).transform(np.zeros(shape))
