"""`harbench fit`, `predict` and `serve` for clip pipelines: bundles fitted from tiny suites on
generated clip datasets (RGB videos written with a real encoder, PyAV, and silhouette clips),
videos predicted through the CLI and the web app (Flask's test client and headless Chromium),
refusals, and the three real Weizmann AVIs."""

from __future__ import annotations

import base64
import io
import json
import re
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from werkzeug.serving import make_server

av = pytest.importorskip("av", reason="clip bundles decode videos with PyAV: pip install 'harbench[video]'")

from harbench.cli import main  # noqa: E402
from harbench.datasets import catalog  # noqa: E402
from harbench.datasets.archive import Manifest  # noqa: E402
from harbench.datasets.catalog import SeriesDatasetSpec, video_folder_spec  # noqa: E402
from harbench.datasets.clips import ClipSet  # noqa: E402
from harbench.datasets.resampling import segment_centre_indices  # noqa: E402
from harbench.datasets.video_folder import VideoFolder  # noqa: E402
from harbench.deploy.bundle import BundleError, load_bundle  # noqa: E402
from harbench.deploy.clip import read_video, video_clip  # noqa: E402
from harbench.deploy.web import create_app  # noqa: E402
from tests.test_web import _chromium  # noqa: E402
from tests.tiny_bundles import fit_quietly, tiny_suite  # noqa: E402

pytestmark = pytest.mark.slow  # every test here fits a bundle or decodes videos: seconds each

PIPELINE = "motion_history+logistic_regression"
PERSONS = ("ann", "bob", "cyd")
ACTIONS = ("tall", "wide")  # a box whose height, or whose width, swells and shrinks
FRAMES, HEIGHT, WIDTH = 8, 40, 48
SOURCE = (2 * HEIGHT, 2 * WIDTH)
VIDEO_GROUPS = r"(?P<group>[a-z]+)_"
STRIP_WIDTH = FRAMES * WIDTH + (FRAMES - 1) * 2  # one row of 8 frames, 2-pixel gaps


def action_masks(action: str, take: int, n_frames: int = 24) -> np.ndarray:
    """(n_frames, 80, 96) bool: a box at the centre whose height (``tall``) or width (``wide``)
    swells and shrinks, at a speed and phase that vary with ``take``."""
    masks = np.zeros((n_frames, *SOURCE), dtype=bool)
    swing = 0.5 + 0.5 * np.sin(np.arange(n_frames) * (0.5 + 0.1 * take) + take)
    for frame, amount in enumerate(swing):
        long_side, short_side = 16 + int(44 * amount), 14
        rows, columns = (long_side, short_side) if action == "tall" else (short_side, long_side)
        top, left = (SOURCE[0] - rows) // 2, (SOURCE[1] - columns) // 2
        masks[frame, top:top + rows, left:left + columns] = True
    return masks


def coloured(masks: np.ndarray) -> np.ndarray:
    """A person in light clothes on a green-grey background, as RGB uint8."""
    return np.where(masks[..., None], np.array([225, 205, 180], np.uint8), np.array([70, 100, 80], np.uint8))


def white_on_black(masks: np.ndarray) -> np.ndarray:
    """A silhouette video's frames: the person white on black."""
    return np.repeat(np.where(masks, 255, 0).astype(np.uint8)[..., None], 3, axis=-1)


