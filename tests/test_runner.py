"""Suites, the results store, resuming, and reports, end to end on the synthetic archive."""

import json

import numpy as np
import pandas as pd
import pytest

from harbench.models.deep.checkpoint import STATE_VERSION, TrainingCheckpoint
from harbench.reporting.report import MissingResultsError, write_report
from harbench.runner import environment, execute, run
from harbench.runner.environment import GitState
from harbench.runner.run import run_suite
from harbench.runner.store import ResultStore
from harbench.runner.suite import load_suite
from tests.conftest import SYNTHETIC_ID, write_suite

SUITE = f"""
name = "tiny"
description = "Synthetic suite for tests."
datasets = ["{SYNTHETIC_ID}"]
seeds = [0, 1]
latency_calls = 10

[protocol]
name = "official"
val_fraction = 0.25

[pipelines."handcrafted+svm"]
learner = {{ C = 1.0 }}

[pipelines.cnn]
max_epochs = 4
filters = 8
dense_units = 8
"""


@pytest.fixture
def suite_file(tmp_path, synthetic_data_dir):
    return write_suite(tmp_path, SUITE)


def _write(tmp_path, text):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("edit, message", [
    (lambda s: "repeats = 3\n" + s, r"unknown key\(s\) \['repeats'\]"),
    (lambda s: s.replace("max_epochs = 4", "seed = 4"), "'seed' is set by the suite's seeds"),
    (lambda s: s.replace(f'"{SYNTHETIC_ID}"', '"uci_hra"'), "Unknown dataset id 'uci_hra'"),
    (lambda s: s.replace('"handcrafted+svm"', '"handcrafted+svn"'), "Unknown pipeline id 'handcrafted\\+svn'"),
    (lambda s: s.replace("max_epochs", "epochs"), r"pipeline 'cnn': unknown parameter\(s\) \['epochs'\]"),
    (lambda s: s.replace('name = "official"', 'name = "lopo"'), "Unknown protocol 'lopo'"),
    (lambda s: s.replace("seeds = [0, 1]", "seeds = []"), "at least one entry"),
])
def test_a_bad_suite_fails_before_any_work_naming_the_entry(tmp_path, suite_file, edit, message):
    path = _write(tmp_path, edit(SUITE))
    with pytest.raises(Exception, match=message) as error:
        load_suite(str(path))
    assert str(path) in str(error.value)


def test_unknown_suite_name_lists_the_known_suites(tmp_path, suite_file):
    with pytest.raises(Exception, match=r"Unknown suite 'tinny'.*Known suites .*: tiny"):
        load_suite("tinny", suite_file.parent)


@pytest.mark.slow
def test_runs_stores_reuses_and_reports(tmp_path, suite_file):
    suite = load_suite(str(suite_file))
    store = ResultStore(tmp_path / "results")
    logs = []

    first = run_suite(suite, store, log=logs.append)
    second = run_suite(suite, store, log=logs.append)

    assert (first.planned, first.computed) == (4, 4)
    assert (second.reused, second.computed) == (4, 0)
    assert "tiny: 4 cells: 4 reused, 0 computed." in logs[-1]

    paths = write_report(suite, store, tmp_path / "reports")
    summary = pd.read_csv(tmp_path / "reports" / "tiny.csv")
    assert list(summary.columns)[:12] == [  # the contract later issues rely on; extra columns follow
        "dataset", "protocol", "pipeline", "family", "n_runs", "accuracy_mean", "accuracy_std", "macro_f1_mean",
        "macro_f1_std", "fit_s_median", "predict_s_median", "latency_ms_median"]
    by_pipeline = summary.set_index("pipeline")
    assert by_pipeline.loc["handcrafted+svm", "n_features"] > 100 and by_pipeline.loc["cnn", "epochs_median"] >= 1
    assert set(summary["pipeline"]) == {"handcrafted+svm", "cnn"}
    assert summary.set_index("pipeline").loc["handcrafted+svm", "family"] == "classical"
    assert (summary["n_runs"] == 2).all() and summary["accuracy_mean"].between(0, 1).all()
    runs = pd.read_csv(tmp_path / "reports" / "tiny.runs.csv")
    assert len(runs) == 4 and {"fold", "seed", "accuracy", "fit_s", "latency_ms"} <= set(runs.columns)
    assert (runs["throughput_per_s"] > 0).all() and (runs["model_bytes"] > 0).all()
    assert runs.loc[runs["pipeline"] == "cnn", "n_parameters"].gt(0).all()
    figures = {path.name for path in (tmp_path / "reports" / "figures").iterdir()}
    assert figures == {f"tiny-{SYNTHETIC_ID}-official-{kind}.png" for kind in
                       ("accuracy-vs-fit-time", "per-class-f1", "confusion-classical", "confusion-deep",
                        "training-cnn")}
    page = (tmp_path / "reports" / "tiny.md").read_text()
    for expected in ("## Setup", "test subjects [5, 6]", "| WALKING |", "## Results", "`handcrafted+svm`",
                     "windows/s", "](figures/tiny-", "## Environment", "Data fingerprints"):
        assert expected in page
    assert [path.name for path in paths] == ["tiny.md", "tiny.csv", "tiny.runs.csv", "tiny.tex", "README.md",
                                             "summary.md"]
    tex = (tmp_path / "reports" / "tiny.tex").read_text()
    assert "\\toprule" in tex and "handcrafted+svm" in tex and "\\textbf{" in tex
    index = (tmp_path / "reports" / "README.md").read_text()
    assert "[tiny](tiny.md)" in index and "Synthetic suite for tests." not in index  # a reported suite shows its row


