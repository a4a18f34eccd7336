"""UTD-MHAD: 27 actions by 8 subjects, 4 trials each, as inertial and as skeleton sequences.

Chen, Jafari & Kehtarnavaz (2015), "UTD-MHAD: A Multimodal Dataset for Human Action
Recognition Utilizing a Depth Camera and a Wearable Inertial Sensor", IEEE ICIP. Every trial
was recorded at once by one inertial sensor (3-axis accelerometer in g, 3-axis gyroscope in
deg/s, 50 Hz; on the right wrist for actions 1-21, on the right thigh for 22-27) and a Kinect v1
(20 skeleton joints, x, y, z in metres in the camera's frame, 30 Hz). The release has 861 of the
864 trials: ``a8_s1_t4``, ``a23_s6_t4`` and ``a27_s8_t4`` are missing in both modalities.

Layout, as released (Inertial.zip, Skeleton.zip): ``Inertial/aA_sS_tT_inertial.mat`` holding
``d_iner`` (samples x 6), ``Skeleton/aA_sS_tT_skeleton.mat`` holding ``d_skel`` (20 joints x 3
x frames), and ``Skeleton/Skeleton_joint_order.txt`` naming the joints (``1. head;`` ...).
Action, subject and trial come from the file name.

Each trial is one item, resampled in time to a fixed length (``resampling.interpolate_to_length``:
linear interpolation at evenly spaced instants from the first to the last sample), never cut:

- ``utd_mhad_inertial``: 256 samples x 6 channels. The trials have 107-326 samples (median
  177); 256 is longer than 96 % of them, and the 31 longer ones are shortened by at most 1.27x,
  to no less than 39 samples/s, whose Nyquist frequency (19.6 Hz) is about the 20 Hz UCI HAR
  keeps of its signals. The accelerometer saturates at +-8 g and the gyroscope at about
  +-1000 deg/s in a few trials; the values are kept as recorded.
- ``utd_mhad_skeleton``: 128 frames x 60 channels (``<joint>_<x|y|z>``, joint by joint in the
  release's order). The trials have 41-125 frames (median 67), so none is shortened.

``fs`` is the source rate (50 or 30 Hz) and ``source_lengths`` each trial's samples before
resampling. At those nominal rates the inertial files last 1.43-2.71 times as long as the
skeleton files of the same trials (median 1.58): the two are not cut to the same instants, so
match them by trial, not by time. Every item keeps its trial id (``sessions``,
``"a01_s01_t01"``, zero-padded); both datasets list the same trials in the same order, so
results can be compared trial by trial across the two modalities.

Protocols: the dataset's cross-subject split (subjects 1, 3, 5, 7 train, 2, 4, 6, 8 test, Chen
et al. 2015) is its official split (``official_test``, protocol ``official``); leave-one-subject-
out is protocol ``loso`` (8 folds).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
import scipy.io

from harbench.datasets.archive import Archive, Manifest, shipped_manifest
from harbench.datasets.locate import ArchiveSource, open_archive
from harbench.datasets.resampling import interpolate_to_length
from harbench.datasets.windowset import WindowSet
from harbench.errors import DataIntegrityError, DatasetNotFoundError

OFFICIAL_PAGE = "https://personal.utdallas.edu/~kehtar/UTD-MHAD.html"
ACTIONS = ("swipe_left", "swipe_right", "wave", "clap", "throw", "arm_cross", "basketball_shoot", "draw_x",
           "draw_circle_cw", "draw_circle_ccw", "draw_triangle", "bowling", "boxing", "baseball_swing",
           "tennis_swing", "arm_curl", "tennis_serve", "push", "knock", "catch", "pickup_throw", "jog", "walk",
           "sit_to_stand", "stand_to_sit", "lunge", "squat")
SUBJECTS = tuple(range(1, 9))
TRIALS = tuple(range(1, 5))
TEST_SUBJECTS = (2, 4, 6, 8)
N_JOINTS = 20
JOINT_ORDER_FILE = "Skeleton/Skeleton_joint_order.txt"
_TRIAL_FILE = re.compile(r"(Inertial|Skeleton)/a(\d+)_s(\d+)_t(\d+)_(?:inertial|skeleton)\.mat$")
_JOINT_LINE = re.compile(r"\s*(\d+)\.\s*([A-Za-z_]+)\s*;?\s*$")


@dataclass(frozen=True)
class Modality:
    """One of the release's modalities: its folder, MATLAB variable, rate and resampled length."""

    name: str
    folder: str
    variable: str
    fs: float
    length: int

    @property
    def url(self) -> str:
        return f"https://personal.utdallas.edu/~kehtar/UTD-MHAD/{self.folder}.zip"