def write_video(path: Path, frames: np.ndarray, rate: int = 25) -> Path:
    """``frames`` (n, H, W, 3) uint8 as an MPEG-4 video at ``rate`` frames/s."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=rate)
        stream.height, stream.width = frames.shape[1:3]
        stream.pix_fmt, stream.bit_rate = "yuv420p", 4_000_000
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_suite(folder: Path, dataset: str) -> Path:
    """A one-seed leave-one-person-out suite of ``PIPELINE`` on ``dataset``."""
    path = folder / "clips.toml"
    path.write_text(f'name = "clips"\ndatasets = ["{dataset}"]\nseeds = [0]\n\n[protocol]\nname = "loso"\n'
                    f'val_fraction = 0\n\n[pipelines."{PIPELINE}"]\n')
    return path


def fit(suite: Path, out: Path, fold: int = 0) -> Path:
    """``harbench fit`` of ``PIPELINE`` into ``out``, with a results store beside it."""
    assert main(["fit", str(suite), "--pipeline", PIPELINE, "--fold", str(fold), "--out", str(out),
                 "--results-dir", str(out.parent / "results")]) == 0
    return out


def predict(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    """``harbench predict ARGV``: exit status, stdout and stderr."""
    capsys.readouterr()
    status = main(["predict", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def printed_prediction(out: str) -> tuple[str, list[tuple[str, float]]]:
    """The predicted class and the ``class  probability`` lines of `predict`'s stdout."""
    first, *rest = out.strip().splitlines()
    assert first.startswith("predicted: ")
    return first.removeprefix("predicted: "), [(name, float(p)) for name, p in (line.split() for line in rest)]


@pytest.fixture
def videos(tmp_path, monkeypatch) -> Path:
    """A class-folder dataset ``tiny_videos`` of RGB videos (2 actions x 3 persons x 2 takes),
    registered and found through HARBENCH_DATA_DIR; returns its folder."""
    root = tmp_path / "data" / "tiny-videos"
    for action in ACTIONS:
        for person in PERSONS:
            for take in (1, 2):
                seed = 3 * PERSONS.index(person) + take
                write_video(root / action / f"{person}_{action}{take}.avi", coloured(action_masks(action, seed)))
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path / "data"))
    layout = VideoFolder(folder="tiny-videos", url="https://example.org/tiny-videos.zip", group_pattern=VIDEO_GROUPS,
                         frames=FRAMES, height=HEIGHT, width=WIDTH)
    monkeypatch.setitem(catalog._DATASETS, "tiny_videos",
                        video_folder_spec("tiny_videos", "generated RGB videos", "none", layout))
    return root


@pytest.fixture
def rgb_bundle(tmp_path, videos) -> Path:
    return fit(write_suite(tmp_path, "tiny_videos"), tmp_path / "rgb-bundle")


def silhouette_clip(masks: np.ndarray) -> np.ndarray:
    """Weizmann's way: frames sampled at segment centres, each 2 x 2 block averaged, (F, H, W, 1)."""
    frames = masks[segment_centre_indices(len(masks), FRAMES, "test")].astype(np.float32)
    return frames.reshape(FRAMES, HEIGHT, 2, WIDTH, 2).mean(axis=(2, 4))[..., None]


def _silhouette_set(archive: object, dataset_id: str, fingerprint: str) -> ClipSet:
    cases = [(action, person, take) for action in ACTIONS for person in PERSONS for take in (1, 2)]
    return ClipSet(
        name=dataset_id, X=np.stack([silhouette_clip(action_masks(action, 3 * PERSONS.index(person) + take))
                                     for action, person, take in cases]),
        y=np.array([ACTIONS.index(action) for action, _, _ in cases]), classes=ACTIONS, channels=("silhouette",),
        units=("fraction",), fs=25.0, subjects=np.array([PERSONS.index(person) + 1 for _, person, _ in cases]),
        sessions=np.array([f"{person}_{action}{take}" for action, person, take in cases]),
        starts=np.zeros(len(cases), dtype=np.int64), fingerprint=fingerprint,
    )


@pytest.fixture
def silhouette_bundle(tmp_path, monkeypatch) -> Path:
    """A bundle fitted on silhouette clips made as weizmann.py makes them (dataset ``tiny_silhouettes``)."""
    spec = SeriesDatasetSpec(id="tiny_silhouettes", description="generated silhouettes", citation="none",
                             open=lambda: None, manifest=lambda: Manifest({"generated": "0" * 64}, "the test"),
                             read=_silhouette_set, groups="persons")
    monkeypatch.setitem(catalog._DATASETS, "tiny_silhouettes", spec)
    return fit(write_suite(tmp_path, "tiny_silhouettes"), tmp_path / "silhouette-bundle")


