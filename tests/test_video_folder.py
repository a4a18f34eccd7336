"""Class-folder video datasets (UCF50 layout): clips written with a real encoder (PyAV) and the
three real Weizmann AVIs."""

import os
from pathlib import Path

import numpy as np
import pytest

av = pytest.importorskip("av", reason="the video adapter needs PyAV: pip install 'harbench[video]'")

from harbench.datasets import get_dataset  # noqa: E402
from harbench.datasets.catalog import video_folder_spec  # noqa: E402
from harbench.datasets.clips import ClipSet  # noqa: E402
from harbench.datasets.protocols import make_protocol  # noqa: E402
from harbench.datasets.video_folder import ClipFiles, VideoFolder, read  # noqa: E402
from harbench.errors import DataIntegrityError, DatasetNotFoundError, InputValidationError  # noqa: E402

WEIZMANN_NAMES = r"(?P<group>[a-z]+)_"


def write_clip(path: Path, n_frames: int, rate: int = 25, size: tuple[int, int] = (48, 64), shade: int = 0) -> None:
    """An MPEG-4 clip whose frame t is grey level 8 t + ``shade`` with a green left half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=rate)
        stream.height, stream.width = size
        stream.pix_fmt = "yuv420p"
        container.start_encoding()  # writes the header even when no frame follows
        for frame in range(n_frames):
            image = np.full((*size, 3), 8 * frame + shade, dtype=np.uint8)
            image[:, : size[1] // 2, 1] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _packet_positions(path: Path) -> list[int]:
    """Where each frame's data starts in the file."""
    with av.open(str(path)) as container:
        return [packet.pos for packet in container.demux(container.streams.video[0]) if packet.size]


def ucf50_folder(root: Path, top: str = "") -> Path:
    """Two classes, three groups, one clip per group and class, ``.avi`` and ``.mp4``."""
    for number, (name, group) in enumerate([(name, group) for name in ("Biking", "Diving") for group in (1, 2, 3)]):
        suffix = ".mp4" if group == 3 else ".avi"
        write_clip(root / top / name / f"v_{name}_g{group:02d}_c01{suffix}", n_frames=20 + number, shade=number)
    return root


def clips_of(root: Path, **layout) -> ClipSet:
    folder = VideoFolder(folder="videos", url="https://example.org/videos.zip", height=24, width=32, **layout)
    return read(folder, ClipFiles(root, None), "videos", "f" * 16)


def test_clips_are_sampled_uniformly_resized_and_grouped_by_their_ucf50_group(tmp_path):
    clips = clips_of(ucf50_folder(tmp_path))
    assert isinstance(clips, ClipSet) and clips.X.shape == (6, 16, 24, 32, 3) and clips.X.dtype == np.uint8
    assert clips.classes == ("Biking", "Diving") and clips.y.tolist() == [0, 0, 0, 1, 1, 1]
    assert clips.subjects.tolist() == [1, 2, 3, 1, 2, 3] and clips.params["groups"] == ["01", "02", "03"]
    assert clips.sessions[2] == "Biking/v_Biking_g03_c01.mp4" and clips.fs == 25.0
    assert clips.source_lengths.tolist() == [20, 21, 22, 23, 24, 25]
    grey = clips.X[0, :, :, -4:, 0].mean(axis=(1, 2))  # the right half: grey level 8 t of source frame t
    expected = 8 * ((np.arange(16) + 0.5) * 20 / 16).astype(int)
    assert np.abs(grey - expected).max() < 6
    assert clips.X[0, 5, :, :4, 1].mean() > 150 > clips.X[0, 5, :, -4:, 1].mean()  # green left half, RGB order


def test_leave_one_group_out_puts_each_group_in_one_test_fold(tmp_path):
    clips = clips_of(ucf50_folder(tmp_path))
    folds = make_protocol("loso", val_fraction=0).splits(clips)
    assert [sorted(set(clips.subjects[fold.test].tolist())) for fold in folds] == [[1], [2], [3]]
    assert len(make_protocol("grouped_kfold", n_splits=3).splits(clips)) == 3
    assert isinstance(clips.subset(folds[0].test), ClipSet)


def test_a_user_pattern_groups_weizmann_names_by_person(tmp_path):
    for name in ("jack/eli_jack.avi", "walk/eli_walk.avi", "walk/ido_walk.avi"):
        write_clip(tmp_path / name, n_frames=18)
    clips = clips_of(tmp_path, group_pattern=WEIZMANN_NAMES)
    assert clips.params["groups"] == ["eli", "ido"] and clips.subjects.tolist() == [1, 1, 2]


