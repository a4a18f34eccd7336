"""Provenance: what a cell's key holds, clean-tree refusal, stored predictions, `harbench
verify`, and that no pipeline ever trains on a test window."""

import hashlib

import numpy as np
import pytest

from harbench.cli import main
from harbench.errors import SuiteError
from harbench.experiment import SuiteData, plan_cells
from harbench.features.handcrafted import HandcraftedFeatures
from harbench.models import registry
from harbench.models.base import WindowClassifier
from harbench.runner import execute, run
from harbench.runner.environment import GitState
from harbench.runner.run import DirtyTreeError, run_suite
from harbench.runner.store import ResultStore
from harbench.runner.suite import load_suite
from harbench.runner.verify import verify_suite
from tests.conftest import SYNTHETIC_ID, write_suite

SUITE = f"""
name = "tiny"
datasets = ["{SYNTHETIC_ID}"]
seeds = [0, 1]
latency_calls = 3

[protocol]
name = "official"
val_fraction = 0.25

[pipelines."handcrafted+svm"]
learner = {{ C = 1.0 }}

[pipelines."handcrafted+random_forest"]
learner = {{ n_estimators = 20 }}

[pipelines.minirocket]
n_kernels = 84

[pipelines.cnn]
max_epochs = 3
filters = 8
dense_units = 8
"""


@pytest.fixture
def suite(tmp_path, synthetic_data_dir):
    return load_suite(str(write_suite(tmp_path, SUITE)))


def _keys(suite, store, **selection) -> dict[str, str]:
    return {item.cell.label(): item.cell.key for item in plan_cells(suite, SuiteData(suite, store), **selection)}


def test_a_cell_key_changes_with_the_version_of_every_component(suite, tmp_path, monkeypatch):
    store = ResultStore(tmp_path / "results")
    before = _keys(suite, store)
    monkeypatch.setattr(HandcraftedFeatures, "version", 2)
    features_bumped = _keys(suite, store)
    changed = {label for label in before if before[label] != features_bumped[label]}
    assert changed == {label for label in before if "handcrafted" in label}
    learner = registry._LEARNERS["svm"]
    monkeypatch.setitem(registry._LEARNERS, "svm", registry._Learner(learner.factory, learner.needs_scaling,
                                                                      learner.search_grid, learner.version + 1))
    learner_bumped = _keys(suite, store)
    assert {label for label in before if features_bumped[label] != learner_bumped[label]} == \
        {label for label in before if "handcrafted+svm" in label}


def test_a_compute_sensitive_cell_is_keyed_by_its_backend_device_and_threads(suite, tmp_path):
    store = ResultStore(tmp_path / "results")
    planned = {item.cell.pipeline: item.cell for item in
               plan_cells(suite, SuiteData(suite, store), seeds=[0], threads=2)}
    assert planned["handcrafted+svm"].compute is None and planned["minirocket"].compute is None
    assert {"backend", "device"} <= set(planned["cnn"].compute) and planned["cnn"].compute["threads"] == 2
    on_one_thread = {item.cell.pipeline: item.cell.key for item in
                     plan_cells(suite, SuiteData(suite, store), seeds=[0], threads=1)}
    assert on_one_thread["cnn"] != planned["cnn"].key
    assert on_one_thread["handcrafted+svm"] == planned["handcrafted+svm"].key


@pytest.mark.slow
def test_run_refuses_a_dirty_checkout_unless_allowed_and_records_the_state(suite, tmp_path, monkeypatch):
    from harbench.runner import environment

    dirty = GitState("a" * 40, False, ("harbench/features/handcrafted.py",))
    for module in (environment, run):
        monkeypatch.setattr(module, "git_state", lambda: dirty)
    store = ResultStore(tmp_path / "results")
    refusal = r"uncommitted changes \(harbench/features/handcrafted.py\).*--allow-dirty"
    with pytest.raises(DirtyTreeError, match=refusal):
        run_suite(suite, store, pipelines=["handcrafted+svm"], seeds=[0], log=lambda line: None)
    assert not store.stored_keys()
    run_suite(suite, store, pipelines=["handcrafted+svm"], seeds=[0], log=lambda line: None, allow_dirty=True)
    (key,) = store.stored_keys()
    provenance = store.load(key)["provenance"]
    assert provenance["git_commit"] == "a" * 40 and provenance["tree_clean"] is False
    assert provenance["components"] == {"pipeline:features+learner": 1, "features:handcrafted": 1, "learner:svm": 1}


def test_seeds_or_pipelines_the_suite_lacks_are_refused_naming_what_it_has(suite, tmp_path):
    store = ResultStore(tmp_path / "results")
    with pytest.raises(SuiteError, match=r"no seed\(s\) \[97\] in the suite; it has \[0, 1\]"):
        run_suite(suite, store, seeds=[97], log=lambda line: None)
    with pytest.raises(SuiteError, match=r"no pipeline\(s\) \['lstm'\].*it has handcrafted\+svm"):
        run_suite(suite, store, pipelines=["lstm"], log=lambda line: None)