@pytest.mark.slow
def test_leave_one_subject_out_reports_folds_and_paired_tests(tmp_path, suite_file):
    text = SUITE.replace('name = "official"\nval_fraction = 0.25', 'name = "loso"\nval_fraction = 0.25')
    text = text.replace("seeds = [0, 1]", "seeds = [0]").replace('name = "tiny"', 'name = "tiny_loso"')
    text += "\n[pipelines.\"handcrafted+logistic_regression\"]\n"
    path = suite_file.parent / "tiny_loso.toml"
    path.write_text(text)
    suite = load_suite(str(path))
    store = ResultStore(tmp_path / "results")
    summary = run_suite(suite, store, log=lambda line: None)
    n_subjects = summary.planned // 3
    assert n_subjects >= 4

    write_report(suite, store, tmp_path / "reports", suite_file.parent)
    page = (tmp_path / "reports" / "tiny_loso.md").read_text()
    assert f"Accuracy per fold (mean over seeds) and the subjects each fold tests on; {n_subjects} folds" in page
    assert "Wilcoxon signed-rank" in page and "Holm" in page and " vs `cnn`" in page
    assert (tmp_path / "reports" / "figures" / f"tiny_loso-{SYNTHETIC_ID}-loso-critical-difference.png").is_file()
    index = (tmp_path / "reports" / "README.md").read_text()
    assert "[tiny_loso](tiny_loso.md)" in index and "`tiny`: Synthetic suite for tests. (no report yet" in index


@pytest.mark.slow
def test_a_changed_pipeline_config_recomputes_only_its_cells(tmp_path, suite_file):
    store = ResultStore(tmp_path / "results")
    run_suite(load_suite(str(suite_file)), store, log=lambda line: None)
    changed = _write(tmp_path, SUITE.replace("C = 1.0", "C = 2.0"))
    summary = run_suite(load_suite(str(changed)), store, log=lambda line: None)
    assert (summary.reused, summary.computed) == (2, 2)


@pytest.mark.slow
def test_an_interrupted_run_keeps_finished_cells_and_resumes(tmp_path, suite_file, monkeypatch):
    suite = load_suite(str(suite_file))
    store = ResultStore(tmp_path / "results")
    real_run_cell, calls = execute.run_cell, []

    def interrupted_after_two(*args, **kwargs):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(1)
        return real_run_cell(*args, **kwargs)

    monkeypatch.setattr("harbench.runner.executors.run_cell", interrupted_after_two)
    with pytest.raises(KeyboardInterrupt):
        run_suite(suite, store, log=lambda line: None)
    monkeypatch.setattr("harbench.runner.executors.run_cell", real_run_cell)

    records = list((tmp_path / "results" / "cells").glob("*.json"))
    assert len(records) == 2 and all(json.loads(path.read_text())["accuracy"] >= 0 for path in records)
    assert {path.stem for path in (tmp_path / "results" / "cells").glob("*.npz")} == {path.stem for path in records}
    assert not list((tmp_path / "results").rglob("*.tmp"))
    resumed = run_suite(suite, store, log=lambda line: None)
    assert (resumed.reused, resumed.computed) == (2, 2)


