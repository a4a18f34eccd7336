"""Perturbed test sets: seeded, pure corruptions of test windows at standard severities.

The design follows ImageNet-C (Hendrycks & Dietterich 2019, "Benchmarking Neural Network
Robustness to Common Corruptions and Perturbations", ICLR): a model trained on clean windows
is scored on its test windows corrupted by each perturbation at each severity of a fixed scale.
Only test windows are perturbed; nothing here is fitted.

Every perturbation is a function ``(X, layout, recordings, severity, seed) -> X'``: ``X`` the
windows (n, T, C), ``layout`` their channel layout (sampling rate, channel names, units),
``recordings`` (n,) the recording (WindowSet ``sessions``) of each window, ``severity`` the
strength, ``seed`` a non-negative integer. It returns a new array of ``X``'s shape and dtype,
never writes to ``X``, and gives the same result for the same arguments. Random draws come
from numpy's PCG64 seeded with ``SeedSequence((seed, hash(perturbation name), [hash(recording)]))``
(SHA-256 of the text), so perturbations draw independent streams, and a per-recording draw
(the rotation) is the same for every window of that recording whatever else is in ``X``.
Per-window draws (noise, lost-sample positions) follow the order of the windows in ``X``.

``PERTURBATIONS`` maps each name to its function, its ``version`` (bumped whenever its output
changes) and its standard severity scale; ``perturb`` applies one at a severity of its scale.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real

import numpy as np
from scipy.signal import resample_poly

from harbench.errors import InputValidationError, UnknownIdError
from harbench.features.handcrafted import ACCELERATION_UNITS, sensor_triads
from harbench.models.representation import Layout

ANGULAR_RATE_UNITS = frozenset({"rad/s", "deg/s", "°/s", "dps"})
DROPOUT_MODES = ("zero", "hold")
MAX_RATE_DENOMINATOR = 100


def _key(value: object) -> int:
    """A 64-bit integer from the text of ``value``, the same in every process (unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(str(value).encode()).digest()[:8], "little")


def _generator(seed: int, *keys: object) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, *map(_key, keys)]))


def _check(name: str, X: np.ndarray, layout: Layout, recordings: np.ndarray, seed: int) -> None:
    """Refuse windows, layout, recordings or seed a perturbation cannot take, saying why."""
    if not isinstance(X, np.ndarray) or X.ndim != 3:
        raise InputValidationError(f"{name}: X must be windows (n, T, C) as a numpy array; got shape "
                                   f"{np.shape(X)}.")
    if not np.issubdtype(X.dtype, np.floating):
        raise InputValidationError(f"{name}: X must be floating-point (harbench windows are float32); got "
                                   f"{X.dtype}. Convert it with X.astype(np.float32).")
    if X.shape[1] < 2:
        raise InputValidationError(f"{name}: windows need at least 2 samples; got T = {X.shape[1]}.")
    if X.shape[2] != len(layout.channels):
        raise InputValidationError(f"{name}: X has {X.shape[2]} channels but the layout names "
                                   f"{len(layout.channels)} ({list(layout.channels)}).")
    if layout.units and len(layout.units) != len(layout.channels):
        raise InputValidationError(f"{name}: the layout has {len(layout.units)} units for "
                                   f"{len(layout.channels)} channels; give one unit per channel or none.")
    finite = np.isfinite(X)
    if not finite.all():
        window, _, channel = np.argwhere(~finite)[0]
        raise InputValidationError(
            f"{name}: X contains {int((~finite).sum())} NaN or infinite values (the first in window {window}, "
            f"channel {layout.channels[channel]!r}); impute or drop those windows before perturbing them."
        )
    if np.shape(recordings) != (len(X),):
        raise InputValidationError(f"{name}: recordings must hold one recording id per window, shape "
                                   f"({len(X)},); got {np.shape(recordings)}.")
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise InputValidationError(f"{name}: seed must be a non-negative integer; got {seed!r}.")


def _real(name: str, what: str, value: object, low: float, high: float) -> float:
    """``value`` as a float in [low, high], or an error naming the perturbation and the parameter."""
    if isinstance(value, bool) or not isinstance(value, Real) or not low <= float(value) <= high:
        raise InputValidationError(f"{name}: {what} must be a number in [{low}, {high}]; got {value!r}.")
    return float(value)


