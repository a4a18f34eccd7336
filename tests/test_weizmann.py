"""Weizmann silhouette clips, on a small generated classification_masks.mat and on the real file."""

import hashlib
import io

import numpy as np
import pytest
import scipy.io

from harbench.datasets import get_dataset, weizmann
from harbench.datasets.archive import Archive, Manifest
from harbench.datasets.clips import ClipSet
from harbench.datasets.protocols import make_protocol
from harbench.errors import DataIntegrityError, DatasetNotFoundError, InputValidationError


def _video(n_frames: int) -> np.ndarray:
    """144 x 180 x frames binary masks; frame t has its first 2 t rows set, so it can be recognised."""
    video = np.zeros((144, 180, n_frames), dtype=np.uint8)
    for frame in range(n_frames):
        video[: 2 * frame, :, frame] = 1
    return video


def _mat(masks: dict) -> bytes:
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"original_masks": masks, "aligned_masks": {"x": np.zeros((3, 3, 2), np.uint8)}})
    return buffer.getvalue()


def _archive(root, content: bytes) -> Archive:
    (root / weizmann.FILENAME).write_bytes(content)
    manifest = Manifest(entries={weizmann.FILENAME: hashlib.sha256(content).hexdigest()}, origin="test manifest")
    return Archive(root, manifest)


SMALL = {"ann_walk": _video(40), "ann_run": _video(30), "bob_walk": _video(16), "bob_run1": _video(33),
         "bob_run2": _video(20), "bob_wave1": _video(20)}


def test_each_sequence_becomes_one_clip_of_16_frames_at_half_resolution(tmp_path):
    clips = weizmann.read(_archive(tmp_path, _mat(SMALL)), "weizmann", "f" * 16)
    assert isinstance(clips, ClipSet) and clips.X.shape == (6, 16, 72, 90, 1) and clips.X.dtype == np.float32
    assert clips.frame_size == (72, 90) and clips.channels == ("silhouette",) and clips.fs == 25.0
    assert list(clips.sessions) == sorted(SMALL)
    assert clips.source_lengths.tolist() == [len(SMALL[name].T) for name in sorted(SMALL)]
    assert [clips.classes[label] for label in clips.y] == ["run", "walk", "run", "run", "walk", "wave1"]


def test_frames_are_the_middle_frames_of_equal_segments_and_blocks_are_averaged(tmp_path):
    clips = weizmann.read(_archive(tmp_path, _mat(SMALL)), "weizmann", "f" * 16)
    ann_walk = clips.X[list(clips.sessions).index("ann_walk"), ..., 0]
    rows_set = (ann_walk == 1).all(axis=2).sum(axis=1)  # frame t of the source has t full 2 x 2 rows
    assert rows_set.tolist() == [int((k + 0.5) * 40 / 16) for k in range(16)]
    assert set(np.unique(ann_walk)) <= {0.0, 1.0}
    odd = _video(16)
    odd[0, 0, :] = 1  # one pixel of a 2 x 2 block
    clips = weizmann.read(_archive(tmp_path, _mat({"ann_walk": odd})), "weizmann", "f" * 16)
    assert clips.X[0, 0, 0, 0, 0] == 0.25


def test_second_takes_are_kept_as_clips_of_the_same_person(tmp_path):
    clips = weizmann.read(_archive(tmp_path, _mat(SMALL)), "weizmann", "f" * 16)
    person = dict(zip(clips.sessions, clips.subjects, strict=True))
    assert person["bob_run1"] == person["bob_run2"] == person["bob_walk"] != person["ann_walk"]
    assert clips.params["persons"] == ["ann", "bob"] and person["ann_run"] == 1
    folds = make_protocol("loso", val_fraction=0).splits(clips)
    assert len(folds) == 2
    assert {name for name in clips.sessions[folds[1].test]} == {"bob_walk", "bob_run1", "bob_run2", "bob_wave1"}