@pytest.mark.slow
def test_a_run_killed_in_a_long_fit_resumes_it_from_its_last_epoch(tmp_path, suite_file, monkeypatch):
    """The cnn cell is interrupted after its 2nd epoch; the rerun resumes it, stores the result an
    uninterrupted run stores, says it resumed, and deletes the training state."""
    suite = load_suite(str(suite_file))
    uninterrupted = ResultStore(tmp_path / "uninterrupted")
    run_suite(suite, uninterrupted, pipelines=["cnn"], seeds=[0], log=lambda line: None)
    store = ResultStore(tmp_path / "results")
    save = TrainingCheckpoint.save

    def save_then_interrupt(self, run, state, arrays):
        save(self, run, state, arrays)
        if state["epochs"] == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(TrainingCheckpoint, "due", lambda self: True)  # save after every epoch
    monkeypatch.setattr(TrainingCheckpoint, "save", save_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_suite(suite, store, pipelines=["cnn"], seeds=[0], log=lambda line: None)
    checkpoints = tmp_path / "results" / "training-checkpoints"
    [folder] = [path for path in checkpoints.iterdir() if path.is_dir()]
    assert (checkpoints / ".gitignore").read_text().splitlines()[-1] == "*"
    assert store.stored_keys() == []

    monkeypatch.setattr(TrainingCheckpoint, "save", save)
    lines = []
    monkeypatch.setattr(execute, "STATE_VERSION", STATE_VERSION + 1)
    run_suite(suite, store, pipelines=["cnn"], seeds=[0], dry_run=True, log=lines.append)
    assert lines[-1].endswith(" (its training state, saved in another format by older harbench code, is discarded)")
    monkeypatch.setattr(execute, "STATE_VERSION", STATE_VERSION)
    # a later clean commit (say, one that added results) resumes it: the cell's key is the same
    later_commit = GitState("1" * 40, True)
    for module in (environment, execute, run):
        monkeypatch.setattr(module, "git_state", lambda: later_commit)
    run_suite(suite, store, pipelines=["cnn"], seeds=[0], dry_run=True, log=lines.append)
    assert "/cnn/seed 0 " in lines[-1] and lines[-1].endswith(" (resumes its saved training state: selection 2 "
                                                              "epochs)")
    run_suite(suite, store, pipelines=["cnn"], seeds=[0], log=lines.append)
    [key] = store.stored_keys()
    record, expected = store.load(key), uninterrupted.load(key)
    assert record["training_checkpoint"]["resumed_epochs"] == 2 and expected["training_checkpoint"] is None
    assert record["training_checkpoint"]["saved_at_commits"] == ["0" * 40]
    assert record["provenance"]["git_commit"] == "1" * 40
    assert record["fit_s"] > record["training_checkpoint"]["seconds_before"] > 0
    predictions, expected_predictions = store.load_predictions(key), uninterrupted.load_predictions(key)
    assert np.array_equal(predictions.proba, expected_predictions.proba)
    assert (record["history"], record["selected_epochs"]) == (expected["history"], expected["selected_epochs"])
    assert any("(resumed after 2 epochs)" in line for line in lines)
    assert not folder.exists()
    run_suite(suite, store, log=lambda line: None)
    write_report(suite, store, tmp_path / "reports")
    assert ("1 of 4 runs were trained over more than one process (interrupted mid-fit, each resumed from its last "
            "saved epoch to the weights an uninterrupted fit gives): `cnn` fold 0 seed 0 (2 epochs resumed)."
            in (tmp_path / "reports" / "tiny.md").read_text())


@pytest.mark.slow
def test_a_run_on_a_dirty_tree_keeps_no_training_state(tmp_path, suite_file, monkeypatch):
    """Uncommitted code is not named by the commit a training state is kept under, so a state
    saved from it could be resumed by other code: none is saved."""
    monkeypatch.setattr(execute, "git_state", lambda: GitState("0" * 40, False, ("harbench/models/deep/cnn.py",)))

    def no_saving(self, run, state, arrays):
        raise AssertionError("a training state was saved from a dirty tree")

    monkeypatch.setattr(TrainingCheckpoint, "save", no_saving)
    store = ResultStore(tmp_path / "results")
    run_suite(load_suite(str(suite_file)), store, pipelines=["cnn"], seeds=[0], allow_dirty=True,
              log=lambda line: None)
    assert len(store.stored_keys()) == 1


@pytest.mark.slow
def test_a_report_is_never_partial(tmp_path, suite_file):
    suite = load_suite(str(suite_file))
    store = ResultStore(tmp_path / "results")
    with pytest.raises(MissingResultsError, match="run `harbench run tiny` first"):
        write_report(suite, store, tmp_path / "reports")
    run_suite(suite, store, pipelines=["handcrafted+svm"], log=lambda line: None)
    with pytest.raises(MissingResultsError, match="2 of 4 cells have no stored result"):
        write_report(suite, store, tmp_path / "reports")
    assert not (tmp_path / "reports").exists()


@pytest.mark.slow
def test_same_seed_reproduces_a_cell_exactly(tmp_path, suite_file):
    suite = load_suite(str(suite_file))
    first, second = ResultStore(tmp_path / "a"), ResultStore(tmp_path / "b")
    run_suite(suite, first, pipelines=["cnn"], seeds=[0], log=lambda line: None)
    run_suite(suite, second, pipelines=["cnn"], seeds=[0], log=lambda line: None)
    (key,) = [path.stem for path in (tmp_path / "a" / "cells").glob("*.json")]
    assert first.load(key)["confusion_matrix"] == second.load(key)["confusion_matrix"]
    assert first.load(key)["history"]["loss"] == second.load(key)["history"]["loss"]


@pytest.mark.slow
def test_results_record_where_and_how_they_were_measured(tmp_path, suite_file):
    store = ResultStore(tmp_path / "results")
    run_suite(load_suite(str(suite_file)), store, pipelines=["handcrafted+svm"], seeds=[0], log=lambda line: None)
    (path,) = (tmp_path / "results" / "cells").glob("*.json")
    environment = json.loads(path.read_text())["environment"]
    assert {"numpy", "scikit-learn", "keras"} <= set(environment["packages"])
    assert environment["cpu"] and environment["cpus_available"] >= 1 and environment["executor"] == "in-process"
    assert environment["git_commit"] and environment["git_clean"] is True, "the commit the run came from"


def test_progress_lines_show_a_bar_counts_and_an_eta():
    from harbench.runner.progress import Progress

    ticks = iter([0.0, 30.0, 60.0])
    lines = []
    progress = Progress(4, lines.append, clock=lambda: next(ticks))
    progress.advance("first")
    progress.advance("second")
    assert lines[0] == "[#####...............] 1/4  25 %  elapsed 30s, about 1m 30s left  first"
    assert lines[1].startswith("[##########..........] 2/4  50 %  elapsed 1m 00s, about 1m 00s left")


CLASSICAL_SUITE = (SUITE.split("[pipelines.cnn]")[0]
                   + '[pipelines."handcrafted+random_forest"]\nlearner = { n_estimators = 50 }\n'
                   + '[pipelines."handcrafted+logistic_regression"]\n')


def _accuracies(store: ResultStore) -> tuple[dict, set, set]:
    records = [json.loads(path.read_text()) for path in (store.root / "cells").glob("*.json")]
    return ({(r["pipeline"], r["seed"], r["fold"]): r["accuracy"] for r in records},
            {r["environment"]["executor"] for r in records},
            {r["environment"]["thread_pools"].get("openblas") for r in records})


@pytest.mark.slow
@pytest.mark.parametrize("executor_args", [{"jobs": 2}, {"dask": True}], ids=["joblib", "dask-localcluster"])
def test_executors_give_the_in_process_classical_accuracies(tmp_path, suite_file, executor_args):
    from harbench.runner.executors import make_executor

    suite_file.write_text(CLASSICAL_SUITE)
    suite = load_suite(str(suite_file))
    reference, worker = ResultStore(tmp_path / "in-process"), ResultStore(tmp_path / "workers")
    run_suite(suite, reference, log=lambda line: None)
    logs = []
    summary = run_suite(suite, worker, log=logs.append, executor=make_executor(**executor_args))
    assert summary.computed == 6 and "[####################] 6/6 100 %" in logs[-2]
    expected, _, in_process_blas = _accuracies(reference)
    got, labels, worker_blas = _accuracies(worker)
    assert got == expected
    assert labels == {make_executor(**executor_args).label} and labels != {"in-process"}
    assert worker_blas == in_process_blas, "workers compute with the run's own BLAS thread count"


def test_executor_options_are_exclusive_and_checked():
    from harbench.runner.executors import ExecutorError, make_executor

    with pytest.raises(ExecutorError, match="Choose one of --jobs, --dask and --dask-scheduler"):
        make_executor(jobs=2, dask=True)
    with pytest.raises(ExecutorError, match="--jobs must be at least 1"):
        make_executor(jobs=0)


def test_a_saved_training_state_is_resumed_only_under_the_identity_its_cell_trains_under(tmp_path):
    """The dry run's prediction names what `TrainingCheckpoint` will do: resume an identical
    identity, discard one of another format or another computation."""
    identity = {"key": "k", "state_version": STATE_VERSION, "cell": "tiny/cnn/seed 0", "dataset": "tiny"}
    assert run._fate(dict(identity), identity, tmp_path) == " (resumes its saved training state: )"
    older = {**identity, "state_version": STATE_VERSION - 1}
    assert "saved in another format by older harbench code, is discarded" in run._fate(older, identity, tmp_path)
    relabelled = {**identity, "cell": "tiny/cnn/seed 1"}
    assert run._fate(relabelled, identity, tmp_path) == (" (its training state, saved for another computation "
                                                          "(cell differ), is discarded)")
