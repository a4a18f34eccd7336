"""The suite files shipped in harbench/suites: all parse, and every dataset has its own suite."""

from pathlib import Path

import pytest

from harbench.runner.suite import load_suite

SUITES = Path(__file__).resolve().parent.parent / "harbench" / "suites"
PER_DATASET = ("usc_had", "basic_motions", "epilepsy", "racket_sports", "natops", "uwave_gesture", "handwriting",
               "mp_gestures", "hapt", "uci_har")
LINE_UP = {"handcrafted+svm", "handcrafted+logistic_regression", "handcrafted+random_forest", "handcrafted+xgboost",
           "minirocket", "cnn", "lstm"}  # and resnet wherever two cores afford it (all but usc_had)


@pytest.mark.parametrize("path", sorted(SUITES.glob("*.toml")), ids=lambda path: path.stem)
def test_every_shipped_suite_parses(path):
    assert load_suite(str(path)).name == path.stem


@pytest.mark.parametrize("dataset", PER_DATASET)
def test_each_dataset_has_a_suite_of_its_own_name_with_the_common_line_up(dataset):
    suite = load_suite(str(SUITES / f"{dataset}.toml"))
    assert suite.datasets == (dataset,)
    assert set(suite.pipelines) >= LINE_UP, f"{dataset} lacks {sorted(LINE_UP - set(suite.pipelines))}"
