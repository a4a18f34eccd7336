"""UCI HAPT v2.1: raw smartphone recordings with activities and postural transitions.

Reyes-Ortiz, Oneto, Samà, Parra & Anguita (2016). Transition-Aware Human Activity
Recognition Using Smartphones. Neurocomputing 171:754-767. 30 subjects, 61 experiments,
waist-worn Samsung Galaxy S II, 3-axis accelerometer (g) and gyroscope (rad/s) at 50 Hz.

Layout (UCI id 341): ``RawData/acc_expXX_userYY.txt`` and ``RawData/gyro_expXX_userYY.txt``
(one ``x y z`` sample per row), ``RawData/labels.txt`` (experiment, user, activity,
first row, last row; rows are 1-based and inclusive), ``Train/subject_id_train.txt`` and
``Test/subject_id_test.txt`` (the official 21/9 subject split, one subject per official
window), ``activity_labels.txt`` (id and name).
"""

from __future__ import annotations

import re

import numpy as np

from harbench.datasets.archive import Archive, shipped_manifest
from harbench.datasets.locate import ArchiveSource
from harbench.datasets.recording import Recording, Segment
from harbench.errors import DataIntegrityError

FS = 50.0
CHANNELS = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
UNITS = ("g", "g", "g", "rad/s", "rad/s", "rad/s")
BASIC_ACTIVITY_IDS = (1, 2, 3, 4, 5, 6)
ALL_ACTIVITY_IDS = tuple(range(1, 13))
OFFICIAL_URL = (
    "https://archive.ics.uci.edu/static/public/341/"
    "smartphone+based+recognition+of+human+activities+and+postural+transitions.zip"
)
_SIGNAL_FILE = re.compile(r"RawData/acc_exp(\d+)_user(\d+)\.txt$")


def official_source() -> ArchiveSource:
    """The official UCI archive and the manifest of its files shipped with harbench."""
    return ArchiveSource(folder="uci-hapt", url=OFFICIAL_URL, filename="uci-hapt.zip",
                         manifest=shipped_manifest("uci-hapt.sha256"))


def numeric_table(archive: Archive, name: str, columns: int) -> np.ndarray:
    """A whitespace-separated numeric file of the UCI releases as a (rows, columns) float64 array."""
    try:
        values = np.array(archive.read(name).split(), dtype=np.float64)
    except ValueError as error:
        raise DataIntegrityError(f"{archive.location}: {name} holds a non-numeric value ({error}).") from error
    if values.size % columns:
        raise DataIntegrityError(
            f"{archive.location}: {name} has {values.size} values, not a whole number of {columns}-column rows."
        )
    return values.reshape(-1, columns)


def activity_names(archive: Archive) -> dict[int, str]:
    """Activity id -> name from ``activity_labels.txt``."""
    names = {}
    for line in archive.read("activity_labels.txt").decode().splitlines():
        if line.strip():
            number, name = line.split(maxsplit=1)
            names[int(number)] = name.strip()
    return names


def class_names(archive: Archive, activity_ids: tuple[int, ...]) -> list[str]:
    """The names of ``activity_ids``, in that order."""
    names = activity_names(archive)
    return [names[activity] for activity in activity_ids]


def official_test_subjects(archive: Archive) -> tuple[int, ...]:
    """Subjects of the official test set (UCI HAR's 9 test volunteers)."""
    train = set(numeric_table(archive, "Train/subject_id_train.txt", 1).astype(int).ravel())
    test = set(numeric_table(archive, "Test/subject_id_test.txt", 1).astype(int).ravel())
    if train & test:
        raise DataIntegrityError(f"{archive.location}: subjects {sorted(train & test)} are in both official lists.")
    return tuple(sorted(int(s) for s in test))


def read_recordings(archive: Archive, activity_ids: tuple[int, ...]) -> list[Recording]:
    """One 6-channel `Recording` per experiment, with segments of ``activity_ids`` only.

    Segment labels are indices into ``activity_ids``.
    """
    labels = numeric_table(archive, "RawData/labels.txt", 5).astype(np.int64)
    label_index = {activity: index for index, activity in enumerate(activity_ids)}
    recordings = []
    for name in archive.names():
        match = _SIGNAL_FILE.match(name)
        if not match:
            continue
        experiment, user = int(match.group(1)), int(match.group(2))
        gyro_name = name.replace("/acc_", "/gyro_")
        acc, gyro = numeric_table(archive, name, 3), numeric_table(archive, gyro_name, 3)
        if len(acc) != len(gyro):
            raise DataIntegrityError(
                f"{archive.location}: {name} has {len(acc)} rows but {gyro_name} has {len(gyro)}; "
                "both sensors are sampled together, so one file is truncated."
            )
        rows = labels[(labels[:, 0] == experiment) & (labels[:, 1] == user)]
        segments = []
        for _, _, activity, first, last in rows:
            if last > len(acc) or first < 1 or first > last:
                raise DataIntegrityError(
                    f"{archive.location}: RawData/labels.txt labels rows {first}-{last} of experiment "
                    f"{experiment} (user {user}) with activity {activity}, but {name} has {len(acc)} rows. "
                    "The label file and the signal files disagree: restore both from the official archive."
                )
            if activity in label_index:
                segments.append(Segment(start=int(first) - 1, stop=int(last), label=label_index[activity]))
        recordings.append(Recording(
            signal=np.hstack([acc, gyro]).astype(np.float32), fs=FS, channels=CHANNELS, units=UNITS,
            subject=user, session=experiment, segments=tuple(segments), source=f"{archive.location}: {name}",
        ))
    if not recordings:
        raise DataIntegrityError(f"{archive.location}: no RawData/acc_expXX_userYY.txt files.")
    return recordings
