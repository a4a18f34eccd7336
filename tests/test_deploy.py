"""Model bundles, `harbench predict` on recording CSVs, streaming and sample recordings, on the
synthetic HAPT-layout archive."""

import io
import itertools
import json

import numpy as np
import pandas as pd
import pytest
import skops.io

from harbench.cli import main
from harbench.deploy.bundle import BundleError, load_bundle
from harbench.deploy.evaluate import held_out_recording_scores, pooled_accuracy
from harbench.deploy.predict import (
    PREDICTED_BAND,
    TRUE_BAND,
    activity_segments,
    predict_recording,
    stream,
    timeline_figure,
)
from harbench.deploy.recording_csv import read_recording
from harbench.deploy.sample import sample_recording
from harbench.errors import InputValidationError, UnknownIdError
from harbench.experiment import SuiteData
from harbench.runner.execute import fit_on_split
from harbench.runner.store import ResultStore
from tests.conftest import SYNTHETIC_ID
from tests.synthetic_hapt import TEST_USERS
from tests.tiny_bundles import fit_quietly, tiny_suite

PIPELINES = """
[pipelines."handcrafted+logistic_regression"]

[pipelines."handcrafted+svm"]

[pipelines.cnn]
max_epochs = 3
filters = 8
dense_units = 8
"""


@pytest.fixture
def suite(tmp_path, synthetic_data_dir):
    return tiny_suite(tmp_path, PIPELINES)


@pytest.fixture
def classical_bundle(tmp_path, suite):
    fit_quietly(suite, "handcrafted+logistic_regression", tmp_path / "bundle")
    return load_bundle(tmp_path / "bundle")


@pytest.fixture
def recording_csv(tmp_path, synthetic_data_dir):
    path = tmp_path / "recording.csv"
    sample_recording(SYNTHETIC_ID, subject=TEST_USERS[0]).to_csv(path, index=False)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("pipeline", ["handcrafted+logistic_regression", "cnn"])
