"""Skeleton features: joint distances and angles of Kinect v1 skeletons, and the skeleton feature set."""

import numpy as np
import pytest
from sklearn.base import clone

from harbench.errors import InputValidationError
from harbench.features.skeleton import (
    KINECT_V1_BONES,
    SkeletonFeatures,
    angle_triples,
    joint_angles,
    joint_layout,
)
from harbench.models import PipelineContext, describe, make_pipeline

# UTD-MHAD's Skeleton_joint_order.txt, in its order
JOINTS = ("head", "shoulder_center", "spine", "hip_center", "left_shoulder", "left_elbow", "left_wrist", "left_hand",
          "right_shoulder", "right_elbow", "right_wrist", "right_hand", "left_hip", "left_knee", "left_ankle",
          "left_foot", "right_hip", "right_knee", "right_ankle", "right_foot")
CHANNELS = tuple(f"{joint}_{axis}" for joint in JOINTS for axis in "xyz")
CONTEXT = PipelineContext(fs=30.0, channels=CHANNELS, units=("m",) * len(CHANNELS))
# a standing person facing the camera, metres (x right, y up, z away from the camera)
POSE = {"head": (0, 0.65, 2.5), "shoulder_center": (0, 0.45, 2.5), "spine": (0, 0.1, 2.5), "hip_center": (0, 0, 2.5),
        "left_shoulder": (-0.18, 0.4, 2.5), "left_elbow": (-0.2, 0.15, 2.5), "left_wrist": (-0.21, -0.08, 2.5),
        "left_hand": (-0.21, -0.15, 2.5), "right_shoulder": (0.18, 0.4, 2.5), "right_elbow": (0.2, 0.15, 2.5),
        "right_wrist": (0.21, -0.08, 2.5), "right_hand": (0.21, -0.15, 2.5), "left_hip": (-0.1, -0.05, 2.5),
        "left_knee": (-0.1, -0.45, 2.5), "left_ankle": (-0.1, -0.85, 2.5), "left_foot": (-0.1, -0.9, 2.4),
        "right_hip": (0.1, -0.05, 2.5), "right_knee": (0.1, -0.45, 2.5), "right_ankle": (0.1, -0.85, 2.5),
        "right_foot": (0.1, -0.9, 2.4)}


