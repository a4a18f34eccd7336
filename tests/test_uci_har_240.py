"""The original UCI HAR release (id 240) on a small generated copy in its official layout."""

import io
import zipfile

import numpy as np
import pytest

from harbench.datasets import get_dataset, uci_har_240
from harbench.errors import DataIntegrityError, DatasetNotFoundError

TRAIN_SUBJECTS, TEST_SUBJECTS = (1, 3, 5), (2, 4)


def _release_files(windows_per_subject=4, truncate=None):
    """{path: text} of a tiny release: activity = 1 + window index % 6, signal value = channel + activity."""
    files = {"activity_labels.txt": "1 WALKING\n2 WALKING_UPSTAIRS\n3 WALKING_DOWNSTAIRS\n4 SITTING\n5 STANDING\n"
                                    "6 LAYING\n"}
    for split, subjects in (("train", TRAIN_SUBJECTS), ("test", TEST_SUBJECTS)):
        subject_of = np.repeat(subjects, windows_per_subject)
        activity = 1 + np.arange(len(subject_of)) % 6
        files[f"{split}/subject_{split}.txt"] = "".join(f"{s}\n" for s in subject_of)
        files[f"{split}/y_{split}.txt"] = "".join(f"{a}\n" for a in activity)
        for channel, signal in enumerate(uci_har_240.SIGNALS):
            rows = [" ".join(f"{channel + a + t / 1000:.7e}" for t in range(128)) for a in activity]
            if truncate == f"{split}/{signal}":
                rows[-1] = rows[-1].rsplit(" ", 1)[0]
            files[f"{split}/Inertial Signals/{signal}_{split}.txt"] = "\n".join(rows) + "\n"
    return files


def _write_download(files, path):
    """The UCI download page's zip: ``UCI HAR Dataset.zip`` inside, with everything under one folder."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        for name, text in files.items():
            archive.writestr(f"UCI HAR Dataset/{name}", text)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as outer:
        outer.writestr("UCI HAR Dataset.zip", inner.getvalue())


def test_the_release_loads_with_its_windows_subjects_and_split(tmp_path, monkeypatch):
    _write_download(_release_files(), tmp_path / "uci-har" / "human+activity+recognition+using+smartphones.zip")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path))
    spec = get_dataset("uci_har_240")
    windows = spec.load()
    assert windows.X.shape == (20, 128, 9) and windows.fs == 50.0
    assert windows.classes[0] == "WALKING" and windows.channels[3] == "body_gyro_x" and windows.units[3] == "rad/s"
    assert set(windows.subjects[windows.official_test]) == set(TEST_SUBJECTS)
    assert set(windows.subjects[~windows.official_test]) == set(TRAIN_SUBJECTS)
    # value = channel + activity number at t = 0: the channels and labels line up
    np.testing.assert_allclose(windows.X[:, 0, 4], 4 + windows.y + 1, rtol=1e-6)
    assert windows.fingerprint == spec.fingerprint()
    assert "no published checksums" in uci_har_240.manifest().origin


def test_a_different_copy_gets_a_different_fingerprint(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path))
    _write_download(_release_files(), tmp_path / "uci-har" / "release.zip")
    first = get_dataset("uci_har_240").fingerprint()
    (tmp_path / "uci-har" / "release.zip").unlink()
    _write_download(_release_files(windows_per_subject=5), tmp_path / "uci-har" / "release.zip")
    assert get_dataset("uci_har_240").fingerprint() != first


def test_a_truncated_signal_file_is_named(tmp_path, monkeypatch):
    _write_download(_release_files(truncate="test/total_acc_z"), tmp_path / "uci-har" / "release.zip")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DataIntegrityError, match=r"test/Inertial Signals/total_acc_z_test.txt holds 1023 values, "
                                                 r"not 8 windows of 128"):
        get_dataset("uci_har_240").load()


def test_a_missing_file_is_named(tmp_path, monkeypatch):
    files = _release_files()
    del files["train/Inertial Signals/body_gyro_y_train.txt"]
    _write_download(files, tmp_path / "uci-har" / "release.zip")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DataIntegrityError, match=r"missing: train/Inertial Signals/body_gyro_y_train.txt"):
        get_dataset("uci_har_240").load()


def test_without_the_release_the_error_says_where_to_put_it(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match=r"uci-har: no data for 'uci-har'"):
        get_dataset("uci_har_240").load()