def test_a_saved_bundle_predicts_exactly_like_the_fitted_model(tmp_path, suite, pipeline):
    info = fit_quietly(suite, pipeline, tmp_path / "bundle")
    bundle = load_bundle(tmp_path / "bundle")
    described = json.loads((tmp_path / "bundle" / "bundle.json").read_text())
    assert described["window_length"] == 64 and described["fs"] == 50.0 and described["data_fingerprint"]
    assert set(info.subjects["held_out"]) == set(TEST_USERS) and not set(TEST_USERS) & set(info.subjects["trained_on"])
    assert (tmp_path / "bundle" / ("model.keras" if pipeline == "cnn" else "model.skops")).is_file()
    recording = read_recording("rec", sample_recording(SYNTHETIC_ID, TEST_USERS[0]), bundle.info.channels)
    timeline = predict_recording(bundle, recording)
    windows = np.stack([recording.signal[start:start + 64] for start in timeline.starts])
    data = SuiteData(suite, ResultStore(tmp_path / "results"))
    refit, _, _ = fit_on_split(pipeline, 0, suite.pipelines[pipeline], data.windows(SYNTHETIC_ID),
                               data.splits(SYNTHETIC_ID)[0])
    np.testing.assert_allclose(bundle.predict(windows)[1], refit.predict_proba(windows), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_a_bundle_from_another_harbench_version_is_refused_with_the_command_to_rebuild_it(tmp_path,
                                                                                          classical_bundle):
    path = tmp_path / "bundle" / "bundle.json"
    path.write_text(path.read_text().replace('"harbench_version": "', '"harbench_version": "9.'))
    with pytest.raises(BundleError, match=r"written by harbench 9\..*Rebuild it with: harbench fit tiny"):
        load_bundle(tmp_path / "bundle")


class Untrusted:
    """A type from outside harbench's allow-list, to stand for whatever a stranger's file holds."""


def test_a_bundle_holding_types_harbench_did_not_write_is_refused_by_name(tmp_path, classical_bundle):
    model = classical_bundle.model
    model.learner_ = Untrusted()
    skops.io.dump(model, tmp_path / "bundle" / "model.skops")
    with pytest.raises(BundleError, match=r"refused to load types that harbench did not write: "
                                          r"tests.test_deploy.Untrusted"):
        load_bundle(tmp_path / "bundle")


def test_something_that_is_not_a_bundle_says_how_to_make_one(tmp_path):
    with pytest.raises(BundleError, match=r"not a harbench model bundle .*`harbench fit SUITE"):
        load_bundle(tmp_path)


@pytest.mark.slow
def test_predict_writes_a_timeline_and_scores_it_against_the_label_column(tmp_path, classical_bundle,
                                                                          recording_csv, capsys):
    out, segments_out = tmp_path / "timeline.csv", tmp_path / "segments.csv"
    assert main(["predict", str(tmp_path / "bundle"), str(recording_csv), "--out", str(out), "--labels", "label",
                 "--plot", str(tmp_path / "timeline.png"), "--segments-out", str(segments_out)]) == 0
    timeline = pd.read_csv(out)
    assert list(timeline.columns[:3]) == ["start_s", "end_s", "label"]
    assert [column for column in timeline.columns if column.startswith("prob_")] == [
        f"prob_{name}" for name in classical_bundle.info.classes]
    assert np.allclose(timeline.filter(like="prob_").sum(axis=1), 1.0, atol=1e-3)
    assert np.allclose(np.diff(timeline["start_s"]), 32 / 50) and np.allclose(timeline["end_s"] - timeline["start_s"],
                                                                              64 / 50)
    console = capsys.readouterr().err
    assert "accuracy on the" in console
    segments = pd.read_csv(segments_out)
    assert list(segments.columns) == ["start_s", "end_s", "label", "n_windows", "mean_probability"]
    assert np.repeat(segments["label"], segments["n_windows"]).tolist() == timeline["label"].tolist()
    # the segments come first on the console, one line each, before the timing and the accuracy
    lines = console.splitlines()
    assert lines[0] == f"{len(segments)} activity segments ({len(timeline)} windows):"
    assert [line.split()[5] for line in lines[1:1 + len(segments)]] == segments["label"].tolist()
    assert lines.index(next(line for line in lines if "accuracy on the" in line)) > len(segments)
    assert (tmp_path / "timeline.png").stat().st_size > 10_000


def _overlaps(bbox, other) -> bool:
    """Whether two display-space boxes share area (touching edges do not count)."""
    return min(bbox.x1, other.x1) - max(bbox.x0, other.x0) > 0.5 and min(bbox.y1, other.y1) - max(bbox.y0,
                                                                                                   other.y0) > 0.5


@pytest.mark.slow
@pytest.mark.parametrize("with_labels", [True, False])
def test_the_plot_has_a_predicted_strip_a_true_strip_with_labels_and_legends_off_the_signal(
        classical_bundle, synthetic_data_dir, with_labels):
    import matplotlib.pyplot as plt

    recording = read_recording("rec", sample_recording(SYNTHETIC_ID, TEST_USERS[0]), classical_bundle.info.channels,
                               label_column="label" if with_labels else None)
    timeline = predict_recording(classical_bundle, recording)
    figure = timeline_figure(recording, timeline, classical_bundle)
    try:
        bands = {axis.get_label(): axis for axis in figure.axes if axis.get_label() in (PREDICTED_BAND, TRUE_BAND)}
        assert set(bands) == ({PREDICTED_BAND, TRUE_BAND} if with_labels else {PREDICTED_BAND})
        segments = activity_segments(timeline.table)
        predicted = bands[PREDICTED_BAND].collections
        assert len(predicted) == 1 and len(predicted[0].get_paths()) == len(segments)
        colour_of = dict(zip(segments["label"], map(tuple, predicted[0].get_facecolors()), strict=False))
        if with_labels:
            runs = [label for label, _ in itertools.groupby(recording.labels)]
            truth = bands[TRUE_BAND].collections
            assert len(truth) == 1 and len(truth[0].get_paths()) == sum(label != "" for label in runs)
            true_colour = dict(zip([label for label in runs if label != ""], map(tuple, truth[0].get_facecolors()),
                                   strict=True))
            shared = set(colour_of) & set(true_colour)
            assert shared and all(colour_of[name] == true_colour[name] for name in shared), "one colour per class"
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        signal = next(axis for axis in figure.axes if axis not in bands.values())
        legends = [*figure.legends, *(axis.get_legend() for axis in figure.axes if axis.get_legend())]
        assert len(legends) == 2
        for legend in legends:
            box = legend.get_window_extent(renderer)
            assert not any(_overlaps(box, axis.get_window_extent(renderer)) for axis in [signal, *bands.values()])
            assert figure.bbox.x0 <= box.x0 and box.x1 <= figure.bbox.x1 and figure.bbox.y0 <= box.y0, "on the page"
    finally:
        plt.close(figure)


def test_a_recording_at_another_rate_is_resampled_to_the_bundle_rate(classical_bundle, synthetic_data_dir):
    table = sample_recording(SYNTHETIC_ID, TEST_USERS[0])
    at_100_hz = pd.DataFrame(np.repeat(table[classical_bundle.info.channels].to_numpy(), 2, axis=0),
                             columns=classical_bundle.info.channels)
    native = predict_recording(classical_bundle, read_recording("50", table, classical_bundle.info.channels))
    doubled = predict_recording(classical_bundle, read_recording("100", at_100_hz, classical_bundle.info.channels,
                                                                 fs=100.0))
    assert abs(len(doubled.table) - len(native.table)) <= 1
    agreement = (doubled.table["label"].to_numpy()[:len(native.table)] == native.table["label"].to_numpy()).mean()
    assert agreement > 0.9


@pytest.mark.slow
@pytest.mark.parametrize("edit, message", [
    (lambda t: t.drop(columns="gyro_y"), r"rec.csv: no column\(s\) gyro_y\. The model needs acc_x"),
    (lambda t: t.assign(acc_z=t["acc_z"].astype(object).where(t.index != 7, "n/a")),
     r"rec.csv: row 9, column 'acc_z' holds 'n/a', not a finite number"),
    (lambda t: t.assign(time_s=t["time_s"] * 2), r"rec.csv: its time_s column says 25 Hz, but the sampling rate "
                                                 r"given is 50 Hz"),
    (lambda t: t.head(10), r"rec.csv: 10 samples, fewer than one window of 64"),
])
def test_bad_recordings_fail_naming_the_file_row_and_column(tmp_path, classical_bundle, synthetic_data_dir, edit,
                                                            message):
    path = tmp_path / "rec.csv"
    edit(sample_recording(SYNTHETIC_ID, TEST_USERS[0])).to_csv(path, index=False)
    with pytest.raises(InputValidationError, match=message):
        recording = read_recording(path, None, classical_bundle.info.channels, fs=50.0)
        predict_recording(classical_bundle, recording)


def test_streaming_prints_each_window_as_soon_as_it_is_full(classical_bundle, synthetic_data_dir):
    table = sample_recording(SYNTHETIC_ID, TEST_USERS[0]).head(64 + 3 * 32 + 10)
    lines = table.to_csv(index=False).splitlines(keepends=True)
    written = []

    class Recorder(io.StringIO):
        def flush(self):
            written.append(self.getvalue().count("\n"))

    out = Recorder()
    latencies = stream(classical_bundle, iter(lines), out)
    assert len(latencies) == 4 and written == [2, 3, 4, 5]  # header, then one row per full window
    streamed = pd.read_csv(io.StringIO(out.getvalue()))
    batch = predict_recording(classical_bundle, read_recording("r", table, classical_bundle.info.channels))
    assert streamed["label"].tolist() == batch.table["label"].tolist()


def test_a_sample_recording_names_unknown_subjects(synthetic_data_dir):
    with pytest.raises(UnknownIdError, match=r"has no subject 99; its subjects are \[1, 2"):
        sample_recording(SYNTHETIC_ID, subject=99)


def test_a_model_without_class_probabilities_gives_labels_only_never_made_up_probabilities(tmp_path, suite):
    fit_quietly(suite, "handcrafted+svm", tmp_path / "svm")
    bundle = load_bundle(tmp_path / "svm")
    table = sample_recording(SYNTHETIC_ID, TEST_USERS[0])
    timeline = predict_recording(bundle, read_recording("r", table, bundle.info.channels))
    assert list(timeline.table.columns) == ["start_s", "end_s", "label"]
    out = io.StringIO()
    stream(bundle, iter(table.head(64).to_csv(index=False).splitlines(keepends=True)), out)
    assert out.getvalue().splitlines()[0] == "start_s,end_s,label"


@pytest.mark.slow
def test_the_held_out_recordings_are_scored_session_by_session(classical_bundle):
    scores = held_out_recording_scores(classical_bundle)
    assert {score.subject for score in scores} == set(TEST_USERS)
    accuracy, n_windows = pooled_accuracy(scores, "segment")
    # the suite's own held-out windows, through the predict path: the suite's accuracy, exactly
    assert accuracy == pytest.approx(classical_bundle.info.held_out_accuracy, abs=1e-12)
    timeline, n_timeline = pooled_accuracy(scores, "timeline")
    assert 0 < n_timeline <= n_windows and 0 <= timeline <= 1
