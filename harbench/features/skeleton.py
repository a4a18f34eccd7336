"""Skeleton features: pairwise joint distances and joint angles of Kinect v1 skeletons, and
their statistics over time.

Input: windows (n, T, 3J) whose channels are ``<joint>_x``, ``<joint>_y``, ``<joint>_z``
(metres, e.g. UTD-MHAD's skeleton modality) for the 20 joints of the Kinect v1 (Microsoft
Kinect for Windows SDK 1.x ``JointType``; Shotton et al. 2011, CVPR, "Real-time human pose
recognition in parts from single depth images"), named as in UTD-MHAD's
``Skeleton_joint_order.txt``: ``hip_center``, ``spine``, ``shoulder_center``, ``head``,
``<side>_shoulder``, ``<side>_elbow``, ``<side>_wrist``, ``<side>_hand``, ``<side>_hip``,
``<side>_knee``, ``<side>_ankle``, ``<side>_foot`` for ``left`` and ``right``. Other channels
may be present and are ignored; any of the 60 missing is refused, naming it.

The skeleton tree (``KINECT_V1_BONES``, the SDK's 19 bones): the spine hip_center - spine -
shoulder_center - head; each arm shoulder_center - shoulder - elbow - wrist - hand; each leg
hip_center - hip - knee - ankle - foot.

Per frame (all invariant to a translation and rotation of the whole skeleton, and to its size):

- the 190 Euclidean distances between every pair of joints, divided by the window's body
  size: the mean over its frames of the hip_center - shoulder_center distance (the trunk
  length; a window where that is below 1 mm, e.g. an all-zero skeleton, is not rescaled), so
  that tall and short persons, near and far from the camera, give the same values (Vemulapalli,
  Arrate & Chellappa 2014, CVPR, normalise bone lengths for the same reason);
- the 22 joint angles: at each joint, the angle in radians between every pair of bones that
  meet there (bone vectors from the joint to its neighbours; one angle at each of the 13 joints
  with two bones, 3 at hip_center, 6 at shoulder_center; none at the leaves). A zero-length bone
  gives cosine 0, i.e. pi / 2, never NaN;
- with ``positions``, the 60 coordinates of the joints in the window's body frame
  (`body_frame_positions`: origin at the hip centre, axes from the hips and the trunk of the
  window's mean skeleton, divided by the body size), which keep where a hand is and which way it
  moves relative to the body (a swipe to the left or to the right, a circle drawn clockwise or
  not), which distances and angles alone leave ambiguous.

Over time, each of these series gives its mean, standard deviation, minimum and maximum over
the window, the means of the ``pyramid`` equal segments of each level (a temporal pyramid, as
the Fourier temporal pyramid of Wang, Liu, Wu & Yuan 2012, CVPR, "Mining actionlet ensemble",
keeps the order of motion), and, with ``velocity``, the mean absolute change per frame.

The defaults were chosen by leave-one-subject-out accuracy among UTD-MHAD's official training
subjects 1, 3, 5, 7 only (skeleton+svm, C = 10, gamma "scale"; the test subjects 2, 4, 6, 8
never entered): distances and angles alone 0.69 (mean, std, min, max), 0.74 with ``velocity``,
0.76 with the pyramid (2, 4) as well, 0.79 with ``positions`` as well (the default). Pyramids
(2,), (2, 4, 8) and (3, 6) gave 0.76, 0.75 and 0.77 without positions; with them (2, 4, 8) 0.77
and (3, 6) 0.79, as (2, 4), which is kept as the smaller.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from harbench.errors import InputValidationError
from harbench.parallel import worker_count

AXES = ("x", "y", "z")
SPINE = (("hip_center", "spine"), ("spine", "shoulder_center"), ("shoulder_center", "head"))
ARM = (("shoulder_center", "{side}_shoulder"), ("{side}_shoulder", "{side}_elbow"), ("{side}_elbow", "{side}_wrist"),
       ("{side}_wrist", "{side}_hand"))
LEG = (("hip_center", "{side}_hip"), ("{side}_hip", "{side}_knee"), ("{side}_knee", "{side}_ankle"),
       ("{side}_ankle", "{side}_foot"))
KINECT_V1_BONES: tuple[tuple[str, str], ...] = SPINE + tuple(
    (a.format(side=side), b.format(side=side)) for side in ("left", "right") for a, b in ARM + LEG)
KINECT_V1_JOINTS: frozenset[str] = frozenset(joint for bone in KINECT_V1_BONES for joint in bone)
SIZE_JOINTS = ("hip_center", "shoulder_center")
MIN_BODY_SIZE = 1e-3  # metres: below it a window is not rescaled


def joint_layout(channels: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """The Kinect v1 joints in the order their ``_x`` channels come in ``channels``, and the
    (J, 3) channel indices of their x, y, z; refuses a layout lacking any of them."""
    position = {name: index for index, name in enumerate(channels)}
    missing = [f"{joint}_{axis}" for joint in sorted(KINECT_V1_JOINTS) for axis in AXES
               if f"{joint}_{axis}" not in position]
    if missing:
        raise InputValidationError(
            f"skeleton features need the {len(KINECT_V1_JOINTS)} Kinect v1 joints as channels <joint>_x/_y/_z "
            f"(e.g. UTD-MHAD's utd_mhad_skeleton); missing: {missing}. The data has channels {list(channels)}."
        )
    joints = tuple(sorted(KINECT_V1_JOINTS, key=lambda joint: position[f"{joint}_x"]))
    return joints, np.array([[position[f"{joint}_{axis}"] for axis in AXES] for joint in joints])


def angle_triples(joints: Sequence[str]) -> list[tuple[str, str, str]]:
    """(joint, neighbour a, neighbour b) for every pair of bones meeting at a joint, in the
    order of ``joints``."""
    order = {joint: index for index, joint in enumerate(joints)}
    neighbours = {joint: [] for joint in joints}
    for a, b in KINECT_V1_BONES:
        neighbours[a].append(b)
        neighbours[b].append(a)
    triples = []
    for joint in joints:
        around = sorted(neighbours[joint], key=order.__getitem__)
        triples += [(joint, a, b) for index, a in enumerate(around) for b in around[index + 1:]]
    return triples


def joint_angles(positions: np.ndarray, joints: Sequence[str]) -> np.ndarray:
    """Angles in radians (..., len(angle_triples)) at each joint between its pairs of bones, for
    joint positions (..., J, 3) in the order ``joints``; a zero-length bone gives pi / 2."""
    index = {joint: position for position, joint in enumerate(joints)}
    triples = angle_triples(joints)
    centre = positions[..., [index[joint] for joint, _, _ in triples], :]
    first = positions[..., [index[a] for _, a, _ in triples], :] - centre
    second = positions[..., [index[b] for _, _, b in triples], :] - centre
    norms = np.linalg.norm(first, axis=-1) * np.linalg.norm(second, axis=-1)
    cosine = np.zeros(norms.shape)
    np.divide((first * second).sum(axis=-1), norms, out=cosine, where=norms > 0)
    return np.arccos(np.clip(cosine, -1.0, 1.0))


def pairwise_distances(positions: np.ndarray) -> np.ndarray:
    """Distances (..., J (J - 1) / 2) between every pair i < j of joints (..., J, 3)."""
    first, second = np.triu_indices(positions.shape[-2], k=1)
    return np.linalg.norm(positions[..., first, :] - positions[..., second, :], axis=-1)


def body_frame_positions(positions: np.ndarray, joints: Sequence[str], size: np.ndarray) -> np.ndarray:
    """Joint positions (n, T, J, 3) in each window's body frame, divided by its body ``size``
    (n,): origin at the hip centre of each frame; axes from the window's mean skeleton: x from
    the left to the right hip, y (up the trunk) from the hip centre to the shoulder centre made
    orthogonal to x, z = x cross y. Invariant to a rotation and translation of the whole
    skeleton, the body's own turns within a window kept. A degenerate frame (coincident hips or
    trunk) gives the camera's axes."""
    index = {joint: position for position, joint in enumerate(joints)}
    mean = positions.mean(axis=1)  # (n, J, 3)
    x = mean[:, index["right_hip"]] - mean[:, index["left_hip"]]
    up = mean[:, index["shoulder_center"]] - mean[:, index["hip_center"]]
    x_norm = np.linalg.norm(x, axis=1, keepdims=True)
    x = np.where(x_norm > MIN_BODY_SIZE * 1e-3, x / np.maximum(x_norm, 1e-12), [1.0, 0.0, 0.0])
    y = up - (up * x).sum(axis=1, keepdims=True) * x
    y_norm = np.linalg.norm(y, axis=1, keepdims=True)
    fallback = np.cross(x, [0.0, 0.0, 1.0])
    y = np.where(y_norm > MIN_BODY_SIZE * 1e-3, y / np.maximum(y_norm, 1e-12), fallback)
    axes = np.stack([x, y, np.cross(x, y)], axis=1)  # (n, 3, 3), rows are the body axes
    relative = positions - positions[:, :, index["hip_center"]][:, :, None]
    return np.einsum("ntjc,nkc->ntjk", relative, axes) / size[:, None, None, None]


