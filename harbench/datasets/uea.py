"""Motion and gesture problems of the UEA multivariate archive, with its fixed TRAIN/TEST split.

Bagnall, Dau, Lines, Flynn, Large, Bostrom, Southam & Keogh (2018), "The UEA multivariate
time series classification archive, 2018", arXiv:1811.00075. Each problem is a pair of
``.ts`` files, ``<Name>_TRAIN.ts`` and ``<Name>_TEST.ts``, of equal-length cases. The archive
records no subject ids, so every case is its own group: the validation subset is carved
from training cases, and the published split is used as it is.

BasicMotions ships inside the ``aeon`` wheel and is read from there (no data directory, no
network); the others come from ``HARBENCH_DATA_DIR/uea/<Name>.zip`` or the archive's
download page. Every file is checked against harbench's manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harbench.datasets.archive import Archive, Manifest, shipped_manifest
from harbench.datasets.locate import ArchiveSource, open_archive
from harbench.datasets.ts_format import read_ts
from harbench.datasets.windowset import WindowSet
from harbench.errors import DataIntegrityError

DOWNLOAD_URL = "https://www.timeseriesclassification.com/aeon-toolkit/{name}.zip"
ARCHIVE_CITATION = ("Bagnall, Dau, Lines, Flynn, Large, Bostrom, Southam & Keogh (2018), The UEA multivariate "
                    "time series classification archive, 2018, arXiv:1811.00075")
_ACC_GYRO = ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
_ACC = ("acc_x", "acc_y", "acc_z")


@dataclass(frozen=True)
class UeaProblem:
    """One archive problem: its name in the archive and what is known of its channels.

    ``fs`` is the sampling rate where the problem's description states it, else 1.0 (then
    spectral features are per sample rather than per second); units are not documented by
    the archive and are given as ``unknown``.
    """

    name: str
    description: str
    source_paper: str
    channels: tuple[str, ...]
    fs: float = 1.0
    in_aeon: bool = False

    def units(self) -> tuple[str, ...]:
        return ("unknown",) * len(self.channels)


PROBLEMS = {
    "basic_motions": UeaProblem(
        "BasicMotions", "UEA BasicMotions: smart-watch accelerometer and gyroscope, 4 activities (standing, "
        "walking, running, badminton), 10 s at 10 Hz, 40 / 40 cases",
        "UEA student project (2016), described in " + ARCHIVE_CITATION, _ACC_GYRO, fs=10.0, in_aeon=True),
    "epilepsy": UeaProblem(
        "Epilepsy", "UEA Epilepsy: wrist tri-axial accelerometer, seizure mimicking vs walking, running, sawing, "
        "6 participants, 16 Hz, 137 / 138 cases",
        "Villar, Vergara, Menéndez, de la Cal, González & Sedano (2016), Generalized models for the "
        "classification of abnormal movements in daily life and its applicability to epilepsy convulsion "
        "recognition, International Journal of Neural Systems 26(6)", _ACC, fs=16.0),
    "racket_sports": UeaProblem(
        "RacketSports", "UEA RacketSports: smart-watch gyroscope and accelerometer, badminton and squash "
        "strokes, 3 s at 10 Hz, 151 / 152 cases",
        "P. Perks (2017/18), UEA undergraduate project, described in " + ARCHIVE_CITATION,
        tuple(f"dim_{index}" for index in range(6)), fs=10.0),
    "natops": UeaProblem(
        "NATOPS", "UEA NATOPS: x, y, z of hands, elbows, wrists and thumbs for 6 aircraft-handling gestures, "
        "51 frames, 180 / 180 cases",
        "Ghouaiel, Marteau & Dupont (2017), Continuous pattern detection and recognition in stream - a "
        "benchmark for online gesture recognition, Int. J. Applied Pattern Recognition 4(2)",
        tuple(f"dim_{index}" for index in range(24))),
    "uwave_gesture": UeaProblem(
        "UWaveGestureLibrary", "UEA UWaveGestureLibrary: Wii-remote accelerometer, 8 gestures, 315 samples, "
        "120 / 320 cases",
        "Liu, Wang, Zhong, Wickramasuriya & Vasudevan (2009), uWave: Accelerometer-based personalized "
        "gesture recognition and its applications, IEEE PerCom", ("dim_x", "dim_y", "dim_z")),
    "handwriting": UeaProblem(
        "Handwriting", "UEA Handwriting: smart-watch accelerometer while writing the 26 letters, 152 samples, "
        "150 / 850 cases",
        "Shokoohi-Yekta, Hu, Jin, Wang & Keogh (2017), Generalizing DTW to the multi-dimensional case "
        "requires an adaptive approach, Data Mining and Knowledge Discovery 31(1)", ("dim_x", "dim_y", "dim_z")),
}


def manifest(problem: UeaProblem) -> Manifest:
    """The manifest of the problem's two files, named as inside its archive (``<Name>_TRAIN.ts``)."""
    if problem.in_aeon:
        return shipped_manifest("basic-motions.sha256")
    shipped = shipped_manifest("uea.sha256")
    entries = {path.split("/", 1)[1]: digest for path, digest in shipped.entries.items()
               if path.startswith(f"{problem.name}/")}
    return Manifest(entries=entries, origin=shipped.origin)


