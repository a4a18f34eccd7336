"""The suite files shipped in harbench/suites: all parse, and every dataset has its own suite."""

import subprocess
import sys
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


@pytest.mark.slow  # a fresh Python process: about 4 s
def test_reading_every_shipped_suite_imports_no_framework_and_not_tsfresh():
    """Reading and checking a suite (what a run with nothing to compute does before it finds
    every cell stored) must stay cheap: importing tsfresh or a deep-learning framework costs
    seconds each, so a fresh process reads all shipped suites and lists what it imported."""
    heavy = ("tsfresh", "keras", "tensorflow", "jax", "torch", "aeon")
    code = ("import sys; from pathlib import Path; from harbench.runner.suite import load_suite\n"
            f"for path in sorted(Path({str(SUITES)!r}).glob('*.toml')): load_suite(str(path))\n"
            f"print(sorted(name for name in {heavy!r} if name in sys.modules))")
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                              cwd=SUITES.parent.parent)
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert finished.stdout.strip() == "[]", finished.stdout
