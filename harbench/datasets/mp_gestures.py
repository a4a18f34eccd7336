"""Signed gestures as MediaPipe Holistic keypoint sequences (``MP_Data`` layout).

Lugaresi et al. (2019), "MediaPipe: A Framework for Building Perception Pipelines",
arXiv:1906.08172 (Holistic: pose, face mesh and both hands per frame). The layout
``MP_Data/<action>/<sequence>/<frame>.npy`` comes from N. Renotte's tutorial "Sign Language
Detection using Action Recognition" (github.com/nicknochnack/ActionDetectionforSignLanguage);
this copy was recorded by A. Sharma (github.com/AkashSharma095/Sign-Langugage-Detection-using-LSTM).

Each frame holds 1662 values: pose 33 x (x, y, z, visibility), face 468 x (x, y, z), left
and right hand 21 x (x, y, z) each, in MediaPipe's normalised image coordinates. A part that
MediaPipe did not detect is stored as zeros; those zeros are not positions, so a missing
part is filled from the frames of the same sequence where it was detected (linear in time,
held at the ends) and a ``<part>_present`` channel (1 or 0) says which frames were seen. A
part never detected in a sequence stays at zero with its presence channel at zero.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np

from harbench.datasets.archive import Archive, shipped_manifest
from harbench.datasets.locate import ArchiveSource
from harbench.datasets.windowset import WindowSet
from harbench.errors import DataIntegrityError

FRAME_LENGTH = 1662
FRAMES_PER_SECOND = 30.0  # not recorded with the data; the webcam rate of the tutorial's capture loop
SOURCE_URL = ("https://github.com/AkashSharma095/Sign-Langugage-Detection-using-LSTM/archive/"
              "54a0ba63b0b1d759e3efd4aa263205ec4890c6e1.zip")
_FRAME_FILE = re.compile(r"MP_Data/([^/]+)/(\d+)/(\d+)\.npy$")


@dataclass(frozen=True)
class Part:
    name: str
    start: int
    n_points: int
    values: tuple[str, ...]

    @property
    def stop(self) -> int:
        return self.start + self.n_points * len(self.values)

    def channels(self) -> list[str]:
        return [f"{self.name}_{point}_{value}" for point in range(self.n_points) for value in self.values]


PARTS = {part.name: part for part in (
    Part("pose", 0, 33, ("x", "y", "z", "visibility")),
    Part("face", 132, 468, ("x", "y", "z")),
    Part("left_hand", 1536, 21, ("x", "y", "z")),
    Part("right_hand", 1599, 21, ("x", "y", "z")),
)}


def source() -> ArchiveSource:
    return ArchiveSource(folder="mp-gestures", url=SOURCE_URL, filename="mp-gestures.zip",
                         manifest=shipped_manifest("mp-gestures.sha256"))


def _frame(archive: Archive, name: str) -> np.ndarray:
    try:
        values = np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
    except ValueError as error:
        raise DataIntegrityError(f"{archive.location}/{name}: not a NumPy array file ({error}).") from None
    if values.shape != (FRAME_LENGTH,):
        raise DataIntegrityError(f"{archive.location}/{name}: a keypoint frame must hold {FRAME_LENGTH} values "
                                 f"(pose 33x4, face 468x3, hands 2 x 21x3); this one has shape {values.shape}.")
    return values


def fill_missing(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One part of one sequence, (frames, values) with all-zero rows where it was not detected:
    the rows filled linearly in time from the detected ones, and the presence (1 or 0) per frame."""
    present = np.any(values != 0, axis=1)
    if not present.any():
        return values, present.astype(np.float32)
    frames = np.arange(len(values))
    filled = np.stack([np.interp(frames, frames[present], column[present]) for column in values.T], axis=1)
    return filled, present.astype(np.float32)


def read(parts: tuple[str, ...], archive: Archive, dataset_id: str, fingerprint: str) -> WindowSet:
    """Every sequence as one window of its frames; channels are the kept ``parts``' values
    followed by one presence channel per part. Each sequence is its own group."""
    sequences: dict[tuple[str, int], dict[int, str]] = {}
    for name in archive.names():
        match = _FRAME_FILE.search(name)
        if match:
            action, sequence, frame = match.group(1), int(match.group(2)), int(match.group(3))
            sequences.setdefault((action, sequence), {})[frame] = name
    if not sequences:
        raise DataIntegrityError(f"{archive.location}: no MP_Data/<action>/<sequence>/<frame>.npy files.")
    lengths = {len(frames) for frames in sequences.values()}
    if len(lengths) != 1:
        raise DataIntegrityError(f"{archive.location}: sequences have {sorted(lengths)} frames; harbench needs one "
                                 "length for all.")
    kept = [PARTS[part] for part in parts]
    windows, actions = [], []
    for (action, _), frames in sorted(sequences.items()):
        raw = np.stack([_frame(archive, frames[index]) for index in sorted(frames)])
        blocks, presence = [], []
        for part in kept:
            filled, present = fill_missing(raw[:, part.start:part.stop])
            blocks.append(filled)
            presence.append(present[:, None])
        windows.append(np.concatenate(blocks + presence, axis=1))
        actions.append(action)
    classes = tuple(sorted(set(actions)))
    channels = tuple(channel for part in kept for channel in part.channels()) + tuple(f"{p}_present" for p in parts)
    n = len(windows)
    return WindowSet(
        name=dataset_id, X=np.stack(windows).astype(np.float32),
        y=np.array([classes.index(action) for action in actions], dtype=np.int64), classes=classes,
        channels=channels, units=("normalised",) * (len(channels) - len(parts)) + ("flag",) * len(parts),
        fs=FRAMES_PER_SECOND, subjects=np.arange(n), sessions=np.arange(n), starts=np.zeros(n, dtype=np.int64),
        params={"series_length": int(windows[0].shape[0]), "parts": list(parts)}, fingerprint=fingerprint,
    )
