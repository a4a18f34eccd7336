"""Pipelines restricted to some of a suite's datasets, and the late fusion of two modalities."""

import numpy as np
import pytest

from harbench.errors import DataIntegrityError, SuiteError
from harbench.reporting.fusion import fused_scores, fusion_lines
from harbench.runner.predictions import Predictions
from harbench.runner.suite import check_suite


def _raw(**pipelines):
    return {"name": "pair", "datasets": ["basic_motions", "epilepsy"], "seeds": [0], "protocol": {"name": "official"},
            "pipelines": pipelines or {"minirocket": {}, "handcrafted+svm": {"datasets": ["epilepsy"]}}}


def test_a_pipeline_runs_only_on_the_datasets_it_names():
    suite = check_suite(_raw(), "pair.toml")
    assert suite.runs_on("minirocket", "basic_motions") and suite.runs_on("minirocket", "epilepsy")
    assert suite.runs_on("handcrafted+svm", "epilepsy") and not suite.runs_on("handcrafted+svm", "basic_motions")
    assert "datasets" not in suite.pipelines["handcrafted+svm"]


@pytest.mark.parametrize("pipelines, message", [
    ({"minirocket": {"datasets": ["natops"]}}, r"runs on \['natops'\], none of the suite's datasets"),
    ({"minirocket": {"datasets": "epilepsy"}}, "'datasets' must list dataset ids"),
    ({"minirocket": {"datasets": ["uci_hra"]}}, "Unknown dataset id 'uci_hra'"),
])
def test_a_bad_restriction_is_named(pipelines, message):
    with pytest.raises(SuiteError, match=message):
        check_suite(_raw(**pipelines), "pair.toml")


def test_fusion_pairs_are_checked_against_the_pipelines_and_their_datasets():
    pairs = [["minirocket", "handcrafted+svm"]]
    raw = {**_raw(), "fusion": {"datasets": ["basic_motions", "epilepsy"], "pairs": pairs}}
    assert check_suite(raw, "pair.toml").fusion["pairs"] == (("minirocket", "handcrafted+svm"),)
    raw["fusion"]["pairs"] = [["handcrafted+svm", "minirocket"]]
    with pytest.raises(SuiteError, match=r"'handcrafted\+svm' is not a pipeline of the suite that runs on basic_m"):
        check_suite(raw, "pair.toml")
    raw["fusion"] = {"datasets": ["basic_motions"], "pairs": [["minirocket", "minirocket"]]}
    with pytest.raises(SuiteError, match="needs datasets = two of the suite's datasets"):
        check_suite(raw, "pair.toml")


def _predictions(proba, y_true=(0, 1, 1, 0)) -> Predictions:
    proba = np.asarray(proba, dtype=np.float32)
    return Predictions(np.arange(4), np.array([1, 1, 2, 2]), np.array(y_true), proba.argmax(axis=1), proba)


def test_late_fusion_averages_the_two_modalities_probabilities_trial_by_trial():
    inertial = _predictions([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.45, 0.55]])  # trials 1 and 3 wrong
    skeleton = _predictions([[0.4, 0.6], [0.1, 0.9], [0.45, 0.55], [0.9, 0.1]])  # trial 0 wrong
    assert fused_scores(inertial, skeleton, 2, "fold 0") == (1.0, 1.0)
    records = [{"key": "a", "dataset": "inertial", "pipeline": "p", "fold": 0, "seed": 0, "accuracy": 0.5},
               {"key": "b", "dataset": "skeleton", "pipeline": "q", "fold": 0, "seed": 0, "accuracy": 0.75}]
    lines = "\n".join(fusion_lines({"datasets": ("inertial", "skeleton"), "pairs": (("p", "q"),)}, records,
                                   {"a": inertial, "b": skeleton}, n_classes=2))
    assert "| `p` + `q` | 0.5000 | 0.7500 | 1.0000 | +0.2500 | 1.0000 |" in lines


def test_predictions_of_different_trials_are_not_fused():
    with pytest.raises(DataIntegrityError, match="test items differ"):
        fused_scores(_predictions([[1, 0]] * 4), _predictions([[1, 0]] * 4, y_true=(1, 1, 1, 0)), 2, "fold 0")


def test_a_suite_extending_one_modality_leaves_out_the_fusion_and_the_other_modalitys_pipelines():
    from harbench.runner.suite import load_suite

    inertial = load_suite("utd_mhad_inertial")
    assert inertial.fusion == {} and inertial.datasets == ("utd_mhad_inertial",)
    assert "skeleton+svm" not in inertial.pipelines and "handcrafted+svm" in inertial.pipelines
    assert load_suite("utd_mhad").fusion["pairs"][0] == ("handcrafted+random_forest", "skeleton+random_forest")