INERTIAL = Modality(name="inertial", folder="Inertial", variable="d_iner", fs=50.0, length=256)
SKELETON = Modality(name="skeleton", folder="Skeleton", variable="d_skel", fs=30.0, length=128)
INERTIAL_CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
INERTIAL_UNITS = ("g",) * 3 + ("deg/s",) * 3


def manifest(modality: Modality) -> Manifest:
    """The shipped SHA-256 of the modality's files (``Inertial/...`` or ``Skeleton/...``)."""
    shipped = shipped_manifest("utd-mhad.sha256")
    entries = {name: digest for name, digest in shipped.entries.items() if name.startswith(f"{modality.folder}/")}
    return Manifest(entries=entries, origin=shipped.origin)


def source(modality: Modality) -> ArchiveSource:
    """``<data dir or cache>/utd-mhad``: the release's folders (extracted, or zipped together)."""
    return ArchiveSource(folder="utd-mhad", url=modality.url, filename=f"{modality.folder}.zip",
                         manifest=manifest(modality))


def open_release(modality: Modality) -> Archive:
    """The modality's verified files from the data directory or the cache. They are not downloaded:
    the release is two zips (Inertial.zip, Skeleton.zip) that share one folder, which harbench
    reads extracted (or zipped together as one archive)."""
    try:
        return open_archive(source(modality), download=False)
    except DatasetNotFoundError as error:
        raise DatasetNotFoundError(f"{error} Get Inertial.zip and Skeleton.zip from {OFFICIAL_PAGE} and extract "
                                   "both there (Inertial/..., Skeleton/...).") from None


def trial_id(action: int, subject: int, trial: int) -> str:
    """The id shared by a trial's files in every modality: ``a01_s01_t01``."""
    return f"a{action:02d}_s{subject:02d}_t{trial:02d}"


def _variable(content: bytes, variable: str, where: str) -> np.ndarray:
    try:
        fields = scipy.io.loadmat(io.BytesIO(content))
    except (scipy.io.matlab.MatReadError, ValueError, TypeError, OSError) as error:
        raise DataIntegrityError(f"{where}: not a readable MATLAB file ({error}).") from error
    if variable not in fields:
        present = sorted(name for name in fields if not name.startswith("__"))
        raise DataIntegrityError(f"{where}: no {variable!r} variable (it holds {present}); restore the file from "
                                 f"the release ({OFFICIAL_PAGE}).")
    values = np.asarray(fields[variable])
    if not np.issubdtype(values.dtype, np.number) or not np.isfinite(values).all():
        raise DataIntegrityError(f"{where}: {variable} is not all finite numbers ({values.dtype}).")
    return values


def inertial_signal(content: bytes, where: str) -> np.ndarray:
    """``d_iner`` of one trial: (samples, 6), acc x, y, z in g then gyro x, y, z in deg/s."""
    values = _variable(content, INERTIAL.variable, where)
    if values.ndim != 2 or values.shape[1] != len(INERTIAL_CHANNELS):
        raise DataIntegrityError(f"{where}: d_iner has shape {values.shape}; expected (samples, 6).")
    return values