def test_fit_records_what_a_clip_is_and_how_it_is_made(rgb_bundle, silhouette_bundle):
    rgb = json.loads((rgb_bundle / "bundle.json").read_text())
    assert rgb["clip"] == {"frames": FRAMES, "height": HEIGHT, "width": WIDTH, "content": "rgb",
                           "sampling": "segment-centres", "resize": "area"}
    assert rgb["channels"] == ["red", "green", "blue"] and rgb["units"] == ["0-255"] * 3
    silhouette = json.loads((silhouette_bundle / "bundle.json").read_text())
    assert silhouette["clip"]["content"] == "silhouette" and silhouette["units"] == ["fraction"]


def test_predict_decodes_a_video_as_the_dataset_does_and_prints_the_ranked_probabilities(
        rgb_bundle, videos, tmp_path, capsys):
    bundle = load_bundle(rgb_bundle)
    dataset = catalog.get_dataset("tiny_videos").load()
    for name in ("tall/ann_tall1.avi", "wide/cyd_wide2.avi"):
        made = video_clip(read_video(videos / name), name, bundle.info)[0]
        assert made.dtype == np.uint8 and np.array_equal(made, dataset.X[list(dataset.sessions).index(name)])
    new = write_video(tmp_path / "new" / "someone tall.mp4", coloured(action_masks("tall", 7, n_frames=40)))
    status, out, err = predict(capsys, str(rgb_bundle), str(new), "--plot", str(tmp_path / "strip.png"),
                               "--out", str(tmp_path / "probabilities.csv"))
    assert status == 0, err
    label, ranked = printed_prediction(out)
    assert label == "tall" == ranked[0][0] and {name for name, _ in ranked} == set(ACTIONS)
    assert [p for _, p in ranked] == sorted((p for _, p in ranked), reverse=True)
    assert abs(sum(p for _, p in ranked) - 1) < 1e-3
    assert f"{new}: 40 frames at 25 frames/s, made into {FRAMES} rgb frames of {HEIGHT} x {WIDTH}" in err
    from matplotlib.image import imread

    assert imread(tmp_path / "strip.png").shape[:2] == (HEIGHT, STRIP_WIDTH)
    header, first, *_ = (tmp_path / "probabilities.csv").read_text().splitlines()
    assert header == "class,probability" and first.startswith("tall,")
    assert abs(float(first.split(",")[1]) - ranked[0][1]) < 1e-4


def test_a_silhouette_bundle_takes_a_silhouette_video_and_refuses_an_ordinary_one(silhouette_bundle, tmp_path,
                                                                                   capsys):
    masks = action_masks("wide", 5)
    mask_video = write_video(tmp_path / "wide mask.avi", white_on_black(masks))
    made = video_clip(read_video(mask_video), "wide mask.avi", load_bundle(silhouette_bundle).info)[0]
    assert made.shape == (FRAMES, HEIGHT, WIDTH, 1) and made.dtype == np.float32
    assert np.abs(made - silhouette_clip(masks)).mean() < 0.01 and set(np.unique(made)) >= {0.0, 1.0}
    status, out, err = predict(capsys, str(silhouette_bundle), str(mask_video))
    assert status == 0, err
    assert printed_prediction(out)[0] == "wide"
    ordinary = write_video(tmp_path / "street.mp4", coloured(masks))
    status, out, err = predict(capsys, str(silhouette_bundle), str(ordinary))
    assert status == 2 and not out
    assert f"{ordinary}: the model ({PIPELINE}) takes silhouette clips, the person white on a black background" in err
    assert "harbench does not segment people" in err


