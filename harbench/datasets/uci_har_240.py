"""The original UCI HAR release (UCI id 240): the authors' own 128-sample windows.

Anguita, Ghio, Oneto, Parra & Reyes-Ortiz (2013). A Public Domain Dataset for Human
Activity Recognition Using Smartphones. ESANN. 30 subjects, 6 activities, a waist-worn
Samsung Galaxy S II at 50 Hz; the signals were noise-filtered and cut by the authors into
2.56 s windows with 50 % overlap (7,352 training and 2,947 test windows, 21/9 subjects).

Layout of ``UCI HAR Dataset.zip`` (all under ``UCI HAR Dataset/``): ``activity_labels.txt``;
``train/subject_train.txt``, ``train/y_train.txt`` (one window per row) and
``train/Inertial Signals/<signal>_train.txt`` (one window of 128 values per row) for the nine
signals ``body_acc_{x,y,z}`` (g, gravity removed), ``body_gyro_{x,y,z}`` (rad/s) and
``total_acc_{x,y,z}`` (g); the same under ``test/``. The 561-feature matrices are not read.

harbench could not obtain this release, so it ships no checksums for it: the files are
checked for presence and shape, and their SHA-256 digests are computed on reading and go
into the data fingerprint. Use ``uci_har`` (windowed from the raw HAPT recordings) where
the release is not at hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from harbench.datasets.archive import Archive, Manifest
from harbench.datasets.locate import ArchiveSource, locate
from harbench.datasets.uci_hapt import activity_names, numeric_table
from harbench.datasets.windowset import WindowSet
from harbench.errors import DataIntegrityError

FS = 50.0
WINDOW = 128
SIGNALS = tuple(f"{kind}_{axis}" for kind in ("body_acc", "body_gyro", "total_acc") for axis in "xyz")
UNITS = ("g",) * 3 + ("rad/s",) * 3 + ("g",) * 3
SPLITS = ("train", "test")
OFFICIAL_URL = "https://archive.ics.uci.edu/static/public/240/human+activity+recognition+using+smartphones.zip"


def required_files() -> list[str]:
    """Every file the adapter reads, by its path inside the release."""
    files = ["activity_labels.txt"]
    for split in SPLITS:
        files += [f"{split}/subject_{split}.txt", f"{split}/y_{split}.txt"]
        files += [f"{split}/Inertial Signals/{signal}_{split}.txt" for signal in SIGNALS]
    return files


def source() -> ArchiveSource:
    """The official UCI download; the manifest names the required files only (no checksums)."""
    manifest = Manifest(entries=dict.fromkeys(required_files(), ""), origin="harbench/datasets/uci_har_240.py")
    return ArchiveSource(folder="uci-har", url=OFFICIAL_URL, filename="uci-har.zip", manifest=manifest,
                         checksums=False)


def _state(location: Path) -> tuple:
    """What identifies the files at ``location`` without reading them: paths, sizes, times."""
    paths = sorted(location.rglob("*")) if location.is_dir() else [location]
    return tuple((str(path), path.stat().st_size, path.stat().st_mtime_ns) for path in paths if path.is_file())


_COMPUTED_MANIFESTS: dict[tuple, Manifest] = {}


def open_release() -> Archive:
    """The release's required files, located like every dataset (data directory, cache, download);
    the digests computed while reading them are kept for `manifest`."""
    spec = source()
    location = locate(spec)
    archive = Archive(location, spec.manifest, checksums=False)
    _COMPUTED_MANIFESTS[_state(location)] = archive.manifest
    return archive


def manifest() -> Manifest:
    """SHA-256 of the files found, computed once per state of the files (paths, sizes, times):
    a fingerprint right after `open_release` reads nothing again."""
    state = _state(locate(source()))
    if state not in _COMPUTED_MANIFESTS:
        open_release()
    return _COMPUTED_MANIFESTS[state]


def _split(archive: Archive, split: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(windows (n, 128, 9), activity numbers (n,), subjects (n,)) of one official split."""
    labels = numeric_table(archive, f"{split}/y_{split}.txt", 1).ravel().astype(np.int64)
    subjects = numeric_table(archive, f"{split}/subject_{split}.txt", 1).ravel().astype(np.int64)
    if len(subjects) != len(labels):
        raise DataIntegrityError(f"{archive.location}: {split}/subject_{split}.txt has {len(subjects)} rows but "
                                 f"{split}/y_{split}.txt has {len(labels)}; one of them is truncated.")
    channels = []
    for signal in SIGNALS:
        name = f"{split}/Inertial Signals/{signal}_{split}.txt"
        values = numeric_table(archive, name, 1).ravel().astype(np.float32)
        if values.size != len(labels) * WINDOW:
            raise DataIntegrityError(
                f"{archive.location}: {name} holds {values.size} values, not {len(labels)} windows of {WINDOW} "
                f"(one per row of {split}/y_{split}.txt). The file is truncated or from another release."
            )
        channels.append(values.reshape(len(labels), WINDOW))
    return np.stack(channels, axis=-1), labels, subjects


def read(archive: Archive, dataset_id: str, fingerprint: str) -> WindowSet:
    """Both official splits as one WindowSet; ``official_test`` marks the test windows."""
    names = activity_names(archive)
    (X_train, y_train, s_train), (X_test, y_test, s_test) = (_split(archive, split) for split in SPLITS)
    numbers = sorted(names)
    activity = np.concatenate([y_train, y_test])
    unknown = sorted(set(activity.tolist()) - set(numbers))
    if unknown:
        raise DataIntegrityError(f"{archive.location}: activities {unknown} in y_train/y_test are not in "
                                 "activity_labels.txt.")
    shared = sorted(set(s_train.tolist()) & set(s_test.tolist()))
    if shared:
        raise DataIntegrityError(f"{archive.location}: subjects {shared} are in both the train and the test files.")
    subjects = np.concatenate([s_train, s_test])
    n = len(activity)
    return WindowSet(
        name=dataset_id, X=np.concatenate([X_train, X_test]), y=np.searchsorted(numbers, activity),
        classes=tuple(names[number] for number in numbers), channels=SIGNALS, units=UNITS, fs=FS,
        subjects=subjects, sessions=subjects.copy(), starts=np.zeros(n, dtype=np.int64),
        official_test=np.arange(n) >= len(y_train), params={"length": WINDOW, "step": WINDOW // 2},
        fingerprint=fingerprint,
    )