def gaussian_noise(X: np.ndarray, layout: Layout, recordings: np.ndarray, snr_db: float,
                   seed: int) -> np.ndarray:
    """Additive white Gaussian noise at a signal-to-noise ratio of ``snr_db`` decibels.

    For each window w and channel c, with ``P`` the mean power of the window's channel,

        x'[w, t, c] = x[w, t, c] + sqrt(P[w, c] / 10^(snr_db / 10)) * z[w, t, c],
        P[w, c] = (1/T) * sum_t x[w, t, c]^2,   z i.i.d. N(0, 1),

    so that 10 * log10(P / noise variance) = snr_db (the usual definition, SNR = P_signal /
    P_noise; jittering as in Um et al. 2017, "Data Augmentation of Wearable Sensor Data for
    Parkinson's Disease Monitoring using Convolutional Neural Networks", ICMI).

    The power is taken per window, not per channel over the whole test set: each window then
    has exactly the stated SNR in expectation, and a window's perturbation depends only on
    itself, not on which other windows a fold puts in the test set (folds of one protocol
    differ). The price: the noise is relative, not a fixed sensor noise floor, so a quiet
    window gets proportionally less noise. ``P`` is the mean square, so an accelerometer's
    gravity counts as signal (a resting window still gets noise of about g / 10^(snr/20)); a
    channel that is all zero in a window gets none.
    """
    _check("gaussian_noise", X, layout, recordings, seed)
    snr_db = _real("gaussian_noise", "snr_db", snr_db, -np.inf, np.inf)
    data = X.astype(np.float64)
    scale = np.sqrt(np.mean(data * data, axis=1, keepdims=True) / 10 ** (snr_db / 10))
    noise = _generator(seed, "gaussian_noise").standard_normal(X.shape)
    return (data + scale * noise).astype(X.dtype)


def channel_groups(layout: Layout) -> dict[str, tuple[int, ...]]:
    """The channel groups a sensor dropout can name, as channel indices.

    ``gyroscope``: every channel whose unit is an angular rate (rad/s, deg/s, °/s, dps) or
    whose name contains ``gyro``; ``accelerometer``: every channel whose unit is an
    acceleration (or, with no units given, whose name starts with ``acc``, as in
    `harbench.features.handcrafted`); and each ``<sensor>_x/_y/_z`` triad by its sensor name
    (``body_gyro``, ``acc``, ...). Groups with no channel in the layout are left out.
    """
    units = layout.units or ("",) * len(layout.channels)
    kinds = {
        "gyroscope": tuple(index for index, (name, unit) in enumerate(zip(layout.channels, units, strict=True))
                           if unit in ANGULAR_RATE_UNITS or "gyro" in name.lower()),
        "accelerometer": tuple(index for index, (name, unit) in enumerate(zip(layout.channels, units, strict=True))
                               if unit in ACCELERATION_UNITS or (not layout.units and name.lower().startswith("acc"))),
    }
    groups = {kind: indices for kind, indices in kinds.items() if indices}
    for sensor, axes in sensor_triads(layout.channels):
        groups.setdefault(sensor, axes)
    return groups


def dropped_sensor(X: np.ndarray, layout: Layout, recordings: np.ndarray, mode: str, seed: int, *,
                   group: str = "gyroscope") -> np.ndarray:
    """The channels of ``group`` (see `channel_groups`; by default the gyroscope) lost for the
    whole window, as a dead sensor reports them; the other channels are untouched.

    ``mode`` is the severity: ``"zero"`` sets them to 0 (a driver that fills missing data with
    zeros); ``"hold"`` holds the last value the sensor delivered, the sample before the dropout
    starts. The dropout spans the whole window, and the window holds no sample before it, so
    the window's first sample stands for that value and is held constant:

        zero: x'[t, c] = 0,    hold: x'[t, c] = x[0, c],    for every t and every c in group.

    Nothing is random; ``seed`` is taken only for the common signature.
    """
    _check("dropped_sensor", X, layout, recordings, seed)
    if mode not in DROPOUT_MODES:
        raise InputValidationError(f"dropped_sensor: mode must be one of {DROPOUT_MODES}; got {mode!r}.")
    groups = channel_groups(layout)
    if group not in groups:
        raise InputValidationError(
            f"dropped_sensor: no channel group {group!r} in this layout, whose channels are "
            f"{list(layout.channels)} with units {list(layout.units)}; groups present: {sorted(groups)}."
        )
    channels = list(groups[group])
    perturbed = X.copy()
    perturbed[:, :, channels] = 0 if mode == "zero" else X[:, :1, channels]
    return perturbed