def source(problem: UeaProblem) -> ArchiveSource:
    """Where the problem's files come from: ``<data dir or cache>/uea/<Name>.zip``."""
    return ArchiveSource(folder="uea", url=DOWNLOAD_URL.format(name=problem.name), filename=f"{problem.name}.zip",
                         manifest=manifest(problem), shared_folder=True)


def open_problem(problem: UeaProblem) -> Archive:
    """The verified ``.ts`` files of ``problem``."""
    if problem.in_aeon:
        try:
            import aeon
        except ImportError as error:
            raise DataIntegrityError(f"{problem.name} is read from the aeon package, which is not installed: "
                                     "pip install aeon.") from error
        return Archive(Path(aeon.__file__).parent / "datasets" / "data" / problem.name, manifest(problem))
    return open_archive(source(problem))


def read(problem: UeaProblem, archive: Archive, dataset_id: str, fingerprint: str) -> WindowSet:
    """The problem's TRAIN and TEST cases from its verified ``archive`` as one WindowSet
    (identified by ``fingerprint``); ``official_test`` marks TEST."""
    parts = {}
    for split in ("TRAIN", "TEST"):
        name = f"{problem.name}_{split}.ts"
        parts[split] = read_ts(archive.read(name).decode("utf-8", errors="replace"), f"{archive.location}/{name}")
    train, test = parts["TRAIN"], parts["TEST"]
    if train.class_labels != test.class_labels or train.X.shape[1:] != test.X.shape[1:]:
        raise DataIntegrityError(f"{archive.location}: {problem.name}'s TRAIN and TEST files disagree on classes "
                                 f"or shape ({train.X.shape[1:]} vs {test.X.shape[1:]}).")
    if train.X.shape[2] != len(problem.channels):
        raise DataIntegrityError(f"{archive.location}: {problem.name} has {train.X.shape[2]} dimensions; harbench "
                                 f"expects {len(problem.channels)}.")
    X = np.concatenate([train.X, test.X])
    labels = np.concatenate([train.labels, test.labels])
    n = len(X)
    params = {"series_length": int(X.shape[1])}
    return WindowSet(
        name=dataset_id, X=X, y=_label_indices(labels, train.class_labels),
        classes=train.class_labels, channels=problem.channels, units=problem.units(), fs=problem.fs,
        subjects=np.arange(n), sessions=np.arange(n), starts=np.zeros(n, dtype=np.int64),
        official_test=np.arange(n) >= len(train.X), params=params,
        fingerprint=fingerprint,
    )


def _label_indices(labels: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    index = {label: position for position, label in enumerate(classes)}
    return np.array([index[label] for label in labels], dtype=np.int64)
