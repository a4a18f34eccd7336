"""UTD-MHAD inertial and skeleton sequences and the resampling to a fixed length, on generated
files and on the real release."""

import dataclasses
import hashlib
import io

import numpy as np
import pytest
import scipy.io

from harbench.datasets import get_dataset, utd_mhad
from harbench.datasets.archive import Archive, Manifest
from harbench.datasets.protocols import make_protocol
from harbench.datasets.resampling import interpolate_to_length, segment_centre_indices
from harbench.errors import DataIntegrityError, DatasetNotFoundError, InputValidationError

JOINTS = ("head", "shoulder_center", "spine", "hip_center", "left_shoulder", "left_elbow", "left_wrist", "left_hand",
          "right_shoulder", "right_elbow", "right_wrist", "right_hand", "left_hip", "left_knee", "left_ankle",
          "left_foot", "right_hip", "right_knee", "right_ankle", "right_foot")
JOINT_ORDER = ("The skeleton joint order in UTD-MAD dataset:\n\n"
               + "".join(f"{number}. {name};\n" for number, name in enumerate(JOINTS, start=1))
               + "\nEach skeleton data is a 20 x 3 x num_frame matrix.\n").encode()
TRIALS = [(action, subject, trial) for action in (1, 22) for subject in (1, 2) for trial in (1, 2)
          if (action, subject, trial) != (22, 2, 2)]


def _mat(**fields) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, fields)
    return buffer.getvalue()


def _inertial(action, subject, trial):
    """A ramp per channel, one sample longer for every trial, so files are told apart."""
    length = 100 + 10 * action + subject + trial
    return np.linspace(0, 1, length)[:, None] * np.arange(1, 7) + subject


def _skeleton(action, subject, trial):
    """Joint j, axis a at frame t = 100 j + 10 a + t / (frames - 1)."""
    frames = 40 + action + subject + trial
    joint, axis = np.meshgrid(np.arange(20), np.arange(3), indexing="ij")
    return (100 * joint + 10 * axis)[:, :, None] + np.linspace(0, 1, frames)[None, None, :]


def _release(root, replace=None) -> Archive:
    """The release's two folders with the trials of ``TRIALS``; ``replace`` swaps one file's bytes."""
    files = {"Skeleton/Skeleton_joint_order.txt": JOINT_ORDER}
    for action, subject, trial in TRIALS:
        files[f"Inertial/a{action}_s{subject}_t{trial}_inertial.mat"] = _mat(d_iner=_inertial(action, subject, trial))
        files[f"Skeleton/a{action}_s{subject}_t{trial}_skeleton.mat"] = _mat(d_skel=_skeleton(action, subject, trial))
    files.update(replace or {})
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(content)
    entries = {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}
    return Archive(root, Manifest(entries=entries, origin="test manifest"))


def test_linear_resampling_keeps_both_ends_and_a_straight_line_straight():
    ramp = np.stack([np.arange(7.0), 10 - 2 * np.arange(7.0)], axis=1)
    resampled = interpolate_to_length(ramp, 13, "ramp")
    np.testing.assert_allclose(resampled[:, 0], np.linspace(0, 6, 13))
    np.testing.assert_allclose(resampled[:, 1], np.linspace(10, -2, 13))
    shortened = interpolate_to_length(ramp, 4, "ramp")
    np.testing.assert_allclose(shortened[[0, -1]], ramp[[0, -1]])
    with pytest.raises(DataIntegrityError, match=r"one sample: a sequence needs at least 2 samples"):
        interpolate_to_length(ramp[:1], 4, "one sample")


def test_frame_sampling_takes_segment_centres_distinct_when_the_clip_is_long_enough():
    assert segment_centre_indices(32, 4, "clip").tolist() == [4, 12, 20, 28]
    picked = segment_centre_indices(28, 16, "clip")
    assert len(set(picked.tolist())) == 16 and picked.min() >= 0 and picked.max() <= 27
    assert segment_centre_indices(2, 4, "clip").tolist() == [0, 0, 1, 1]  # short clips repeat frames, never pad
    with pytest.raises(DataIntegrityError, match=r"empty\.avi: the clip has no frames"):
        segment_centre_indices(0, 4, "empty.avi")


def test_inertial_trials_become_fixed_length_sequences_with_their_trial_ids(tmp_path):
    windows = utd_mhad.read(utd_mhad.INERTIAL, _release(tmp_path), "utd_mhad_inertial", "f" * 16)
    assert windows.X.shape == (7, 256, 6) and windows.X.dtype == np.float32 and windows.fs == 50.0
    assert windows.channels == utd_mhad.INERTIAL_CHANNELS and windows.units[3] == "deg/s"
    assert list(windows.sessions) == [utd_mhad.trial_id(*key) for key in sorted(TRIALS)]
    assert windows.sessions[0] == "a01_s01_t01"
    assert windows.source_lengths.tolist() == [len(_inertial(*key)) for key in sorted(TRIALS)]
    first = _inertial(1, 1, 1)
    np.testing.assert_allclose(windows.X[0, [0, -1]], first[[0, -1]], rtol=1e-6)
    assert [windows.classes[label] for label in windows.y] == ["swipe_left"] * 4 + ["jog"] * 3
    assert "a22_s02_t02" in windows.params["missing_trials"] and len(windows.params["missing_trials"]) == 864 - 7