@pytest.mark.parametrize("kind, message", [
    ("empty", "not a readable video"),
    ("an AVI header and no stream", "holds no video stream, so no frames"),
    ("truncated", "not a readable video"),
])
def test_an_empty_or_corrupt_video_is_refused_naming_it_and_saying_what_to_do(rgb_bundle, tmp_path, capsys,
                                                                              kind, message):
    video = tmp_path / "broken.mp4"
    whole = write_video(tmp_path / "whole.mp4", coloured(action_masks("tall", 1))).read_bytes()
    junk = b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(range(256)) * 8
    video.write_bytes({"empty": b"", "an AVI header and no stream": junk, "truncated": whole[:len(whole) // 2]}[kind])
    status, out, err = predict(capsys, str(rgb_bundle), str(video))
    assert status == 2 and not out
    assert f"{video}: {message}" in err and "re-encode it" in err and "Traceback" not in err


def test_wrong_inputs_for_a_clip_bundle_are_refused_with_what_it_takes(rgb_bundle, tmp_path, capsys):
    csv = tmp_path / "rec.csv"
    csv.write_text("acc_x,acc_y,acc_z\n1,2,3\n")
    for argv, message in [
        ((str(csv),), f"{csv}: {rgb_bundle} is a model of video clips ({FRAMES} rgb frames of {HEIGHT} x {WIDTH}, "
                      f"pipeline {PIPELINE}); give it a video file (.avi or .mp4), not a recording."),
        (("-",), "is a model of video clips"),
        ((str(tmp_path / "missing.mp4"),), f"{tmp_path / 'missing.mp4'}: cannot read the video file"),
        ((str(tmp_path / "x.avi"), "--fs", "25"), "--fs: for recordings only; "),
    ]:
        status, out, err = predict(capsys, str(rgb_bundle), *argv)
        assert status == 2 and not out and message in err, err


def test_a_bundle_of_windows_refuses_a_video_on_the_command_line_and_the_page(tmp_path, synthetic_data_dir, capsys):
    fit_quietly(tiny_suite(tmp_path, '[pipelines."handcrafted+logistic_regression"]\n'),
                "handcrafted+logistic_regression", tmp_path / "windows")
    video = write_video(tmp_path / "clip.mp4", coloured(action_masks("tall", 1)))
    status, _, err = predict(capsys, str(tmp_path / "windows"), str(video))
    assert status == 2 and f"{video}: a video, but {tmp_path / 'windows'} is a model of sensor windows" in err
    assert "give it a recording CSV" in err
    answer = create_app(load_bundle(tmp_path / "windows")).test_client().post(
        "/predict", data={"recording": (io.BytesIO(video.read_bytes()), "clip.mp4")},
        content_type="multipart/form-data")
    assert answer.status_code == 400 and "clip.mp4: a video, but" in answer.get_json()["error"]


def test_a_clip_bundle_written_before_clips_were_recorded_is_refused_with_the_rebuild_command(rgb_bundle):
    described = json.loads((rgb_bundle / "bundle.json").read_text())
    del described["clip"]
    (rgb_bundle / "bundle.json").write_text(json.dumps(described))
    with pytest.raises(BundleError, match=r"does not say how its clips are made.*Rebuild it with: harbench fit"):
        load_bundle(rgb_bundle)


def _upload(client, path: str, content: bytes, name: str):
    return client.post(path, data={"clip": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def test_the_page_shows_the_prediction_and_the_frame_strip_and_the_api_answers_json(rgb_bundle, tmp_path):
    client = create_app(load_bundle(rgb_bundle)).test_client()
    content = write_video(tmp_path / "wide.avi", coloured(action_masks("wide", 8))).read_bytes()
    page = _upload(client, "/", content, "wide.avi")
    assert page.status_code == 200
    html = page.data.decode()
    assert re.search(r'wide\.avi: <span id="label">wide</span>', html)
    rows = re.findall(r"<tr><td>(\w+)</td>\s*<td class=\"number\">([\d.]+)</td></tr>", html)
    assert [name for name, _ in rows] in (["wide", "tall"],) and float(rows[0][1]) >= float(rows[1][1])
    strip = re.search(r'id="frames" [^>]*src="data:image/png;base64,([^"]+)"', html).group(1)
    from matplotlib.image import imread

    assert imread(io.BytesIO(base64.b64decode(strip))).shape[:2] == (HEIGHT, STRIP_WIDTH)
    answer = _upload(client, "/predict", content, "wide.avi").get_json()
    assert answer["label"] == "wide" and answer["clip"]["frames"] == FRAMES and answer["source_frames"] == 24
    assert [entry["class"] for entry in answer["probabilities"]] == ["wide", "tall"]
    refused = _upload(client, "/predict", b"acc_x\n1\n", "rec.csv")
    assert refused.status_code == 400 and "rec.csv: " in refused.get_json()["error"]
    assert "give it a video file" in refused.get_json()["error"]
    broken = _upload(client, "/", b"not a video", "broken.mp4")
    assert broken.status_code == 400 and b"broken.mp4: not a readable video" in broken.data


@pytest.fixture
def served_clips(rgb_bundle):
    server = make_server("127.0.0.1", 0, create_app(load_bundle(rgb_bundle)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def test_upload_a_video_in_headless_chromium_and_see_the_frames_and_a_broken_one_shows_its_error(
        served_clips, tmp_path, monkeypatch):
    monkeypatch.setenv("SE_AVOID_STATS", "true")
    browser = _chromium()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    good = write_video(tmp_path / "tall.mp4", coloured(action_masks("tall", 4)))
    bad = tmp_path / "broken.avi"
    bad.write_bytes(b"RIFF not really an avi")
    try:
        browser.get(served_clips)
        browser.find_element(By.ID, "clip").send_keys(str(good))
        browser.find_element(By.ID, "submit").click()
        frames = WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "frames")))
        assert browser.execute_script("return arguments[0].naturalWidth", frames) == STRIP_WIDTH
        assert browser.find_element(By.ID, "label").text in ACTIONS
        rows = browser.find_elements(By.CSS_SELECTOR, "#probabilities tbody tr")
        assert len(rows) == len(ACTIONS), "one row per class"
        assert rows[0].find_elements(By.TAG_NAME, "td")[0].text == browser.find_element(By.ID, "label").text
        browser.find_element(By.ID, "clip").send_keys(str(bad))
        browser.find_element(By.ID, "submit").click()
        error = WebDriverWait(browser, 30).until(expected_conditions.presence_of_element_located((By.ID, "error")))
        assert "broken.avi: not a readable video" in error.text
    finally:
        browser.quit()


def test_the_real_weizmann_avis_are_fitted_decoded_and_predicted(real_video_dir, tmp_path, monkeypatch, capsys,
                                                                 silhouette_bundle):
    layout = VideoFolder(folder="weizmann-rgb-sample", url="", group_pattern=VIDEO_GROUPS, height=72, width=90,
                         manifest_file="weizmann-rgb-sample.sha256")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(real_video_dir.parent))
    monkeypatch.setitem(catalog._DATASETS, "weizmann_rgb_sample",
                        video_folder_spec("weizmann_rgb_sample", "three Weizmann AVIs", "Gorelick et al. 2007", layout))
    # fold 1 holds out ido, so eli's jack and lyova's walk are both trained on
    bundle = fit(write_suite(tmp_path, "weizmann_rgb_sample"), tmp_path / "weizmann-rgb", fold=1)
    clips = catalog.get_dataset("weizmann_rgb_sample").load()
    with zipfile.ZipFile(real_video_dir / "weizmann-rgb-sample.zip") as archive:
        archive.extractall(tmp_path / "avis")
    info = load_bundle(bundle).info
    for index, name in enumerate(clips.sessions):
        video = tmp_path / "avis" / name
        assert np.array_equal(video_clip(read_video(video), name, info)[0], clips.X[index])
        status, out, err = predict(capsys, str(bundle), str(video))
        assert status == 0, err
        label, ranked = printed_prediction(out)
        assert label == ranked[0][0] and sorted(name for name, _ in ranked) == ["jack", "walk"]
        made = f"{video}: {clips.source_lengths[index]} frames at 25 frames/s, made into 16 rgb frames of 72 x 90"
        assert made in err
    status, _, err = predict(capsys, str(silhouette_bundle), str(tmp_path / "avis" / "jack" / "eli_jack.avi"))
    assert status == 2 and "takes silhouette clips" in err