def sampling_rate(X: np.ndarray, layout: Layout, recordings: np.ndarray, factor: float,
                  seed: int) -> np.ndarray:
    """The windows as a device sampling at ``factor`` times the training rate would deliver
    them, fed to the model unconverted, at the model's window length T.

    Sampling at r * fs, T samples cover T / (r * fs) s instead of T / fs, and a motion at f Hz
    appears at f / (r * fs) cycles per sample instead of f / fs: stretched in time by r (the
    sampling-rate heterogeneity of Stisen et al. 2015, "Smart Devices are Different", SenSys).
    Each window is resampled by r = up / down (the nearest fraction with down <= 100; 0.8 = 4/5,
    1.25 = 5/4) with `scipy.signal.resample_poly` (polyphase FIR, Kaiser window, which also
    low-passes before decimating; the window's ends are extended along the line through its
    first and last samples, ``padtype="line"``, so gravity's offset makes no edge transient),
    giving L = ceil(T * r) samples, then brought back to T:

    - r > 1: the centre T samples, x'[t] = y[(L - T) // 2 + t]: exactly the T / (r * fs) s a
      window at the faster rate covers;
    - r < 1: y padded by reflection (``numpy.pad`` mode ``reflect``), (T - L) // 2 samples
      before and the rest after. Limitation: a window at the slower rate covers T / (r * fs) s,
      more than the window holds; the missing ends would come from the raw recording, which
      a WindowSet does not keep, so they are mirrored from the window instead. Cutting windows
      at the new rate from the recordings would avoid this.

    r = 1 returns the windows unchanged. Nothing is random; ``seed`` is taken only for the
    common signature.
    """
    _check("sampling_rate", X, layout, recordings, seed)
    ratio = Fraction(_real("sampling_rate", "factor", factor, 1e-3, 1e3)).limit_denominator(MAX_RATE_DENOMINATOR)
    T = X.shape[1]
    if -(-T * ratio.numerator // ratio.denominator) < 2:
        raise InputValidationError(f"sampling_rate: factor {factor} leaves fewer than 2 of the {T} samples; "
                                   "use a larger factor or longer windows.")
    resampled = resample_poly(X.astype(np.float64), ratio.numerator, ratio.denominator, axis=1, padtype="line")
    length = resampled.shape[1]
    if length >= T:
        start = (length - T) // 2
        return resampled[:, start:start + T].astype(X.dtype)
    before = (T - length) // 2
    return np.pad(resampled, ((0, 0), (before, T - length - before), (0, 0)), mode="reflect").astype(X.dtype)


def rotation_matrix(axis: np.ndarray, degrees: float) -> np.ndarray:
    """The rotation by ``degrees`` about ``axis`` (any non-zero 3-vector), by Rodrigues' formula
    (Rodrigues 1840, J. Math. Pures Appl. 5:380-440):

        R = I + sin(theta) K + (1 - cos(theta)) K^2,   K = [[0, -k_z, k_y], [k_z, 0, -k_x], [-k_y, k_x, 0]],

    with k = axis / |axis| and theta in radians.
    """
    k_x, k_y, k_z = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
    K = np.array([[0.0, -k_z, k_y], [k_z, 0.0, -k_x], [-k_y, k_x, 0.0]])
    theta = np.radians(degrees)
    return np.eye(3) + np.sin(theta) * K + (1 - np.cos(theta)) * (K @ K)


def rotation(X: np.ndarray, layout: Layout, recordings: np.ndarray, degrees: float, seed: int) -> np.ndarray:
    """Every ``<sensor>_x/_y/_z`` triad rotated by ``degrees`` about a random axis, as if the
    device were worn turned (sensor placement; rotation as augmentation in Um et al. 2017, ICMI).

    Per recording, the axis is a uniformly random direction (a standard normal 3-vector, which
    normalised is uniform on the sphere: Muller 1959, Commun. ACM 2(4):19-20), drawn from the
    seed and the recording id, so every window of a recording gets the same rotation and other
    recordings almost surely other ones. With R its `rotation_matrix`, for every sample t and
    every triad (x, y, z) of the layout, accelerometers and gyroscopes alike,

        (x', y', z')[t] = R (x, y, z)[t],

    which keeps each triad's magnitude per sample. All triads share R, as the sensors of one
    rigid device do (a layout of several devices gets one rotation for all of them); channels
    outside triads are untouched.
    """
    _check("rotation", X, layout, recordings, seed)
    degrees = _real("rotation", "degrees", degrees, 0.0, 180.0)
    triads = sensor_triads(layout.channels)
    if not triads:
        raise InputValidationError(f"rotation: the layout has no <sensor>_x/_y/_z channel triad to rotate (channels "
                                   f"{list(layout.channels)}); rotation does not apply to this data.")
    recording_ids, window_recording = np.unique(np.asarray(recordings), return_inverse=True)
    matrices = np.stack([rotation_matrix(_generator(seed, "rotation", recording).standard_normal(3), degrees)
                         for recording in recording_ids])[window_recording.reshape(-1)]
    perturbed = X.copy()
    for _, axes in triads:
        vectors = X[:, :, list(axes)].astype(np.float64)
        perturbed[:, :, list(axes)] = np.einsum("nij,ntj->nti", matrices, vectors).astype(X.dtype)
    return perturbed


def lost_samples(X: np.ndarray, layout: Layout, recordings: np.ndarray, fraction: float,
                 seed: int) -> np.ndarray:
    """A contiguous run of L = round(fraction * T) samples of each window lost and filled in by
    linear interpolation, as a receiver fills a dropped packet.

    The run starts at s, uniform in 0..T - L per window (seeded), and spans all channels (a
    lost packet loses every channel of those time steps). For s <= t < s + L,

        x'[t] = x[s - 1] + (t - s + 1) / (L + 1) * (x[s + L] - x[s - 1]),

    the line through the samples either side of the run. At a window edge only one side is
    kept, and it is held: s = 0 gives x'[t] = x[L], s + L = T gives x'[t] = x[s - 1]. Samples
    outside the run are untouched, so exactly L of T samples change (the fraction up to
    rounding to whole samples).
    """
    _check("lost_samples", X, layout, recordings, seed)
    fraction = _real("lost_samples", "fraction", fraction, 0.0, 1.0)
    n, T, _ = X.shape
    length = round(fraction * T)
    if length > T - 1:
        raise InputValidationError(f"lost_samples: fraction {fraction} of {T} samples leaves none to interpolate "
                                   "from; use a smaller fraction.")
    starts = _generator(seed, "lost_samples").integers(0, T - length + 1, size=n)
    data = X.astype(np.float64)
    windows = np.arange(n)
    before, after = starts - 1, starts + length
    left = data[windows, np.maximum(before, 0)]
    right = data[windows, np.minimum(after, T - 1)]
    left, right = np.where((before < 0)[:, None], right, left), np.where((after > T - 1)[:, None], left, right)
    t = np.arange(T)
    weight = (t[None, :] - before[:, None]) / (length + 1)
    filled = left[:, None, :] + weight[:, :, None] * (right - left)[:, None, :]
    lost = (t[None, :] >= starts[:, None]) & (t[None, :] < after[:, None])
    return np.where(lost[:, :, None], filled, data).astype(X.dtype)


@dataclass(frozen=True)
class Perturbation:
    """A perturbation ``apply(X, layout, recordings, severity, seed)``, its ``version`` (bumped
    whenever its output changes), its standard ``severities`` from mild to harsh and what the
    severity is."""

    name: str
    apply: Callable[..., np.ndarray]
    version: int
    severities: tuple[float | str, ...]
    severity: str


PERTURBATIONS: dict[str, Perturbation] = {
    perturbation.name: perturbation for perturbation in (
        Perturbation("gaussian_noise", gaussian_noise, 1, (30.0, 20.0, 10.0, 5.0), "signal-to-noise ratio in dB"),
        Perturbation("dropped_sensor", dropped_sensor, 1, ("zero", "hold"), "what the lost channels read"),
        Perturbation("sampling_rate", sampling_rate, 1, (0.8, 1.25), "test rate as a multiple of the training rate"),
        Perturbation("rotation", rotation, 1, (10.0, 30.0, 90.0), "rotation angle in degrees"),
        Perturbation("lost_samples", lost_samples, 1, (0.05, 0.10, 0.20), "fraction of each window lost"),
    )
}


def get_perturbation(name: str) -> Perturbation:
    if name not in PERTURBATIONS:
        raise UnknownIdError(f"Unknown perturbation {name!r}; known: {', '.join(PERTURBATIONS)}.")
    return PERTURBATIONS[name]


def check_severity(name: str, severity: float | str) -> Perturbation:
    """The perturbation ``name``, if ``severity`` is on its standard scale; else an error
    naming the scale."""
    perturbation = get_perturbation(name)
    if not any(isinstance(severity, str) == isinstance(level, str) and severity == level
               for level in perturbation.severities):
        raise InputValidationError(
            f"{name}: severity {severity!r} is not on its standard scale ({perturbation.severity}: one of "
            f"{', '.join(map(repr, perturbation.severities))}); call harbench.robustness.perturbations.{name} "
            "directly for another value."
        )
    return perturbation


def perturb(name: str, X: np.ndarray, layout: Layout, recordings: np.ndarray, severity: float | str, seed: int,
            **options: object) -> np.ndarray:
    """``X`` perturbed by perturbation ``name`` at ``severity``, one of its standard scale
    (``options`` go to the perturbation, e.g. ``group`` for ``dropped_sensor``). Other
    severities are refused here: call the perturbation's function for them."""
    return check_severity(name, severity).apply(X, layout, recordings, severity, seed, **options)
