"""A tiny archive in the UCI HAPT v2.1 layout, generated for tests (never committed).

Each activity is a noisy sinusoid with its own frequency and gravity offset, so learners can
separate the classes in a few seconds; six users with one experiment each, users 5 and 6
the official test subjects.
"""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import numpy as np

from harbench.datasets.archive import Manifest
from harbench.datasets.catalog import DatasetSpec, hapt_layout_spec
from harbench.datasets.locate import ArchiveSource

ACTIVITIES = ["WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING", "LAYING",
              "STAND_TO_SIT", "SIT_TO_STAND", "SIT_TO_LIE", "LIE_TO_SIT", "STAND_TO_LIE", "LIE_TO_STAND"]
USERS = (1, 2, 3, 4, 5, 6)
TEST_USERS = (5, 6)
SEGMENT = 200  # samples per basic-activity segment
TRANSITION = 60  # samples per postural transition segment


def _signal(activity: int, n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / 50.0
    frequency = 0.5 + activity * 0.7
    gravity = np.array([np.cos(activity), np.sin(activity), 0.5 * activity / 12])
    acc = gravity + 0.3 * np.sin(2 * np.pi * frequency * t)[:, None] * np.array([1.0, 0.5, 0.2])
    gyro = 0.2 * np.cos(2 * np.pi * frequency * t)[:, None] * np.array([0.3, 1.0, 0.6])
    return np.hstack([acc, gyro]) + rng.normal(0, 0.05, (n, 6))


def _text(rows: np.ndarray) -> bytes:
    return "\n".join(" ".join(f"{value:.10e}" for value in row) for row in rows).encode()


def hapt_files(seed: int = 0) -> dict[str, bytes]:
    """File name -> bytes of a complete synthetic HAPT archive."""
    rng = np.random.default_rng(seed)
    files: dict[str, bytes] = {}
    label_rows, train_rows, test_rows = [], [], []
    for experiment, user in enumerate(USERS, start=1):
        pieces, position = [], 0
        for activity in (1, 2, 3, 4, 7, 5, 11, 6, 12, 5, 8, 4):
            length = SEGMENT if activity <= 6 else TRANSITION
            pieces.append(_signal(activity, length, rng))
            label_rows.append(f"{experiment} {user} {activity} {position + 1} {position + length}")
            position += length
        pieces.append(_signal(1, 37, rng))  # unlabelled tail
        signal = np.vstack(pieces)
        tag = f"exp{experiment:02d}_user{user:02d}"
        files[f"RawData/acc_{tag}.txt"] = _text(signal[:, :3])
        files[f"RawData/gyro_{tag}.txt"] = _text(signal[:, 3:])
        (test_rows if user in TEST_USERS else train_rows).extend([str(user)] * 10)
    files["RawData/labels.txt"] = ("\n".join(label_rows) + "\n").encode()
    files["Train/subject_id_train.txt"] = ("\n".join(train_rows) + "\n").encode()
    files["Test/subject_id_test.txt"] = ("\n".join(test_rows) + "\n").encode()
    files["activity_labels.txt"] = "".join(f"{i} {name}\n" for i, name in enumerate(ACTIVITIES, 1)).encode()
    files["README.txt"] = b"Synthetic archive in the UCI HAPT v2.1 layout, for tests.\n"
    return files


def manifest_of(files: dict[str, bytes]) -> Manifest:
    text = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items()))
    return Manifest.from_text(text, origin="synthetic manifest")


def write_folder(files: dict[str, bytes], folder: Path) -> Path:
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


def write_zip(files: dict[str, bytes], path: Path, top_folder: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in sorted(files.items()):
            archive.writestr(top_folder + name, data)
    return path


def synthetic_spec(dataset_id: str, files: dict[str, bytes], url: str = "http://127.0.0.1:9/none.zip",
                   folder: str = "synthetic-hapt", activity_ids: tuple[int, ...] = (1, 2, 3, 4, 5, 6),
                   length: int = 64, step: int = 32) -> DatasetSpec:
    """A dataset id for the synthetic archive, read from ``<data dir>/<folder>``."""
    source = ArchiveSource(folder=folder, url=url, filename="synthetic-hapt.zip", manifest=manifest_of(files))
    return hapt_layout_spec(id=dataset_id, description="synthetic HAPT-layout data", citation="none (generated)",
                            source=lambda: source, activity_ids=activity_ids, default_length=length,
                            default_step=step)
