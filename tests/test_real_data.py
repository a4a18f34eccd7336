"""Integration tests on the real UCI HAPT archive (HARBENCH_DATA_DIR, e.g. ../shared/datasets).

Skipped when HARBENCH_DATA_DIR is unset; a failure, never a skip, when it is set but the data
is not there.
"""

import numpy as np
import pytest

from harbench.datasets import get_dataset
from harbench.datasets.protocols import make_protocol
from harbench.models import PipelineContext, make_pipeline

OFFICIAL_TEST_SUBJECTS = {2, 4, 9, 10, 12, 13, 18, 20, 24}

pytestmark = pytest.mark.slow  # every test here reads a real dataset


@pytest.fixture(scope="module")
def uci_har(real_data_dir):
    return get_dataset("uci_har").load()


def test_uci_har_has_30_subjects_6_classes_and_the_official_split(uci_har):
    assert uci_har.X.shape[1:] == (128, 6) and uci_har.fs == 50.0
    assert uci_har.classes == ("WALKING", "WALKING_UPSTAIRS", "WALKING_DOWNSTAIRS", "SITTING", "STANDING", "LAYING")
    assert set(uci_har.subjects) == set(range(1, 31))
    assert set(uci_har.subjects[uci_har.official_test]) == OFFICIAL_TEST_SUBJECTS
    # the classic UCI HAR release has 10,299 windows; cutting only inside labelled segments gives 10,411
    assert len(uci_har) == 10_411
    assert uci_har.class_counts()["WALKING"] == 1_722
    assert uci_har.fingerprint == get_dataset("uci_har").fingerprint()


def test_hapt_adds_six_postural_transitions(real_data_dir):
    hapt = get_dataset("hapt").load()
    assert len(hapt.classes) == 12 and hapt.classes[6] == "STAND_TO_SIT"
    assert len(hapt) == 10_929


def test_handcrafted_svm_reaches_the_published_level_on_the_official_split(uci_har):
    (split,) = make_protocol("official").splits(uci_har)
    train = np.concatenate([split.train, split.val])
    pipeline = make_pipeline("handcrafted+svm", PipelineContext(uci_har.fs, uci_har.channels, uci_har.units), 0)
    pipeline.fit(uci_har.X[train], uci_har.y[train])
    accuracy = (pipeline.predict(uci_har.X[split.test]) == uci_har.y[split.test]).mean()
    assert accuracy >= 0.94, f"Anguita et al. (2013) report ~0.96 with an SVM on engineered features; got {accuracy}"


@pytest.mark.parametrize("dataset, shape, n_classes, n_test", [
    ("epilepsy", (206, 3), 4, 138), ("racket_sports", (30, 6), 4, 152), ("natops", (51, 24), 6, 180),
    ("uwave_gesture", (315, 3), 8, 320), ("handwriting", (152, 3), 26, 850),
])
def test_uea_problems_load_with_the_archive_split(real_data_dir, dataset, shape, n_classes, n_test):
    if not (real_data_dir / "uea").is_dir():
        pytest.fail(f"HARBENCH_DATA_DIR={real_data_dir} is set but holds no uea/ folder of UEA problems.")
    windows = get_dataset(dataset).load()
    assert windows.X.shape[1:] == shape and len(windows.classes) == n_classes
    assert windows.official_test.sum() == n_test
    assert windows.fingerprint == get_dataset(dataset).fingerprint()


def test_fast_tsfresh_features_equal_tsfresh_own_on_real_windows(uci_har):
    """The whole efficient set on 20 real windows (120 series), against tsfresh's extractor."""
    from tsfresh import extract_features

    from harbench.features.tsfresh_set import TsfreshFeatures, _long_format, resolve_parameters

    X = uci_har.X[::521].astype(np.float64)
    ours = TsfreshFeatures(uci_har.channels, parameters="efficient", use_cache=False).extract(X)
    theirs = extract_features(_long_format(X, uci_har.channels), column_id="id", column_sort="time",
                              default_fc_parameters=resolve_parameters("efficient"), n_jobs=0,
                              disable_progressbar=True).sort_index()
    assert sorted(ours.columns) == sorted(theirs.columns)
    # atol: a regression's standard error on three chunk aggregates is ~1e-10 rounding where the fit is exact
    np.testing.assert_allclose(ours[theirs.columns].to_numpy(), theirs.to_numpy(), rtol=1e-6, atol=1e-9)
