import numpy as np
import pytest

from harbench.errors import InputValidationError, UnknownIdError
from harbench.models.representation import Layout
from harbench.robustness.perturbations import (
    PERTURBATIONS,
    dropped_sensor,
    gaussian_noise,
    lost_samples,
    perturb,
    rotation,
    sampling_rate,
)

CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z", "pressure")
LAYOUT = Layout(50.0, CHANNELS, ("g", "g", "g", "rad/s", "rad/s", "rad/s", "hPa"))
ACC, GYRO, OTHER = [0, 1, 2], [3, 4, 5], [6]
STANDARD_CASES = [(name, severity) for name, perturbation in PERTURBATIONS.items()
                  for severity in perturbation.severities]


def _windows(n: int = 12, T: int = 128, seed: int = 0) -> np.ndarray:
    X = np.random.default_rng(seed).standard_normal((n, T, len(CHANNELS)))
    X[:, :, 2] += 1.0  # gravity on acc_z
    return X.astype(np.float32)


def _recordings(n: int = 12) -> np.ndarray:
    return np.repeat(np.array(["r0", "r1", "r2"]), n // 3)


def _read_only(X: np.ndarray) -> np.ndarray:
    X.flags.writeable = False  # as in a WindowSet: any write to the input raises
    return X


def _fitted_rotation(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """R with after[t] = R before[t] for every sample t, by least squares over the window."""
    solution, *_ = np.linalg.lstsq(before.astype(np.float64), after.astype(np.float64), rcond=None)
    return solution.T


@pytest.mark.parametrize("snr_db", [30.0, 20.0, 10.0, 5.0])
def test_gaussian_noise_has_the_requested_snr_in_every_window(snr_db):
    n, T = 40, 500
    scales = np.logspace(-2, 2, n)[:, None, None]  # four decades of signal power: the SNR is per window
    X = (_windows(n, T) * scales).astype(np.float32)
    noisy = gaussian_noise(X, LAYOUT, np.zeros(n), snr_db, seed=3)
    signal = X.astype(np.float64)
    noise_power = ((noisy - signal) ** 2).mean(axis=1)
    target = (signal**2).mean(axis=1) / 10 ** (snr_db / 10)
    ratio = noise_power / target  # each is a chi-square_T / T: mean 1, standard deviation sqrt(2 / T)
    sigma = np.sqrt(2 / T)
    assert abs(ratio.mean() - 1) < 5 * sigma / np.sqrt(ratio.size)  # pooled: 5 sigma is 0.08 dB
    assert np.abs(ratio - 1).max() < 6 * sigma  # every window and channel, 6 sigma


def test_rotation_keeps_each_triads_magnitude_and_turns_it_by_the_angle():
    X = _windows()
    rotated = rotation(X, LAYOUT, _recordings(), 30.0, seed=1)
    for axes in (ACC, GYRO):
        np.testing.assert_allclose(np.linalg.norm(rotated[:, :, axes], axis=2), np.linalg.norm(X[:, :, axes], axis=2),
                                   rtol=1e-5)
    R = _fitted_rotation(X[0][:, ACC], rotated[0][:, ACC])
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-5)
    np.testing.assert_allclose(np.degrees(np.arccos((np.trace(R) - 1) / 2)), 30.0, atol=1e-3)
    np.testing.assert_array_equal(rotated[:, :, OTHER], X[:, :, OTHER])


def test_rotation_is_shared_by_a_recordings_windows_and_its_sensors_and_differs_between_recordings():
    X, recordings = _windows(), _recordings()
    rotated = rotation(X, LAYOUT, recordings, 90.0, seed=1)
    fitted = {(w, tuple(axes)): _fitted_rotation(X[w][:, axes], rotated[w][:, axes])
              for w in range(len(X)) for axes in (ACC, GYRO)}
    for w in range(len(X)):
        np.testing.assert_allclose(fitted[w, tuple(GYRO)], fitted[w, tuple(ACC)], atol=1e-5)
        same = recordings == recordings[w]
        for other in range(len(X)):
            distance = np.abs(fitted[other, tuple(ACC)] - fitted[w, tuple(ACC)]).max()
            assert distance < 1e-5 if same[other] else distance > 0.1
    alone = rotation(X[4:5], LAYOUT, recordings[4:5], 90.0, seed=1)
    np.testing.assert_allclose(alone, rotated[4:5], atol=1e-6)  # keyed by the recording, not its neighbours


def test_rotation_by_zero_degrees_is_the_identity():
    X = _windows()
    np.testing.assert_array_equal(rotation(X, LAYOUT, _recordings(), 0.0, seed=5), X)


def test_rotation_refuses_a_layout_without_triads():
    layout = Layout(50.0, ("ecg", "emg"), ("mV", "mV"))
    with pytest.raises(InputValidationError, match=r"no <sensor>_x/_y/_z channel triad.*'ecg', 'emg'"):
        rotation(np.zeros((2, 16, 2), np.float32), layout, np.zeros(2), 10.0, seed=0)


@pytest.mark.parametrize(("layout", "gyro"), [
    (LAYOUT, GYRO),
    (Layout(50.0, ("a_x", "a_y", "a_z", "w_x", "w_y", "w_z", "p"), ("g",) * 3 + ("deg/s",) * 3 + ("hPa",)), GYRO),
    (Layout(50.0, CHANNELS, ()), GYRO),  # no units: found by name
])
def test_dropped_sensor_finds_the_gyroscope_and_zeroes_or_holds_it_leaving_the_rest(layout, gyro):
    X = _windows()
    zeroed = dropped_sensor(X, layout, _recordings(), "zero", seed=0)
    held = dropped_sensor(X, layout, _recordings(), "hold", seed=0)
    kept = [c for c in range(len(CHANNELS)) if c not in gyro]
    assert not zeroed[:, :, gyro].any()
    np.testing.assert_array_equal(held[:, :, gyro], np.broadcast_to(X[:, :1, gyro], held[:, :, gyro].shape))
    for perturbed in (zeroed, held):
        np.testing.assert_array_equal(perturbed[:, :, kept], X[:, :, kept])


def test_dropped_sensor_takes_a_triad_by_name_and_refuses_an_unknown_group_naming_the_channels():
    X = _windows()
    zeroed = dropped_sensor(X, LAYOUT, _recordings(), "zero", seed=0, group="acc")
    assert not zeroed[:, :, ACC].any()
    np.testing.assert_array_equal(zeroed[:, :, GYRO + OTHER], X[:, :, GYRO + OTHER])
    with pytest.raises(InputValidationError, match=r"no channel group 'magnetometer'.*'acc_x'.*'pressure'"):
        dropped_sensor(X, LAYOUT, _recordings(), "zero", seed=0, group="magnetometer")
    with pytest.raises(InputValidationError, match="mode must be one of"):
        dropped_sensor(X, LAYOUT, _recordings(), "noise", seed=0)


def test_sampling_rate_one_is_the_identity():
    X = _windows()
    np.testing.assert_array_equal(sampling_rate(X, LAYOUT, _recordings(), 1.0, seed=0), X)


@pytest.mark.parametrize("factor", [0.8, 1.25])
def test_sampling_rate_keeps_the_shape_and_divides_the_frequency_by_the_factor(factor):
    T, fs, hz = 500, 50.0, 2.0
    t = np.arange(T) / fs
    X = np.repeat(np.sin(2 * np.pi * hz * t)[None, :, None], len(CHANNELS), axis=2).astype(np.float32)
    X[:, :, 2] += 1.0  # an offset makes no edge transient
    resampled = sampling_rate(X, LAYOUT, np.zeros(1), factor, seed=0)
    assert resampled.shape == X.shape and resampled.dtype == X.dtype
    for channel in range(len(CHANNELS)):
        spectrum = np.abs(np.fft.rfft(resampled[0, :, channel] - resampled[0, :, channel].mean()))
        peak_hz = np.argmax(spectrum) * fs / T
        assert abs(peak_hz - hz / factor) <= fs / T  # within one bin (0.1 Hz) of 1.6 or 2.5 Hz


@pytest.mark.parametrize("fraction", [0.05, 0.10, 0.20])
def test_lost_samples_touch_one_run_of_the_stated_fraction(fraction):
    X = _windows(n=60, T=100)
    filled = lost_samples(X, LAYOUT, np.zeros(60), fraction, seed=2)
    changed = (filled != X).any(axis=2)
    length = round(fraction * 100)
    for row in changed:
        positions = np.flatnonzero(row)
        assert len(positions) == length and positions[-1] - positions[0] == length - 1


def test_lost_samples_reproduce_a_line_and_hold_the_kept_sample_at_an_edge():
    n, T, fraction = 200, 100, 0.2
    slopes = np.linspace(-2, 2, n * len(CHANNELS)).reshape(n, 1, len(CHANNELS))
    line = (slopes * np.arange(T)[None, :, None] + 3.0).astype(np.float32)
    noisy = _windows(n, T)
    # the run positions depend on the seed and shape only: find them on noisy windows
    runs = (lost_samples(noisy, LAYOUT, np.zeros(n), fraction, seed=4) != noisy).any(axis=2)
    filled = lost_samples(line, LAYOUT, np.zeros(n), fraction, seed=4)
    interior = 0
    for w, run in enumerate(runs):
        start, stop = np.flatnonzero(run)[[0, -1]] + [0, 1]
        if start == 0:
            expected = np.broadcast_to(line[w, stop], (stop, len(CHANNELS)))
        elif stop == T:
            expected = np.broadcast_to(line[w, start - 1], (T - start, len(CHANNELS)))
        else:
            expected, interior = line[w, start:stop], interior + 1
        np.testing.assert_allclose(filled[w, start:stop], expected, rtol=1e-6, atol=1e-5)
        np.testing.assert_array_equal(filled[w, ~run], line[w, ~run])
    assert interior > 0.9 * n


@pytest.mark.parametrize(("name", "severity"), STANDARD_CASES)
def test_every_perturbation_is_deterministic_per_seed_and_leaves_its_input_alone(name, severity):
    X = _read_only(_windows())
    original = X.copy()
    first = perturb(name, X, LAYOUT, _recordings(), severity, seed=7)
    again = perturb(name, X, LAYOUT, _recordings(), severity, seed=7)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(X, original)
    assert first.shape == X.shape and first.dtype == X.dtype and not np.array_equal(first, X)
    if name in ("gaussian_noise", "rotation", "lost_samples"):
        assert not np.array_equal(perturb(name, X, LAYOUT, _recordings(), severity, seed=8), first)


def test_the_registry_refuses_an_unknown_perturbation_and_a_severity_off_its_scale():
    X = _windows()
    with pytest.raises(UnknownIdError, match=r"'blur'.*known: gaussian_noise"):
        perturb("blur", X, LAYOUT, _recordings(), 1.0, seed=0)
    with pytest.raises(InputValidationError, match=r"rotation: severity 45.0 is not on its standard scale.*10.0"):
        perturb("rotation", X, LAYOUT, _recordings(), 45.0, seed=0)
    with pytest.raises(InputValidationError, match="severity 'zero' is not on"):
        perturb("gaussian_noise", X, LAYOUT, _recordings(), "zero", seed=0)
    assert perturb("gaussian_noise", X, LAYOUT, _recordings(), 20, seed=0).shape == X.shape


@pytest.mark.parametrize(("name", "severity"), STANDARD_CASES)
def test_every_perturbation_refuses_nan_a_wrong_rank_and_mismatched_recordings(name, severity):
    X = _windows()
    with_nan = X.copy()
    with_nan[3, 5, 4] = np.nan
    cases = [
        (with_nan, _recordings(), r"X contains 1 NaN or infinite.*window 3, channel 'gyro_y'"),
        (X[0], _recordings(), r"X must be windows \(n, T, C\).*\(128, 7\)"),
        (X, _recordings()[:5], r"recordings must hold one recording id per window"),
        (X[:, :, :3], _recordings(), r"X has 3 channels but the layout names 7"),
    ]
    for windows, recordings, message in cases:
        with pytest.raises(InputValidationError, match=f"{name}: {message}"):
            perturb(name, windows, LAYOUT, recordings, severity, seed=0)


@pytest.mark.parametrize(("function", "severity", "message"), [
    (gaussian_noise, float("nan"), "snr_db must be a number"),
    (rotation, 200.0, "degrees must be a number in"),
    (sampling_rate, -1.0, "factor must be a number in"),
    (lost_samples, 1.0, "leaves none to interpolate"),
])
def test_perturbations_refuse_a_severity_outside_their_domain(function, severity, message):
    with pytest.raises(InputValidationError, match=message):
        function(_windows(), LAYOUT, _recordings(), severity, seed=0)
