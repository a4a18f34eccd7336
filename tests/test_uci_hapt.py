"""The UCI HAPT adapter and data location, on the synthetic archive in every accepted layout."""

import re
import zipfile

import numpy as np
import pytest

from harbench.datasets import catalog, get_dataset
from harbench.errors import DataIntegrityError, DatasetNotFoundError, UnknownIdError
from tests.conftest import SYNTHETIC_ID
from tests.synthetic_hapt import TEST_USERS, USERS, synthetic_spec, write_folder, write_zip


def _use(files, monkeypatch, dataset_id=SYNTHETIC_ID, **kwargs):
    monkeypatch.setitem(catalog._DATASETS, dataset_id, synthetic_spec(dataset_id, files, **kwargs))
    return get_dataset(dataset_id)


def test_loads_windows_with_subjects_sessions_and_official_split(synthetic_data_dir):
    windows = get_dataset(SYNTHETIC_ID).load()
    assert windows.X.dtype == np.float32 and windows.X.shape[1:] == (64, 6)
    assert windows.channels == ("acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z")
    assert windows.units == ("g", "g", "g", "rad/s", "rad/s", "rad/s")
    assert windows.classes[:2] == ("WALKING", "WALKING_UPSTAIRS") and len(windows.classes) == 6
    assert set(windows.subjects) == set(USERS)
    assert set(windows.subjects[windows.official_test]) == set(TEST_USERS)
    # 200-sample segments give 5 windows of 64 at step 32; each user has 8 basic-activity segments
    assert len(windows) == len(USERS) * 8 * 5
    assert windows.fingerprint == get_dataset(SYNTHETIC_ID).fingerprint()


def test_hapt_view_keeps_the_postural_transitions(synthetic_data_dir, synthetic_files, monkeypatch):
    spec = _use(synthetic_files, monkeypatch, "synthetic_hapt", activity_ids=tuple(range(1, 13)), length=32)
    windows = spec.load()
    assert len(windows.classes) == 12
    assert windows.class_counts()["STAND_TO_SIT"] > 0


def test_the_first_labelled_row_is_the_first_window_sample(synthetic_data_dir, synthetic_files):
    windows = get_dataset(SYNTHETIC_ID).load()
    acc = np.array(synthetic_files["RawData/acc_exp01_user01.txt"].split(), dtype=np.float32).reshape(-1, 3)
    first = np.flatnonzero((windows.sessions == 1) & (windows.starts == 0))[0]
    np.testing.assert_array_equal(windows.X[first, :, :3], acc[:64])


@pytest.mark.parametrize("layout", ["zip", "zip-with-top-folder", "zip-in-zip", "folder", "folder-with-top-folder"])
def test_every_archive_layout_is_accepted(layout, tmp_path, synthetic_files, monkeypatch):
    folder = tmp_path / "data" / "synthetic-hapt"
    folder.mkdir(parents=True)
    if layout == "zip":
        write_zip(synthetic_files, folder / "a.zip")
    elif layout == "zip-with-top-folder":
        write_zip(synthetic_files, folder / "HAPT Data Set.zip", top_folder="HAPT Data Set/")
    elif layout == "zip-in-zip":
        inner = write_zip(synthetic_files, tmp_path / "HAPT Data Set.zip", top_folder="HAPT Data Set/")
        with zipfile.ZipFile(folder / "download.zip", "w") as outer:
            outer.write(inner, "HAPT Data Set.zip")
    elif layout == "folder":
        write_folder(synthetic_files, folder)
    else:
        write_folder(synthetic_files, folder / "HAPT Data Set")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "data"))
    assert len(_use(synthetic_files, monkeypatch).load()) == len(USERS) * 8 * 5


def test_a_missing_file_is_named(tmp_path, synthetic_files, monkeypatch):
    files = dict(synthetic_files)
    spec = _use(files, monkeypatch)
    del files["RawData/gyro_exp03_user03.txt"]
    write_zip(files, tmp_path / "data" / "synthetic-hapt" / "a.zip")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(DataIntegrityError, match=r"missing: RawData/gyro_exp03_user03\.txt"):
        spec.load()


@pytest.mark.parametrize("damage", ["corrupt", "truncated"])
def test_a_corrupt_or_truncated_file_is_named(damage, tmp_path, synthetic_files, monkeypatch):
    spec = _use(synthetic_files, monkeypatch)
    files = dict(synthetic_files)
    name = "RawData/acc_exp02_user02.txt"
    files[name] = files[name][:-100] if damage == "truncated" else files[name].replace(b"1", b"2", 1)
    write_folder(files, tmp_path / "data" / "synthetic-hapt")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(DataIntegrityError, match=f"{re.escape(name)} is corrupt or truncated"):
        spec.load()


def test_a_truncated_zip_archive_is_named(tmp_path, synthetic_files, monkeypatch):
    spec = _use(synthetic_files, monkeypatch)
    path = write_zip(synthetic_files, tmp_path / "data" / "synthetic-hapt" / "a.zip")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(DataIntegrityError, match=r"a\.zip: not a readable zip archive"):
        spec.load()


def test_a_segment_past_the_end_of_its_recording_is_named(tmp_path, synthetic_files, monkeypatch):
    files = dict(synthetic_files)
    files["RawData/labels.txt"] += b"1 1 5 2000 99999\n"
    spec = _use(files, monkeypatch)  # the manifest matches, so the check must come from the adapter
    write_folder(files, tmp_path / "data" / "synthetic-hapt")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(DataIntegrityError, match=r"labels.txt labels rows 2000-99999 of experiment 1"):
        spec.load()


def test_data_dir_set_but_empty_fails_loudly(tmp_path, synthetic_files, monkeypatch):
    spec = _use(synthetic_files, monkeypatch)
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "nothing"))
    with pytest.raises(DatasetNotFoundError, match="nothing/synthetic-hapt: no data for 'synthetic-hapt'"):
        spec.load()


def test_unknown_dataset_id_names_the_known_ones():
    with pytest.raises(UnknownIdError, match=r"Unknown dataset id 'uci_hra'\. Known datasets: .*uci_har"):
        get_dataset("uci_hra")


def test_shipped_manifest_lists_the_official_layout():
    manifest = get_dataset("uci_har").source().manifest
    assert len(manifest.entries) == 131
    assert {"RawData/labels.txt", "Train/subject_id_train.txt", "Test/subject_id_test.txt",
            "activity_labels.txt"} <= set(manifest.entries)
    assert sum(name.startswith("RawData/acc_exp") for name in manifest.entries) == 61