def body_size(positions: np.ndarray, joints: Sequence[str]) -> np.ndarray:
    """Per window (n,), the mean hip_center - shoulder_center distance over its frames, 1 where
    that is below ``MIN_BODY_SIZE`` (positions (n, T, J, 3))."""
    hip, shoulder = (joints.index(joint) for joint in SIZE_JOINTS)
    size = np.linalg.norm(positions[:, :, hip] - positions[:, :, shoulder], axis=-1).mean(axis=1)
    return np.where(size >= MIN_BODY_SIZE, size, 1.0)


class SkeletonFeatures(TransformerMixin, BaseEstimator):
    """Time statistics of body-size-normalised pairwise joint distances and of joint angles of
    Kinect v1 skeleton windows (n, T, 3J) with channels ``channels`` (see the module docstring).

    ``pyramid``: the segment counts of the temporal pyramid (each segment's mean per series);
    ``velocity``: add each series' mean absolute change per frame. The transform is stateless;
    `fit` only checks the layout. Chunks of ``chunk_size`` windows run on ``n_jobs`` threads.

    ``positions``: add the body-frame joint coordinates. Defaults chosen by leave-one-subject-out
    accuracy among UTD-MHAD's official training subjects (module docstring).

    References
    ----------
    Shotton et al. (2011), CVPR (the Kinect v1 skeleton); Wang, Liu, Wu & Yuan (2012), CVPR
    (temporal pyramid); Vemulapalli, Arrate & Chellappa (2014), CVPR (body-size normalisation).
    """

    version: ClassVar[int] = 1

    def __init__(self, channels: Sequence[str], pyramid: tuple[int, ...] = (2, 4), velocity: bool = True,
                 positions: bool = True, chunk_size: int = 128, n_jobs: int = -1) -> None:
        self.channels = channels
        self.pyramid = pyramid
        self.velocity = velocity
        self.positions = positions
        self.chunk_size = chunk_size
        self.n_jobs = n_jobs

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> SkeletonFeatures:
        self._check(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Features (n, n_features) float64 of windows ``X`` (n, T, C)."""
        _, indices = self._check(X)
        starts = range(0, len(X), self.chunk_size)
        with ThreadPoolExecutor(max_workers=min(worker_count(self.n_jobs), len(starts))) as pool:
            return np.vstack(list(pool.map(lambda start: self._features(X[start:start + self.chunk_size], indices),
                                           starts)))

    def series_names(self) -> list[str]:
        """The per-frame series: ``distance__<a>__<b>``, ``angle__<joint>__<a>__<b>``, then with
        ``positions`` ``position__<joint>__<x|y|z>`` (body frame)."""
        joints, _ = joint_layout(self.channels)
        first, second = np.triu_indices(len(joints), k=1)
        return ([f"distance__{joints[i]}__{joints[j]}" for i, j in zip(first, second, strict=True)]
                + [f"angle__{joint}__{a}__{b}" for joint, a, b in angle_triples(joints)]
                + ([f"position__{joint}__{axis}" for joint in joints for axis in AXES] if self.positions else []))

    def get_feature_names_out(self, input_features: Sequence[str] | None = None) -> np.ndarray:
        """``<series>__<statistic>``: mean, std, min, max, ``pyramid<L>_<k>`` and ``velocity``."""
        statistics = ["mean", "std", "min", "max"]
        statistics += [f"pyramid{level}_{k}" for level in self.pyramid for k in range(level)]
        statistics += ["velocity"] if self.velocity else []
        return np.array([f"{series}__{statistic}" for statistic in statistics for series in self.series_names()],
                        dtype=object)

    def _features(self, X: np.ndarray, indices: np.ndarray) -> np.ndarray:
        joints, _ = joint_layout(self.channels)
        positions = np.asarray(X, dtype=np.float64)[:, :, indices]  # (n, T, J, 3)
        size = body_size(positions, joints)
        series = [pairwise_distances(positions) / size[:, None, None], joint_angles(positions, joints)]
        if self.positions:
            series.append(body_frame_positions(positions, joints, size).reshape(*positions.shape[:2], -1))
        series = np.concatenate(series, axis=-1)  # (n, T, S)
        blocks = [series.mean(axis=1), series.std(axis=1), series.min(axis=1), series.max(axis=1)]
        for level in self.pyramid:
            blocks += [segment.mean(axis=1) for segment in np.array_split(series, level, axis=1)]
        if self.velocity:
            blocks.append(np.abs(np.diff(series, axis=1)).mean(axis=1) if series.shape[1] > 1
                          else np.zeros_like(blocks[0]))
        return np.hstack(blocks)

    def _check(self, X: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
        if np.ndim(X) != 3 or np.shape(X)[2] != len(self.channels):
            raise InputValidationError(f"SkeletonFeatures expects windows (n, T, {len(self.channels)}) for channels "
                                       f"{tuple(self.channels)}; got shape {np.shape(X)}.")
        if any(level < 1 or level > np.shape(X)[1] for level in self.pyramid):
            raise InputValidationError(f"SkeletonFeatures: pyramid levels {tuple(self.pyramid)} must each be 1 to "
                                       f"the window length {np.shape(X)[1]}.")
        return joint_layout(self.channels)