@pytest.mark.slow
def test_each_cell_stores_its_per_window_predictions(suite, tmp_path, synthetic_data_dir):
    store = ResultStore(tmp_path / "results")
    run_suite(suite, store, pipelines=["handcrafted+svm", "handcrafted+random_forest"], seeds=[0],
              log=lambda line: None)
    data = SuiteData(suite, store)
    windows, (split,) = data.windows(SYNTHETIC_ID), data.splits(SYNTHETIC_ID)
    for key in store.stored_keys():
        record, predictions = store.load(key), store.load_predictions(key)
        np.testing.assert_array_equal(predictions.test_index, split.test)
        np.testing.assert_array_equal(predictions.y_true, windows.y[split.test])
        np.testing.assert_array_equal(predictions.subjects, windows.subjects[split.test])
        assert record["accuracy"] == pytest.approx(np.mean(predictions.y_pred == predictions.y_true))
        if record["pipeline"] == "handcrafted+svm":  # an SVC without Platt scaling gives no probabilities
            assert predictions.proba is None
        else:
            assert predictions.proba.shape == (len(split.test), len(windows.classes))
            np.testing.assert_allclose(predictions.proba.sum(axis=1), 1.0, rtol=1e-5)


def _window_digests(X: np.ndarray) -> set[bytes]:
    return {hashlib.sha256(window.tobytes()).digest() for window in np.asarray(X, dtype=np.float32)}


@pytest.mark.slow
def test_no_pipeline_fit_ever_receives_a_test_window(suite, tmp_path, monkeypatch):
    seen: list[set[bytes]] = []
    real_fit = WindowClassifier.fit

    def recording_fit(self, X, y, X_val=None, y_val=None, groups=None):
        seen.append(_window_digests(X) | (_window_digests(X_val) if X_val is not None else set()))
        return real_fit(self, X, y, X_val, y_val, groups)

    monkeypatch.setattr(WindowClassifier, "fit", recording_fit)
    monkeypatch.setattr(execute, "_WARMED_UP", set())
    store = ResultStore(tmp_path / "results")
    run_suite(suite, store, seeds=[0], log=lambda line: None)
    data = SuiteData(suite, store)
    windows, (split,) = data.windows(SYNTHETIC_ID), data.splits(SYNTHETIC_ID)
    test_windows = _window_digests(windows.X[split.test])
    assert len(seen) == 2 * len(suite.pipelines), "one warm-up fit and one real fit per pipeline"
    assert all(fitted and not fitted & test_windows for fitted in seen)


@pytest.mark.slow
def test_one_off_costs_are_paid_once_per_process_and_recorded_apart(suite, tmp_path, monkeypatch):
    monkeypatch.setattr(execute, "_WARMED_UP", set())
    store = ResultStore(tmp_path / "results")
    run_suite(suite, store, pipelines=["handcrafted+svm"], log=lambda line: None)
    one_off = sorted((store.load(key)["seed"], store.load(key)["one_off_s"]) for key in store.stored_keys())
    assert one_off[0][1] > 0 and one_off[1][1] is None