@pytest.mark.parametrize("masks, message", [
    ({"ann_dance": _video(20)}, r"field 'ann_dance' is not <person>_<action>\[take\]"),
    ({"annwalk": _video(20)}, r"field 'annwalk' is not"),
    ({"ann_walk": np.zeros((100, 180, 20), np.uint8)}, r"original_masks.ann_walk has shape \(100, 180, 20\)"),
    ({"ann_walk": _video(20) * 255}, r"original_masks.ann_walk holds values other than 0 and 1"),
])
def test_malformed_masks_are_refused_naming_the_file_and_field(tmp_path, masks, message):
    with pytest.raises(DataIntegrityError, match=message):
        weizmann.read(_archive(tmp_path, _mat(masks)), "weizmann", "f" * 16)


def test_a_file_that_is_not_the_masks_file_is_refused(tmp_path):
    with pytest.raises(DataIntegrityError, match=r"classification_masks.mat: not a readable MATLAB file"):
        weizmann.read(_archive(tmp_path, b"not a MAT file"), "weizmann", "f" * 16)
    buffer = io.BytesIO()
    scipy.io.savemat(buffer, {"masks": np.zeros(3)})
    with pytest.raises(DataIntegrityError, match=r"no 'original_masks' struct \(it holds \['masks'\]\)"):
        weizmann.read(_archive(tmp_path, buffer.getvalue()), "weizmann", "f" * 16)


def _real(real_data_dir):
    if not (real_data_dir / "weizmann").is_dir():
        pytest.fail(f"HARBENCH_DATA_DIR={real_data_dir} is set but holds no weizmann/ folder.")
    return get_dataset("weizmann").load()


def test_the_real_file_gives_93_clips_of_10_actions_by_9_persons(real_data_dir):
    clips = _real(real_data_dir)
    spec = get_dataset("weizmann")
    assert clips.X.shape == (93, 16, 72, 90, 1) and clips.fingerprint == spec.fingerprint()
    assert clips.class_counts() == {"bend": 9, "jack": 9, "jump": 9, "pjump": 9, "run": 10, "side": 9, "skip": 10,
                                    "walk": 10, "wave1": 9, "wave2": 9}
    persons = clips.params["persons"]
    assert persons == ["daria", "denis", "eli", "ido", "ira", "lena", "lyova", "moshe", "shahar"]
    per_person = {person: int((clips.subjects == number).sum()) for number, person in enumerate(persons, start=1)}
    assert per_person == {person: 13 if person == "lena" else 10 for person in persons}
    sessions = list(clips.sessions)
    for action in ("run", "skip", "walk"):
        first, second = sessions.index(f"lena_{action}1"), sessions.index(f"lena_{action}2")
        assert clips.subjects[first] == clips.subjects[second] == persons.index("lena") + 1
    assert clips.source_lengths.min() == 28 and clips.source_lengths.max() == 146
    assert clips.source_lengths.sum() == 5687
    assert clips.official_test is None
    with pytest.raises(InputValidationError, match="windowing"):
        spec.fingerprint(length=32)


def test_leave_one_person_out_on_the_real_clips_has_9_folds_one_person_each(real_data_dir):
    clips = _real(real_data_dir)
    folds = make_protocol("loso").splits(clips)
    assert len(folds) == 9
    assert [len(set(clips.subjects[fold.test].tolist())) for fold in folds] == [1] * 9
    assert sorted(len(fold.test) for fold in folds) == [10] * 8 + [13]


def test_missing_data_names_the_folder_and_the_official_download(tmp_path, monkeypatch):
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match=r"weizmann: no data .* Download https://\S+classification_masks"):
        get_dataset("weizmann").load()


def test_a_report_describes_clips_by_frames_and_pixels():
    from types import SimpleNamespace

    from harbench.reporting.markdown import _data_lines

    splits = {"n_windows": 93, "windowing": {"series_length": 16, "height": 72, "width": 90}}
    (line,) = _data_lines(splits, SimpleNamespace(windowed=False, groups="persons"))
    assert line.startswith("- Series: 93 clips of 16 frames of 72 x 90 pixels each, one per video")
