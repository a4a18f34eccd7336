"""USC-HAD trial files (``SubjectN/aMtK.mat``), on a small generated copy and on the real archive."""

import hashlib
import io

import numpy as np
import pytest
import scipy.io

from harbench.datasets import get_dataset, usc_had
from harbench.datasets.archive import Archive, Manifest
from harbench.datasets.protocols import make_protocol
from harbench.errors import DataIntegrityError


def _mat(**fields) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, fields)
    return buffer.getvalue()


def _write_usc_had(root, subjects=(1, 2, 3), activities=(1, 8), samples=300, replace=None):
    """``USC-HAD/Subject<N>/a<M>t1.mat`` with a ramp as every channel; ``replace`` swaps one file's bytes."""
    entries = {}
    for subject in subjects:
        for activity in activities:
            name = f"USC-HAD/Subject{subject}/a{activity}t1.mat"
            readings = np.tile(np.arange(samples, dtype=np.float64)[:, None], (1, 6)) + subject
            content = _mat(sensor_readings=readings, subject=str(subject), activity_number=str(activity))
            if replace and name in replace:
                content = replace[name]
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            entries[name] = hashlib.sha256(content).hexdigest()
    return Archive(root, Manifest(entries=entries, origin="test manifest"))


def test_each_trial_file_is_one_recording_labelled_by_its_file_name(tmp_path):
    recordings = usc_had.read_recordings(_write_usc_had(tmp_path))
    assert len(recordings) == 6
    first = recordings[0]
    assert first.subject == 1 and first.fs == 100.0 and first.units[3] == "deg/s"
    assert first.signal.shape == (300, 6) and first.signal.dtype == np.float32
    assert {(r.subject, r.segments[0].label) for r in recordings} == {(s, a) for s in (1, 2, 3) for a in (0, 7)}
    assert all(r.segments[0].start == 0 and r.segments[0].stop == 300 for r in recordings)


def test_a_mat_file_without_sensor_readings_is_named(tmp_path):
    broken = {"USC-HAD/Subject2/a8t1.mat": _mat(subject="2", readings=np.zeros((5, 6)))}
    archive = _write_usc_had(tmp_path, replace=broken)
    with pytest.raises(DataIntegrityError, match=r"Subject2/a8t1.mat: no 'sensor_readings' variable"):
        usc_had.read_recordings(archive)


@pytest.mark.parametrize("content, message", [
    (_mat(sensor_readings=np.zeros((10, 4))), r"Subject3/a1t1.mat: sensor_readings has shape \(10, 4\)"),
    (_mat(sensor_readings=np.full((10, 6), np.nan)), r"Subject3/a1t1.mat: sensor_readings holds NaN"),
    (b"not a MATLAB file", r"Subject3/a1t1.mat: not a readable MATLAB file"),
])
def test_bad_trial_files_are_refused_naming_the_file(tmp_path, content, message):
    archive = _write_usc_had(tmp_path, replace={"USC-HAD/Subject3/a1t1.mat": content})
    with pytest.raises(DataIntegrityError, match=message):
        usc_had.read_recordings(archive)


@pytest.mark.slow
def test_the_real_archive_loads_with_14_subjects_and_12_activities(real_data_dir):
    if not (real_data_dir / "usc-had").is_dir():
        pytest.fail(f"HARBENCH_DATA_DIR={real_data_dir} is set but holds no usc-had/ folder.")
    spec = get_dataset("usc_had")
    windows = spec.load()
    assert windows.X.shape[1:] == (spec.default_length, 6) and windows.fs == 100.0
    assert len(windows.classes) == 12 and windows.classes[9] == "sleeping"
    assert set(windows.subjects) == set(range(1, 15))
    assert windows.official_test is None and windows.fingerprint == spec.fingerprint()
    folds = make_protocol("grouped_kfold", n_splits=5).splits(windows)
    tested = sorted(set().union(*(set(windows.subjects[fold.test].tolist()) for fold in folds)))
    assert len(folds) == 5 and tested == list(range(1, 15))