def _sequences(n: int = 45, frames: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three actions of the right hand: raise, swipe left, draw a circle clockwise; persons of
    different sizes, noise of 1 cm."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    base = np.array([POSE[joint] for joint in JOINTS])
    t = np.linspace(0, 1, frames)
    X = np.empty((n, frames, len(JOINTS), 3))
    elbow, wrist, hand = (JOINTS.index(joint) for joint in ("right_elbow", "right_wrist", "right_hand"))
    for index, label in enumerate(y):
        size = rng.uniform(0.85, 1.15)
        positions = np.repeat(base[None], frames, axis=0) * [size, size, 1]
        if label == 0:
            offset = np.stack([0 * t, 0.6 * t, -0.2 * t], axis=1)
        elif label == 1:
            offset = np.stack([-0.4 * t, 0.3 + 0 * t, -0.2 + 0 * t], axis=1)
        else:
            offset = np.stack([0.15 * np.sin(2 * np.pi * t), 0.3 + 0.15 * np.cos(2 * np.pi * t), -0.2 + 0 * t], axis=1)
        for joint, weight in ((elbow, 0.5), (wrist, 1.0), (hand, 1.1)):
            positions[:, joint] += weight * offset * size
        X[index] = positions + rng.normal(0, 0.01, positions.shape)
    return X.reshape(n, frames, -1).astype(np.float32), np.array(["raise", "swipe_left", "circle"])[y]


def _rotation(seed: int) -> np.ndarray:
    q, r = np.linalg.qr(np.random.default_rng(seed).normal(size=(3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


def test_the_kinect_tree_has_19_bones_over_the_20_joints_and_22_angles():
    assert len(KINECT_V1_BONES) == 19
    assert {joint for bone in KINECT_V1_BONES for joint in bone} == set(JOINTS)
    triples = angle_triples(JOINTS)
    assert len(triples) == 22
    assert sum(joint == "shoulder_center" for joint, _, _ in triples) == 6
    assert sum(joint == "hip_center" for joint, _, _ in triples) == 3
    assert ("left_elbow", "left_shoulder", "left_wrist") in triples


def test_a_right_angle_at_the_elbow_is_90_degrees():
    positions = np.array([POSE[joint] for joint in JOINTS], dtype=np.float64)
    shoulder, elbow, wrist = (JOINTS.index(joint) for joint in ("left_shoulder", "left_elbow", "left_wrist"))
    positions[elbow] = positions[shoulder] + [0, -0.3, 0]  # upper arm down
    positions[wrist] = positions[elbow] + [0, 0, -0.25]  # forearm towards the camera
    angles = joint_angles(positions, JOINTS)
    at_elbow = angle_triples(JOINTS).index(("left_elbow", "left_shoulder", "left_wrist"))
    assert np.degrees(angles[at_elbow]) == pytest.approx(90.0)
    positions[wrist] = positions[elbow] + [0, -0.25, 0]  # arm straight
    assert np.degrees(joint_angles(positions, JOINTS)[at_elbow]) == pytest.approx(180.0)
    positions[wrist] = positions[elbow]  # a zero-length bone: pi / 2, not NaN
    assert joint_angles(positions, JOINTS)[at_elbow] == pytest.approx(np.pi / 2)


def test_features_do_not_change_when_the_whole_skeleton_moves_turns_or_grows():
    X, _ = _sequences(6)
    features = SkeletonFeatures(CHANNELS)
    reference = features.fit_transform(X)
    joints = X.reshape(6, X.shape[1], len(JOINTS), 3).astype(np.float64)
    for seed in range(3):
        moved = joints @ _rotation(seed).T + np.array([0.7, -1.2, 3.0]) * (seed + 1)
        np.testing.assert_allclose(features.transform(moved.reshape(X.shape)), reference, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(features.transform(X * 1.7), reference, rtol=1e-5, atol=1e-5)
    assert np.isfinite(features.transform(np.zeros_like(X))).all()


def test_distances_and_positions_are_divided_by_the_trunk_length_in_the_body_frame():
    X, _ = _sequences(3)
    features = SkeletonFeatures(CHANNELS, pyramid=(), velocity=False)
    names = list(features.fit(X).get_feature_names_out())
    values = features.transform(X)
    assert values.shape[1] == len(names) == 4 * (190 + 22 + 60)
    trunk = values[:, names.index("distance__shoulder_center__hip_center__mean")]
    np.testing.assert_allclose(trunk, 1.0, atol=1e-6)
    still = np.repeat(np.array([POSE[joint] for joint in JOINTS])[None, None], 5, axis=1).reshape(1, 5, -1)
    value = dict(zip(names, features.transform(still)[0], strict=True))
    assert value["position__shoulder_center__y__mean"] == pytest.approx(1.0)  # up the trunk, one trunk length
    assert value["position__right_hip__x__mean"] == pytest.approx(0.1 / 0.45)  # to the right
    assert value["position__right_hip__y__mean"] == pytest.approx(-0.05 / 0.45)
    assert value["position__left_foot__z__mean"] == pytest.approx(-0.1 / 0.45)  # towards the camera
    assert value["position__hip_center__x__std"] == 0


def _canonical(name: str) -> str:
    """A feature's name with its joint pairs sorted (they are named in the data's joint order)."""
    kind, *joints, statistic = name.split("__")
    joints = sorted(joints) if kind == "distance" else [joints[0], *sorted(joints[1:])]
    return "__".join([kind, *joints, statistic])


def test_channels_in_another_order_give_the_same_features_by_name():
    X, _ = _sequences(4)
    order = np.random.default_rng(1).permutation(len(CHANNELS))
    shuffled = SkeletonFeatures(tuple(np.array(CHANNELS)[order])).fit(X[:, :, order])
    plain = SkeletonFeatures(CHANNELS).fit(X)
    by_name = dict(zip(map(_canonical, shuffled.get_feature_names_out()), shuffled.transform(X[:, :, order]).T,
                       strict=True))
    names = list(map(_canonical, plain.get_feature_names_out()))
    assert sorted(by_name) == sorted(names)
    np.testing.assert_allclose(np.array([by_name[name] for name in names]).T, plain.transform(X), rtol=1e-5,
                               atol=1e-6)


def test_the_temporal_pyramid_tells_an_action_from_its_reverse():
    X, _ = _sequences(3)
    reverse = X[:, ::-1]
    global_only = SkeletonFeatures(CHANNELS, pyramid=(), velocity=True).fit(X)
    np.testing.assert_allclose(global_only.transform(reverse), global_only.transform(X), atol=1e-5)
    pyramid = SkeletonFeatures(CHANNELS, pyramid=(2, 4)).fit(X)
    assert np.abs(pyramid.transform(reverse) - pyramid.transform(X)).max() > 0.1


def test_a_layout_without_the_kinect_joints_is_refused_naming_the_channels():
    layout = [name for name in CHANNELS if not name.startswith("right_foot")]
    with pytest.raises(InputValidationError, match=r"missing: \['right_foot_x', 'right_foot_y', 'right_foot_z'\]"):
        joint_layout(layout)
    acc = PipelineContext(fs=50.0, channels=("acc_x", "acc_y", "acc_z"), units=("g",) * 3)
    pipeline = make_pipeline("skeleton+svm", acc, 0)  # a suite is read with a stand-in layout: no error yet
    with pytest.raises(InputValidationError, match=r"The data has channels \['acc_x', 'acc_y', 'acc_z'\]"):
        pipeline.fit(np.zeros((6, 16, 3), np.float32), np.arange(6) % 2)
    with pytest.raises(InputValidationError, match="pyramid levels"):
        SkeletonFeatures(CHANNELS, pyramid=(64,)).fit(np.zeros((2, 16, 60)))


SMALL_XGBOOST = {"features": {"pyramid": [2]}, "learner": {"n_estimators": 20, "n_jobs": 1}}


@pytest.mark.slow
@pytest.mark.parametrize(("pipeline_id", "config"), [("skeleton+svm", None), ("skeleton+logistic_regression", None),
                                                     ("skeleton+xgboost", SMALL_XGBOOST)])
def test_skeleton_pipelines_fit_and_predict_tiny_sequences(pipeline_id, config):
    X, y = _sequences()
    pipeline = make_pipeline(pipeline_id, CONTEXT, 0, config).fit(X, y)
    X_test, y_test = _sequences(30, seed=1)
    predictions = pipeline.predict(X_test)
    assert predictions.shape == (30,) and (predictions == y_test).mean() > 0.8
    np.testing.assert_array_equal(make_pipeline(pipeline_id, CONTEXT, 0, config).fit(X, y).predict(X_test),
                                  predictions)
    assert describe(clone(pipeline)) == describe(pipeline)
    with pytest.raises(InputValidationError, match="fitted on windows of 24 steps x 60 channels"):
        pipeline.predict(X_test[:, :20])