def test_skeleton_frames_are_60_channels_joint_by_joint_named_from_the_joint_order_file(tmp_path):
    modality = dataclasses.replace(utd_mhad.SKELETON, length=43)  # a1_s1_t1 has 43 frames: nothing resampled
    windows = utd_mhad.read(modality, _release(tmp_path), "utd_mhad_skeleton", "f" * 16)
    assert windows.X.shape == (7, 43, 60) and windows.fs == 30.0 and set(windows.units) == {"m"}
    assert windows.channels[:4] == ("head_x", "head_y", "head_z", "shoulder_center_x")
    assert windows.channels[-1] == "right_foot_z"
    np.testing.assert_allclose(windows.X[0, 0, :6], [0, 10, 20, 100, 110, 120])
    np.testing.assert_allclose(windows.X[0, -1, 59], 100 * 19 + 20 + 1)


def test_both_modalities_list_the_same_trials_in_the_same_order(tmp_path):
    archive = _release(tmp_path)
    inertial = utd_mhad.read(utd_mhad.INERTIAL, archive, "i", "f" * 16)
    skeleton = utd_mhad.read(utd_mhad.SKELETON, archive, "s", "f" * 16)
    assert list(inertial.sessions) == list(skeleton.sessions)
    assert (inertial.y == skeleton.y).all() and (inertial.subjects == skeleton.subjects).all()


def test_the_cross_subject_split_is_the_official_protocol(tmp_path):
    windows = utd_mhad.read(utd_mhad.INERTIAL, _release(tmp_path), "utd_mhad_inertial", "f" * 16)
    assert windows.official_test.tolist() == [subject == 2 for _, subject, _ in sorted(TRIALS)]
    (fold,) = make_protocol("official", val_fraction=0).splits(windows)
    assert set(windows.subjects[fold.train].tolist()) == {1} and set(windows.subjects[fold.test].tolist()) == {2}


@pytest.mark.parametrize("name, content, message", [
    ("Inertial/a1_s2_t1_inertial.mat", _mat(data=np.zeros((5, 6))), r"a1_s2_t1_inertial.mat: no 'd_iner' variable"),
    ("Inertial/a1_s2_t1_inertial.mat", _mat(d_iner=np.zeros((50, 3))), r"d_iner has shape \(50, 3\)"),
    ("Inertial/a1_s2_t1_inertial.mat", _mat(d_iner=np.full((50, 6), np.nan)), r"d_iner is not all finite"),
    ("Inertial/a1_s2_t1_inertial.mat", b"garbage", r"a1_s2_t1_inertial.mat: not a readable MATLAB file"),
    ("Inertial/a1_s9_t1_inertial.mat", _mat(d_iner=np.zeros((50, 6))), r"subject 9, trial 1 is outside"),
])
def test_bad_inertial_files_are_refused_naming_the_file(tmp_path, name, content, message):
    with pytest.raises(DataIntegrityError, match=message):
        utd_mhad.read(utd_mhad.INERTIAL, _release(tmp_path, replace={name: content}), "i", "f" * 16)


@pytest.mark.parametrize("name, content, message", [
    ("Skeleton/a1_s1_t2_skeleton.mat", _mat(d_skel=np.zeros((25, 3, 40))), r"d_skel has shape \(25, 3, 40\)"),
    ("Skeleton/Skeleton_joint_order.txt", b"1. head;\n3. spine;\n", r"Skeleton_joint_order.txt: expected joints"),
])
def test_bad_skeleton_files_are_refused_naming_the_file(tmp_path, name, content, message):
    with pytest.raises(DataIntegrityError, match=message):
        utd_mhad.read(utd_mhad.SKELETON, _release(tmp_path, replace={name: content}), "s", "f" * 16)


def _real(real_data_dir, dataset_id):
    if not (real_data_dir / "utd-mhad").is_dir():
        pytest.fail(f"HARBENCH_DATA_DIR={real_data_dir} is set but holds no utd-mhad/ folder.")
    spec = get_dataset(dataset_id)
    windows = spec.load()
    assert windows.fingerprint == spec.fingerprint()
    return windows


@pytest.mark.slow
def test_the_real_release_has_861_trials_in_both_modalities_matched_by_trial_id(real_data_dir):
    inertial = _real(real_data_dir, "utd_mhad_inertial")
    skeleton = _real(real_data_dir, "utd_mhad_skeleton")
    assert inertial.X.shape == (861, 256, 6) and skeleton.X.shape == (861, 128, 60)
    assert list(inertial.sessions) == list(skeleton.sessions) and (inertial.y == skeleton.y).all()
    assert inertial.params["missing_trials"] == ["a08_s01_t04", "a23_s06_t04", "a27_s08_t04"]
    assert np.bincount(inertial.subjects).tolist() == [0, 107, 108, 108, 108, 108, 107, 108, 107]
    assert (inertial.source_lengths.min(), inertial.source_lengths.max()) == (107, 326)
    assert (skeleton.source_lengths.min(), skeleton.source_lengths.max()) == (41, 125)
    assert skeleton.channels[:3] == ("head_x", "head_y", "head_z") and skeleton.channels[-1] == "right_foot_z"
    assert len(inertial.classes) == 27 and inertial.classes[25:] == ("lunge", "squat")
    with pytest.raises(InputValidationError, match="windowing"):
        get_dataset("utd_mhad_skeleton").load(length=64)


@pytest.mark.slow
def test_the_real_cross_subject_split_trains_on_odd_subjects_and_loso_has_8_folds(real_data_dir):
    windows = _real(real_data_dir, "utd_mhad_inertial")
    (fold,) = make_protocol("official").splits(windows)
    assert set(windows.subjects[np.concatenate([fold.train, fold.val])].tolist()) == {1, 3, 5, 7}
    assert set(windows.subjects[fold.test].tolist()) == {2, 4, 6, 8} and len(fold.test) == 430
    assert len(make_protocol("loso").splits(windows)) == 8


def test_missing_data_names_the_folder_and_the_two_release_zips(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match=r"utd-mhad: no data .* Get Inertial.zip and Skeleton.zip"):
        get_dataset("utd_mhad_inertial").load()
