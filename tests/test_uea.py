"""The .ts reader, the UEA adapters, and the offline quick suite."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harbench.datasets import get_dataset
from harbench.datasets.ts_format import read_ts
from harbench.errors import DataIntegrityError
from harbench.runner.suite import load_suite

HEADER = """# a comment
@problemName Toy
@timeStamps false
@missing false
@univariate false
@dimensions 2
@equalLength true
@seriesLength 3
@classLabel true walk run
@data
"""


def test_a_well_formed_file_gives_cases_channels_last():
    problem = read_ts(HEADER + "1,2,3:4,5,6:walk\n7,8,9:1,1,1:run\n", "toy.ts")
    assert problem.name == "Toy" and problem.class_labels == ("walk", "run")
    assert problem.X.shape == (2, 3, 2) and problem.X.dtype == np.float32
    np.testing.assert_array_equal(problem.X[0, :, 1], [4, 5, 6])
    assert list(problem.labels) == ["walk", "run"]


def test_values_and_order_are_aeons_and_labels_keep_the_case_aeon_drops():
    """Parity with aeon's own loader, which ts_format's docstring says why harbench does not use."""
    import aeon
    from aeon.datasets import load_from_ts_file

    path = Path(aeon.__file__).parent / "datasets" / "data" / "BasicMotions" / "BasicMotions_TRAIN.ts"
    ours = read_ts(path.read_text(), str(path))
    X, y = load_from_ts_file(str(path))
    np.testing.assert_array_equal(ours.X, X.transpose(0, 2, 1).astype(np.float32))
    assert [label.lower() for label in ours.labels] == list(y) and "Standing" in ours.labels


@pytest.mark.parametrize("text, message", [
    (HEADER.replace("@data\n", ""), r"toy.ts: malformed header, no @data line"),
    (HEADER.replace("@problemName Toy\n", ""), r"toy.ts: malformed header, @problemname missing"),
    (HEADER.replace("true walk run", "false"), "@classLabel must be 'true'"),
    (HEADER.replace("@equalLength true", "@equalLength false"), "different lengths"),
    (HEADER.replace("@timeStamps false", "@timeStamps true"), "time stamps are not supported"),
    (HEADER + "1,2,3:4,5,6:swim\n", r"toy.ts, line 11: class label 'swim' is not declared"),
    (HEADER + "1,2,3:walk\n", r"toy.ts, line 11: 1 dimensions, but @dimensions says 2"),
    (HEADER + "1,2,3:4,5:walk\n", r"toy.ts, line 11: ragged series"),
    (HEADER + "1,?,3:4,5,6:walk\n", r"toy.ts, line 11: a value is not a number"),
    (HEADER + "1,2,3:4,5,6:walk\n1,2,3,4:4,5,6,7:run\n", r"toy.ts, line 12: ragged series"),
    (HEADER, "toy.ts: no cases after @data"),
    ("1,2:walk\n@data\n", "toy.ts, line 1: data before the @data header"),
])
def test_malformed_or_unsupported_files_are_refused_naming_the_file(text, message):
    with pytest.raises(DataIntegrityError, match=message):
        read_ts(text, "toy.ts")


def test_basic_motions_loads_from_the_aeon_wheel_without_a_data_directory(monkeypatch):
    monkeypatch.delenv("HARBENCH_DATA_DIR", raising=False)
    windows = get_dataset("basic_motions").load()
    assert windows.X.shape == (80, 100, 6) and windows.fs == 10.0
    assert set(windows.classes) == {"Standing", "Running", "Walking", "Badminton"}
    assert windows.official_test.sum() == 40 and not windows.official_test[:40].any()
    assert windows.fingerprint == get_dataset("basic_motions").fingerprint()
    assert np.bincount(windows.y).tolist() == [20, 20, 20, 20]


def test_windowing_is_refused_for_fixed_length_series(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('datasets = ["basic_motions"]\nseeds = [0]\n[windowing]\nlength = 50\n[protocol]\n'
                    'name = "official"\n[pipelines."handcrafted+svm"]\n')
    with pytest.raises(Exception, match=r"\[windowing\] does not apply to \['basic_motions'\]"):
        load_suite(str(path))


@pytest.mark.slow
def test_the_quick_suite_runs_offline_and_reports(tmp_path, monkeypatch):
    """The shipped quick suite, with cheaper settings of the same pipelines, from a clean store."""
    from harbench.cli import main

    monkeypatch.delenv("HARBENCH_DATA_DIR", raising=False)
    text = (Path(__file__).resolve().parent.parent / "harbench" / "suites" / "quick.toml").read_text()
    text = text.replace("[pipelines.minirocket]", "[pipelines.minirocket]\nn_kernels = 504")
    text = text.replace("max_epochs = 60", "max_epochs = 10")
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "quick.toml").write_text(text)
    common = ["--suites-dir", str(suites), "--results-dir", str(tmp_path / "results")]
    assert main(["run", "quick", *common]) == 0
    assert main(["report", "quick", *common, "--reports-dir", str(tmp_path / "reports")]) == 0
    summary = pd.read_csv(tmp_path / "reports" / "quick.csv").set_index("pipeline")
    assert set(summary.index) == {"handcrafted+svm", "handcrafted+random_forest", "minirocket", "cnn"}
    assert summary.loc["minirocket", "accuracy_mean"] >= 0.9, "MiniRocket all but solves BasicMotions"
    page = (tmp_path / "reports" / "quick.md").read_text()
    assert "80 cases of 100 samples each, as published" in page and "test cases its TEST file" in page


def test_a_missing_uea_problem_names_the_archive_it_expects(tmp_path, monkeypatch):
    from harbench.errors import DatasetNotFoundError

    (tmp_path / "uea").mkdir()
    (tmp_path / "uea" / "NATOPS.zip").write_bytes(b"not this one")
    monkeypatch.setenv("HARBENCH_DATA_DIR", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match=r"uea/Epilepsy.zip: no data for 'Epilepsy'"):
        get_dataset("epilepsy").load()


def test_series_and_recording_datasets_share_one_load_signature_and_series_refuse_windowing():
    from harbench.datasets import get_dataset
    from harbench.errors import InputValidationError

    series, recordings = get_dataset("basic_motions"), get_dataset("uci_har")
    assert series.windowing({}) == {} and series.windowing({"length": None}) == {}
    assert recordings.windowing({}) == {"length": 128, "step": 64}
    assert recordings.windowing({"length": 200}) == {"length": 200, "step": 64}
    with pytest.raises(InputValidationError, match=r"basic_motions comes as fixed-length series.*'length': 64"):
        series.load(length=64)
    assert series.fingerprint() == series.fingerprint(**series.windowing({}))