@pytest.mark.parametrize("damage, message", [
    (lambda path: path.write_bytes(b"this is no video" * 64), r"Diving/v_Diving_g02_c01.avi: not a readable video"),
    (lambda path: write_clip(path, n_frames=0), r"Diving/v_Diving_g02_c01.avi: the video has no frames"),
    (lambda path: path.write_bytes(path.read_bytes()[: len(path.read_bytes()) * 9 // 10]),  # cut inside a frame
     r"Diving/v_Diving_g02_c01.avi: not a readable video"),
    (lambda path: path.write_bytes(path.read_bytes()[: _packet_positions(path)[20]]),  # cut between two frames
     r"Diving/v_Diving_g02_c01.avi: only 20 of the 24 frames its header declares can be decoded"),
])
def test_unreadable_empty_or_truncated_files_are_refused_with_their_path(tmp_path, damage, message):
    root = ucf50_folder(tmp_path)
    damage(root / "Diving" / "v_Diving_g02_c01.avi")
    with pytest.raises(DataIntegrityError, match=message):
        clips_of(root)


def test_an_empty_mp4_without_a_video_stream_is_refused_with_its_path(tmp_path):
    root = ucf50_folder(tmp_path)
    write_clip(root / "Biking" / "v_Biking_g03_c01.mp4", n_frames=0)
    with pytest.raises(DataIntegrityError, match=r"Biking/v_Biking_g03_c01.mp4: holds no video stream"):
        clips_of(root)


def test_names_outside_the_group_pattern_strays_and_mixed_frame_rates_are_refused(tmp_path):
    root = ucf50_folder(tmp_path / "a")
    write_clip(root / "Biking" / "biking_extra.avi", n_frames=20)
    with pytest.raises(DataIntegrityError, match=r"Biking/biking_extra.avi: the file name does not match the group"):
        clips_of(root)
    root = ucf50_folder(tmp_path / "b")
    (root / "Biking" / "notes.txt").write_text("x")
    with pytest.raises(DataIntegrityError, match=r"Biking/notes.txt is not <class>/<clip>"):
        clips_of(root)
    root = ucf50_folder(tmp_path / "c")
    write_clip(root / "Diving" / "v_Diving_g01_c01.avi", n_frames=20, rate=30)
    with pytest.raises(DataIntegrityError, match=r"frame rates \[25.0, 30.0\].*one clip set needs one rate"):
        clips_of(root)
    with pytest.raises(InputValidationError, match="has no named group 'group'"):
        VideoFolder(folder="videos", url="", group_pattern=r"([a-z]+)_")


def test_a_clip_changed_after_its_checksum_was_taken_is_refused(tmp_path):
    root = ucf50_folder(tmp_path)
    files = ClipFiles(root, None)
    write_clip(root / "Biking" / "v_Biking_g01_c01.avi", n_frames=20, shade=100)
    with pytest.raises(DataIntegrityError, match=r"Biking/v_Biking_g01_c01.avi is corrupt or has changed"):
        read(VideoFolder(folder="videos", url=""), files, "videos", "f" * 16)


def test_the_registered_ucf50_reads_an_extracted_folder_and_fingerprints_its_bytes(tmp_path, monkeypatch):
    ucf50_folder(tmp_path / "data" / "ucf50", top="UCF50")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "data"))
    spec = get_dataset("ucf50")
    assert not spec.checksums_shipped
    clips = spec.load()
    assert clips.X.shape == (6, 16, 72, 96, 3) and clips.fingerprint == spec.fingerprint()
    assert clips.sessions[0] == "Biking/v_Biking_g01_c01.avi"
    before = clips.fingerprint
    clip = tmp_path / "data" / "ucf50" / "UCF50" / "Diving" / "v_Diving_g01_c01.avi"
    write_clip(clip, n_frames=23, shade=50)
    os.utime(clip, ns=(1, 1))
    assert spec.fingerprint() != before
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "nothing"))
    with pytest.raises(DatasetNotFoundError, match="harbench does not download video folders"):
        spec.load()


@pytest.mark.slow
def test_the_real_weizmann_avis_decode_and_line_up_with_the_silhouettes(real_data_dir):
    if not (real_data_dir / "weizmann-rgb-sample").is_dir():
        pytest.fail(f"HARBENCH_DATA_DIR={real_data_dir} is set but holds no weizmann-rgb-sample/ folder.")
    layout = VideoFolder(folder="weizmann-rgb-sample", url="", group_pattern=WEIZMANN_NAMES, height=72, width=90,
                         manifest_file="weizmann-rgb-sample.sha256")
    spec = video_folder_spec("weizmann_rgb_sample", "three Weizmann AVIs", "Gorelick et al. 2007", layout)
    clips = spec.load()
    assert spec.checksums_shipped and clips.fingerprint == spec.fingerprint()
    assert clips.X.shape == (3, 16, 72, 90, 3) and clips.fs == 25.0 and clips.classes == ("jack", "walk")
    assert list(clips.sessions) == ["jack/eli_jack.avi", "walk/ido_walk.avi", "walk/lyova_walk.avi"]
    assert clips.params["groups"] == ["eli", "ido", "lyova"] and clips.source_lengths.tolist() == [51, 43, 50]
    silhouettes = get_dataset("weizmann").load()
    for index, name in enumerate(clips.sessions):
        # the same sequences, the same frame counts, so the same frames are sampled: the person is
        # where the frame differs from the background, upright (a bottom-up AVI decoded as such)
        mask = silhouettes.X[list(silhouettes.sessions).index(Path(name).stem), ..., 0]
        brightness = clips.X[index].astype(float).mean(axis=-1)
        moving = np.abs(brightness - np.median(brightness, axis=0))
        assert np.corrcoef(moving.ravel(), mask.ravel())[0, 1] > 0.5
        assert np.corrcoef(moving[:, ::-1].ravel(), mask.ravel())[0, 1] < 0.7
