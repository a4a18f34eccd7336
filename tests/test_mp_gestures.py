"""Keypoint sequences in the MP_Data layout, on a small generated copy and on the real one."""

import hashlib

import numpy as np
import pytest

from harbench.datasets import get_dataset, mp_gestures
from harbench.datasets.archive import Archive, Manifest
from harbench.datasets.protocols import make_protocol
from harbench.errors import DataIntegrityError


def _write_mp_data(root, frames=4, sequences=3, bad=None):
    """2 actions x ``sequences`` x ``frames``; the left hand is missing in frame 1 of every sequence."""
    rng = np.random.default_rng(0)
    entries = {}
    for action in ("hello", "thanks"):
        for sequence in range(sequences):
            for frame in range(frames):
                values = rng.uniform(0.1, 1.0, mp_gestures.FRAME_LENGTH)
                if frame == 1:
                    values[1536:1599] = 0.0
                if (action, sequence, frame) == bad:
                    values = values[:100]
                name = f"MP_Data/{action}/{sequence}/{frame}.npy"
                path = root / name
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, values)
                entries[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return Archive(root, Manifest(entries=entries, origin="test manifest"))


def test_sequences_become_windows_with_missing_parts_filled_and_flagged(tmp_path):
    windows = mp_gestures.read(("pose", "left_hand", "right_hand"), _write_mp_data(tmp_path), "toy", "f")
    assert windows.X.shape == (6, 4, 132 + 63 + 63 + 3) and windows.classes == ("hello", "thanks")
    assert windows.channels[-3:] == ("pose_present", "left_hand_present", "right_hand_present")
    left_x = windows.channels.index("left_hand_0_x")
    np.testing.assert_array_equal(windows.X[:, :, -2][:, 1], 0.0)  # the left hand was not seen in frame 1
    np.testing.assert_allclose(windows.X[:, 1, left_x], (windows.X[:, 0, left_x] + windows.X[:, 2, left_x]) / 2,
                               rtol=1e-6)  # and is filled halfway between its neighbours, not left at zero
    assert len(set(windows.subjects)) == 6, "every sequence is its own group"


def test_a_part_never_seen_stays_zero_with_its_presence_at_zero():
    values = np.zeros((5, 3))
    filled, present = mp_gestures.fill_missing(values)
    assert not filled.any() and not present.any()


def test_a_frame_of_the_wrong_length_is_named(tmp_path):
    archive = _write_mp_data(tmp_path, bad=("thanks", 2, 3))
    with pytest.raises(DataIntegrityError, match=r"MP_Data/thanks/2/3.npy: a keypoint frame must hold 1662 values"):
        mp_gestures.read(("pose",), archive, "toy", "f")


def test_stratified_folds_keep_classes_balanced_and_groups_apart(tmp_path):
    windows = mp_gestures.read(("pose",), _write_mp_data(tmp_path, sequences=6), "toy", "f")
    splits = make_protocol("stratified_kfold", n_splits=3, val_fraction=0.0).splits(windows)
    assert len(splits) == 3
    for split in splits:
        assert np.bincount(windows.y[split.test]).tolist() == [2, 2]
    assert sorted(np.concatenate([split.test for split in splits]).tolist()) == list(range(12))


@pytest.mark.slow
def test_the_real_recordings_load(real_data_dir):
    if not (real_data_dir / "mp-gestures").is_dir():
        pytest.fail(f"HARBENCH_DATA_DIR={real_data_dir} is set but holds no mp-gestures/ folder.")
    windows = get_dataset("mp_gestures").load()
    assert windows.X.shape == (90, 30, 261) and windows.classes == ("hello", "iloveyou", "thanks")
    assert get_dataset("mp_gestures_face").load().X.shape == (90, 30, 1662 + 4)
    assert windows.fingerprint == get_dataset("mp_gestures").fingerprint()