def test_a_warm_up_fit_searches_only_the_first_value_of_each_grid(suite, tmp_path, monkeypatch):
    made = []

    def recording(*args, **kwargs):
        made.append(registry.make_pipeline(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(execute, "make_pipeline", recording)
    monkeypatch.setattr(execute, "_WARMED_UP", set())
    data = SuiteData(suite, ResultStore(tmp_path / "results"))
    windows, (split,) = data.windows(SYNTHETIC_ID), data.splits(SYNTHETIC_ID)
    config = {"search": {"folds": 2, "grid": {"C": [1.0, 10.0]}, "features": {"n_bands": [4, 8], "ar_order": [2]}}}
    assert execute.warm_up("handcrafted+svm@nested", 0, config, windows, split) > 0
    (pipeline,) = made
    assert pipeline.search_grid == {"C": [1.0]} and pipeline.feature_grid == {"n_bands": [4], "ar_order": [2]}
    assert pipeline.best_params_ == {"features__ar_order": 2, "features__n_bands": 4, "learner__C": 1.0}


@pytest.mark.slow
def test_latency_and_throughput_are_measured_single_threaded(suite, tmp_path, synthetic_data_dir):
    from threadpoolctl import threadpool_info

    store = ResultStore(tmp_path / "results")
    data = SuiteData(suite, store)
    windows, (split,) = data.windows(SYNTHETIC_ID), data.splits(SYNTHETIC_ID)
    pipeline, _, _ = execute.fit_on_split("handcrafted+random_forest", 0, {"learner": {"n_estimators": 5}},
                                          windows, split)
    threads_seen = []
    real_predict = pipeline.predict

    def recording_predict(X):
        threads_seen.append({pool["num_threads"] for pool in threadpool_info()})
        return real_predict(X)

    pipeline.predict = recording_predict
    execute.single_threaded_costs(pipeline, windows.X[split.test], latency_calls=3)
    assert pipeline.learner_.n_jobs == 1 and pipeline.features_.n_jobs == 1
    assert threads_seen and all(seen <= {1} for seen in threads_seen)


@pytest.mark.slow
def test_verify_finds_every_cell_identical_then_catches_an_unversioned_change(suite, tmp_path, monkeypatch, capsys):
    store = ResultStore(tmp_path / "results")
    selection = {"pipelines": ["handcrafted+svm", "minirocket"], "seeds": [0]}
    run_suite(suite, store, log=lambda line: None, **selection)
    verdicts = verify_suite(suite, store, log=lambda line: None, **selection)
    assert [verdict.status for verdict in verdicts] == ["identical", "identical"]

    real_transform = HandcraftedFeatures.transform

    def changed_transform(self, X):  # a feature's output changes, its version does not
        features = real_transform(self, X)
        noise = np.random.default_rng(len(X)).normal(size=features.shape)
        return features + 2.0 * features.std(axis=0) * noise

    monkeypatch.setattr(HandcraftedFeatures, "transform", changed_transform)
    monkeypatch.setattr(HandcraftedFeatures, "fit_transform", lambda self, X, y=None: changed_transform(self, X))
    svm, rocket = verify_suite(suite, store, log=lambda line: None, **selection)
    assert svm.status == "mismatch" and any("y_pred" in difference for difference in svm.differences)
    assert rocket.status == "identical"

    monkeypatch.setattr(HandcraftedFeatures, "version", 2)  # bumped: the old result is no longer this code's
    svm, _ = verify_suite(suite, store, log=lambda line: None, **selection)
    assert svm.status == "missing"


@pytest.mark.slow
def test_verify_command_exits_non_zero_unless_every_cell_reproduces(suite, tmp_path, capsys):
    common = ["--suites-dir", str(tmp_path / "suites"), "--results-dir", str(tmp_path / "results")]
    assert main(["run", "tiny", "--pipelines", "handcrafted+svm", "--seeds", "0", *common]) == 0
    assert main(["verify", "tiny", "--pipelines", "handcrafted+svm", "--seeds", "0", *common]) == 0
    assert "1 of 1 cells identical" in capsys.readouterr().out
    assert main(["verify", "tiny", "--pipelines", "handcrafted+svm", "--sample", "2", *common]) == 1
    output = capsys.readouterr().out
    assert "MISSING" in output and "1 of 2 cells identical, 1 not reproduced" in output


def test_a_mismatch_says_where_the_stored_cell_was_computed_when_that_is_not_here():
    from harbench.runner.verify import where_computed

    haswell, skylake = {"openblas": "Haswell"}, {"openblas": "SkylakeX"}
    here = {"cpu": "AMD EPYC", "blas_kernels": haswell}
    assert where_computed({"cpu": "AMD EPYC", "blas_kernels": haswell}, here) == []
    (hint,) = where_computed({"cpu": "Intel(R) Xeon(R) Processor", "blas_kernels": skylake}, here)
    assert "stored with BLAS kernels {'openblas': 'SkylakeX'}" in hint and "OPENBLAS_CORETYPE=SkylakeX" in hint
    (hint,) = where_computed({"cpu": "Intel(R) Xeon(R) Processor"}, here)  # stored before kernels were recorded
    assert "stored on Intel(R) Xeon(R) Processor (its BLAS kernels not recorded), recomputed on AMD EPYC" in hint
    assert where_computed({"cpu": "AMD EPYC"}, here) == []
    avx2, avx512 = {**here, "cpu_instruction_set": "avx2"}, {**here, "cpu_instruction_set": "avx512_core_bf16"}
    (hint,) = where_computed(avx512, avx2)
    assert "stored on a processor with avx512_core_bf16, recomputed on one with avx2" in hint
    withheld = {"settings": {"NPY_DISABLE_CPU_FEATURES": "AVX512F"}}
    assert where_computed({**avx512, **withheld}, {**avx2, **withheld}) == []


def test_every_result_records_the_blas_kernels_it_was_computed_with():
    from threadpoolctl import threadpool_info

    from harbench.runner.environment import environment

    kernels = environment()["blas_kernels"]
    loaded = {pool["internal_api"]: pool["architecture"] for pool in threadpool_info() if pool.get("architecture")}
    assert kernels == loaded and kernels.get("openblas"), "numpy's OpenBLAS names its kernels"