def skeleton_signal(content: bytes, where: str) -> np.ndarray:
    """``d_skel`` of one trial, (20, 3, frames), as (frames, 60): joint by joint, x, y, z."""
    values = _variable(content, SKELETON.variable, where)
    if values.ndim != 3 or values.shape[:2] != (N_JOINTS, 3):
        raise DataIntegrityError(f"{where}: d_skel has shape {values.shape}; expected ({N_JOINTS}, 3, frames).")
    return values.transpose(2, 0, 1).reshape(values.shape[2], N_JOINTS * 3)


def joint_names(archive: Archive) -> tuple[str, ...]:
    """The 20 joint names of ``Skeleton_joint_order.txt``, in their numbered order."""
    where = f"{archive.location}/{JOINT_ORDER_FILE}"
    numbered = [match.groups() for line in archive.read(JOINT_ORDER_FILE).decode("ascii", errors="replace")
                .splitlines() if (match := _JOINT_LINE.match(line))]
    if [int(number) for number, _ in numbered] != list(range(1, N_JOINTS + 1)):
        raise DataIntegrityError(f"{where}: expected joints numbered 1-{N_JOINTS} ('1. head;' per line), found "
                                 f"{[int(number) for number, _ in numbered]}.")
    return tuple(name.lower() for _, name in numbered)


def _channels(modality: Modality, archive: Archive) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if modality.name == INERTIAL.name:
        return INERTIAL_CHANNELS, INERTIAL_UNITS
    channels = tuple(f"{joint}_{axis}" for joint in joint_names(archive) for axis in "xyz")
    return channels, ("m",) * len(channels)


def _trials(modality: Modality, archive: Archive) -> dict[tuple[int, int, int], str]:
    """File name of every trial of the modality, by (action, subject, trial)."""
    trials = {}
    for name in archive.names():
        match = _TRIAL_FILE.match(name)
        if not match or match.group(1) != modality.folder:
            continue
        action, subject, trial = (int(group) for group in match.groups()[1:])
        if not (1 <= action <= len(ACTIONS) and subject in SUBJECTS and trial in TRIALS):
            raise DataIntegrityError(f"{archive.location}/{name}: action {action}, subject {subject}, trial {trial} "
                                     f"is outside UTD-MHAD's 1-{len(ACTIONS)} x 1-8 x 1-4.")
        trials[action, subject, trial] = name
    if not trials:
        raise DataIntegrityError(f"{archive.location}: no {modality.folder}/aA_sS_tT_{modality.name}.mat files.")
    return trials


def read(modality: Modality, archive: Archive, dataset_id: str, fingerprint: str) -> WindowSet:
    """Every trial of ``modality`` as one item of ``modality.length`` steps (see the module docstring)."""
    trials = _trials(modality, archive)
    signal_of = inertial_signal if modality.name == INERTIAL.name else skeleton_signal
    channels, units = _channels(modality, archive)
    keys = sorted(trials)
    signals = [signal_of(archive.read(trials[key]), f"{archive.location}/{trials[key]}") for key in keys]
    missing = [trial_id(action, subject, trial) for action in range(1, len(ACTIONS) + 1) for subject in SUBJECTS
               for trial in TRIALS if (action, subject, trial) not in trials]
    subjects = np.array([subject for _, subject, _ in keys], dtype=np.int64)
    return WindowSet(
        name=dataset_id,
        X=np.stack([interpolate_to_length(signal, modality.length, f"{archive.location}/{trials[key]}")
                    for key, signal in zip(keys, signals, strict=True)]).astype(np.float32),
        y=np.array([action - 1 for action, _, _ in keys], dtype=np.int64), classes=ACTIONS, channels=channels,
        units=units, fs=modality.fs, subjects=subjects, sessions=np.array([trial_id(*key) for key in keys]),
        starts=np.zeros(len(keys), dtype=np.int64), official_test=np.isin(subjects, TEST_SUBJECTS),
        source_lengths=np.array([len(signal) for signal in signals], dtype=np.int64),
        params={"series_length": modality.length, "resampling": "linear", "missing_trials": missing},
        fingerprint=fingerprint,
    )
