"""USC-HAD: one hip-worn IMU, 12 daily activities, 14 subjects, 5 trials each.

Zhang & Sawchuk (2012). USC-HAD: A Daily Activity Dataset for Ubiquitous Activity
Recognition Using Wearable Sensors. ACM UbiComp Workshop on Situation, Activity and Goal
Awareness (SAGAware). A MotionNode IMU on the front right hip, sampled at 100 Hz.

Layout (``USC-HAD.zip`` from http://sipi.usc.edu/had/): ``USC-HAD/Subject<N>/a<M>t<K>.mat``
for subject N (1-14), activity M (1-12) and trial K (1-5). Each MATLAB file holds
``sensor_readings`` (n_samples x 6: acc x, y, z in g, then gyro x, y, z in deg/s) and
metadata strings. The metadata disagrees with the file name in a few files (the dataset's
known quirks), so the subject, activity and trial come from the path. Every file is one
trial of one activity, so it becomes one recording with a single labelled segment.
"""

from __future__ import annotations

import io
import re

import numpy as np
import scipy.io

from harbench.datasets.archive import Archive, shipped_manifest
from harbench.datasets.locate import ArchiveSource
from harbench.datasets.recording import Recording, Segment
from harbench.errors import DataIntegrityError

FS = 100.0
CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
UNITS = ("g", "g", "g", "deg/s", "deg/s", "deg/s")
ACTIVITIES = ("walking_forward", "walking_left", "walking_right", "walking_upstairs", "walking_downstairs",
              "running_forward", "jumping_up", "sitting", "standing", "sleeping", "elevator_up", "elevator_down")
OFFICIAL_URL = "http://sipi.usc.edu/had/USC-HAD.zip"
# Lu, Wang, Sun, Chen, Ji, Yang & Xie (2024), DIVERSIFY: A General Framework for Time Series
# Out-of-distribution Detection and Generalization, IEEE TPAMI (arXiv:2308.02282): "For USC-HAD,
# the window size is 200 and the step size is 100". Published choices differ (DDLearn, KDD 2023:
# 500 samples, 50 % overlap; TinyHAR, ISWC 2022: 1 s), so a suite can set its own [windowing].
WINDOW_LENGTH = 200  # 2 s at 100 Hz
WINDOW_STEP = 100    # 50 % overlap
WINDOWING_NOTE = ("Windows of 2 s (200 samples) with a 1 s step, as in Lu et al. (2024), DIVERSIFY, IEEE TPAMI "
                  "(arXiv:2308.02282); other papers use 1 s or 5 s windows, so compare with published figures only "
                  "at the same windowing.")
_TRIAL_FILE = re.compile(r"(?:.*/)?Subject(\d+)/a(\d+)t(\d+)\.mat$")


def source() -> ArchiveSource:
    """The authors' archive and the manifest of its files shipped with harbench."""
    return ArchiveSource(folder="usc-had", url=OFFICIAL_URL, filename="usc-had.zip",
                         manifest=shipped_manifest("usc-had.sha256"))


def class_names(archive: Archive) -> list[str]:
    """The 12 activities, in the order of their numbers in the file names."""
    return list(ACTIVITIES)


def sensor_readings(content: bytes, where: str) -> np.ndarray:
    """The (n_samples, 6) ``sensor_readings`` of one trial file; ``where`` names it in errors."""
    try:
        fields = scipy.io.loadmat(io.BytesIO(content))
    except (scipy.io.matlab.MatReadError, ValueError, TypeError, OSError) as error:
        raise DataIntegrityError(f"{where}: not a readable MATLAB file ({error}).") from error
    if "sensor_readings" not in fields:
        present = sorted(name for name in fields if not name.startswith("__"))
        raise DataIntegrityError(f"{where}: no 'sensor_readings' variable (it holds {present}). Every USC-HAD "
                                 "trial file has one; restore this file from the official archive.")
    readings = np.asarray(fields["sensor_readings"])
    if readings.ndim != 2 or readings.shape[1] != len(CHANNELS) or not np.issubdtype(readings.dtype, np.number):
        raise DataIntegrityError(f"{where}: sensor_readings has shape {readings.shape} ({readings.dtype}); "
                                 f"expected numeric (n_samples, {len(CHANNELS)}) for {', '.join(CHANNELS)}.")
    if not np.isfinite(readings).all():
        raise DataIntegrityError(f"{where}: sensor_readings holds NaN or infinite values.")
    return readings


def read_recordings(archive: Archive) -> list[Recording]:
    """One `Recording` per trial file, wholly labelled with its activity (index = number - 1)."""
    recordings = []
    for name in archive.names():
        match = _TRIAL_FILE.match(name)
        if not match:
            continue
        subject, activity, trial = (int(group) for group in match.groups())
        where = f"{archive.location}: {name}"
        if not 1 <= activity <= len(ACTIVITIES):
            raise DataIntegrityError(f"{where}: activity {activity} is not one of USC-HAD's 1-{len(ACTIVITIES)}.")
        readings = sensor_readings(archive.read(name), where)
        recordings.append(Recording(
            signal=readings.astype(np.float32), fs=FS, channels=CHANNELS, units=UNITS, subject=subject,
            session=100 * activity + trial, segments=(Segment(start=0, stop=len(readings), label=activity - 1),),
            source=where,
        ))
    if not recordings:
        raise DataIntegrityError(f"{archive.location}: no SubjectN/aMtK.mat trial files.")
    return recordings
