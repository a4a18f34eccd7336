"""Robustness suites: every cell's model scored on perturbed test windows, stored as cells."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from harbench.errors import SuiteError
from harbench.reporting.report import write_report
from harbench.runner.prune import prune
from harbench.runner.run import run_suite
from harbench.runner.store import ResultStore
from harbench.runner.suite import load_suite
from harbench.runner.verify import verify_suite
from tests.conftest import SYNTHETIC_ID
from tests.test_report_cache import SUITE as TINY_SUITE

STANDARD = TINY_SUITE  # one classical pipeline with probabilities, seed 0

ROBUSTNESS = """
extends = "tiny"
name = "tiny_robustness"

[perturbations]
seed = 3
gaussian_noise = [20, 5]
rotation = [90]
"""


@pytest.fixture
def suites(tmp_path, synthetic_data_dir):
    folder = tmp_path / "suites"
    folder.mkdir()
    (folder / "tiny.toml").write_text(STANDARD)
    (folder / "tiny_robustness.toml").write_text(ROBUSTNESS)
    return folder


@pytest.mark.slow
def test_a_robustness_suite_reuses_the_clean_cells_and_stores_one_cell_per_perturbation(tmp_path, suites):
    store = ResultStore(tmp_path / "results")
    standard = load_suite("tiny", suites)
    robustness = load_suite("tiny_robustness", suites)
    assert robustness.pipelines == standard.pipelines and robustness.protocol == standard.protocol

    run_suite(standard, store, log=lambda line: None)
    (clean_key,) = store.stored_keys()
    clean = store.load(clean_key)
    logs = []
    summary = run_suite(robustness, store, log=logs.append)

    assert (summary.planned, summary.reused, summary.computed) == (4, 1, 3)
    assert "tiny_robustness: 4 cells (3 of them robustness cells), 1 reused" in logs[0]
    assert store.load(clean_key) == clean, "a stored clean cell is kept as it is"
    perturbed = [store.load(key) for key in store.stored_keys() if key != clean_key]
    assert sorted((record["perturbation"]["name"], record["perturbation"]["severity"]) for record in perturbed) == [
        ("gaussian_noise", 5), ("gaussian_noise", 20), ("rotation", 90)]
    for record in perturbed:
        assert record["clean_key"] == clean_key and record["perturbation"]["seed"] == 3
        assert record["clean_accuracy"] == clean["accuracy"], "the same fitted model scored clean and perturbed"
        assert record["perturbation"]["version"] >= 1
        predictions = store.load_predictions(record["key"])
        assert np.array_equal(predictions.test_index, store.load_predictions(clean_key).test_index)
    noisiest = next(r for r in perturbed if r["perturbation"]["name"] == "gaussian_noise"
                    and r["perturbation"]["severity"] == 5)
    assert noisiest["accuracy"] <= clean["accuracy"]
    assert run_suite(robustness, store, log=lambda line: None).computed == 0


@pytest.mark.slow
def test_models_without_a_stored_clean_result_are_computed_before_refits_for_perturbations_only(tmp_path, suites):
    (suites / "tiny.toml").write_text(STANDARD.replace("seeds = [0]", "seeds = [0, 1]"))
    store = ResultStore(tmp_path / "results")
    run_suite(load_suite("tiny", suites), store, seeds=[0], log=lambda line: None)
    logs = []
    run_suite(load_suite("tiny_robustness", suites), store, log=logs.append)
    finished = [line for line in logs if "perturbed test sets" in line]
    assert len(finished) == 2
    assert "seed 1" in finished[0] and "seed 0" in finished[1], finished


@pytest.mark.slow
def test_robustness_cells_are_verified_like_any_other(tmp_path, suites):
    store = ResultStore(tmp_path / "results")
    suite = load_suite("tiny_robustness", suites)
    run_suite(suite, store, log=lambda line: None)
    verdicts = verify_suite(suite, store, log=lambda line: None)
    assert [verdict.status for verdict in verdicts] == ["identical"] * 4
    perturbed_key = next(verdict.key for verdict in verdicts if "under rotation 90" in verdict.label)
    record = store.load(perturbed_key)
    predictions = store.load_predictions(perturbed_key)
    flipped = predictions.y_pred.copy()
    flipped[0] = (flipped[0] + 1) % len(record["per_class_f1"])
    store.save(perturbed_key, record, type(predictions)(predictions.test_index, predictions.subjects,
                                                          predictions.y_true, flipped, predictions.proba))
    statuses = {verdict.key: verdict.status for verdict in verify_suite(suite, store, log=lambda line: None)}
    assert statuses[perturbed_key] == "mismatch" and list(statuses.values()).count("identical") == 3


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace("rotation = [90]", "rotation = [45]"), r"rotation: severity 45 is not on its standard scale"),
    (lambda s: s.replace("rotation = [90]", "shaking = [1]"), "Unknown perturbation 'shaking'"),
    (lambda s: s.replace("seed = 3", "seed = -1"), "seed must be a non-negative integer"),
    (lambda s: s + "\n[pipelines.cnn]\n", r"may set only .*\['pipelines'\] come from the suite it extends"),
])
def test_a_bad_robustness_suite_is_refused_naming_the_entry(suites, edit, message):
    (suites / "tiny_robustness.toml").write_text(edit(ROBUSTNESS))
    with pytest.raises(SuiteError, match=message):
        load_suite("tiny_robustness", suites)


@pytest.mark.slow
def test_the_robustness_report_shows_every_perturbation_the_drop_and_the_most_robust_per_family(tmp_path, suites):
    store = ResultStore(tmp_path / "results")
    suite = load_suite("tiny_robustness", suites)
    run_suite(suite, store, log=lambda line: None)
    paths = write_report(suite, store, tmp_path / "reports", suites)

    assert tmp_path / "reports" / "tiny_robustness.robustness.csv" in paths
    table = pd.read_csv(tmp_path / "reports" / "tiny_robustness.robustness.csv")
    assert sorted(zip(table["perturbation"], table["severity"].astype(str), strict=True)) == [
        ("gaussian_noise", "20"), ("gaussian_noise", "5"), ("rotation", "90")]
    assert np.allclose(table["drop_mean"], table["clean_accuracy_mean"] - table["accuracy_mean"])
    page = (tmp_path / "reports" / "tiny_robustness.md").read_text()
    for expected in ("## Robustness", "**gaussian_noise** (signal-to-noise ratio in dB)", "**rotation**",
                     "Most robust pipeline of each family", "| classical | `handcrafted+logistic_regression` |",
                     "Calibration under shift", "robustness-rotation.png"):
        assert expected in page
    figure = f"tiny_robustness-{SYNTHETIC_ID}-official-robustness-rotation.png"
    assert (tmp_path / "reports" / "figures" / figure).is_file()


@pytest.mark.slow
def test_pruning_a_standard_suite_keeps_its_robustness_cells_and_the_other_way_round(tmp_path, suites):
    store = ResultStore(tmp_path / "results")
    (suites / "tiny.toml").write_text(STANDARD.replace("seeds = [0]", "seeds = [0, 1]"))
    standard, robustness = load_suite("tiny", suites), load_suite("tiny_robustness", suites)
    robustness = dataclasses.replace(robustness, seeds=(0,))
    run_suite(standard, store, log=lambda line: None)
    run_suite(robustness, store, log=lambda line: None)
    assert len(store.stored_keys()) == 2 + 3

    assert prune([standard], store, log=lambda line: None) == []
    assert prune([robustness], store, log=lambda line: None) == [], "seed 1's clean cell is the standard suite's"
    fewer = dataclasses.replace(robustness, perturbations={"rotation": (90,)})
    assert len(prune([fewer], store, log=lambda line: None)) == 2
    assert len(store.stored_keys()) == 2 + 1


def test_a_refit_that_differs_from_the_stored_clean_result_is_named_with_both_processors():
    from harbench.reporting.robustness import refit_lines, robustness_runs

    def scored(pipeline: str, clean_accuracy: float, cpu: str, severity: float) -> dict:
        return {"dataset": "d", "protocol": "official", "pipeline": pipeline, "family": "deep", "fold": 0,
                "seed": 0, "perturbation": {"name": "gaussian_noise", "severity": severity}, "accuracy": 0.5,
                "clean_accuracy": clean_accuracy, "clean_key": f"{pipeline}-clean", "macro_f1": 0.5, "ece": 0.1,
                "environment": {"cpu": cpu}}

    clean = {"cnn-clean": {"accuracy": 0.9222, "ece": 0.02, "environment": {"cpu": "Intel Xeon"}},
             "lstm-clean": {"accuracy": 0.9075, "ece": 0.04, "environment": {"cpu": "Intel Xeon"}}}
    runs = robustness_runs([scored("cnn", 0.9139, "AMD EPYC", severity) for severity in (30, 20)]
                           + [scored("lstm", 0.9075, "AMD EPYC", 30)], clean)
    (note, _) = refit_lines(runs)
    assert "`cnn` (0.9139 here, 0.9222 above)" in note and "`lstm`" not in note
    assert "on AMD EPYC, the results above on Intel Xeon" in note
    assert refit_lines(runs[runs["pipeline"] == "lstm"]) == []
