"""Deep results computed with another backend, device or thread count: reused, reported and
kept as valid results of the same setting, never recomputed silently nor verified as if local."""

import time
from dataclasses import replace
from pathlib import Path

import pytest

from harbench.experiment import SuiteData, plan_cells, with_newest_results, with_results_from_elsewhere
from harbench.models.base import WindowClassifier
from harbench.reporting.report import write_report
from harbench.runner.cells import Cell
from harbench.runner.prune import prune
from harbench.runner.run import run_suite
from harbench.runner.store import ResultStore
from harbench.runner.suite import load_suite
from harbench.runner.verify import verify_suite
from tests.conftest import write_suite
from tests.test_report_cache import SUITE

GPU = {"backend": "jax", "device": "NVIDIA H200"}
CPU = {"backend": "tensorflow", "device": "cpu"}


@pytest.fixture
def suite(tmp_path, synthetic_data_dir):
    return load_suite(str(write_suite(tmp_path, SUITE)))


def computing_on(monkeypatch, where: dict) -> None:
    """Make every learner compute-sensitive, as if it ran with ``where`` (backend and device)."""
    monkeypatch.setattr(WindowClassifier, "compute_description", classmethod(lambda cls: dict(where)))


@pytest.fixture
def stored_on_gpu(tmp_path, suite, monkeypatch):
    store = ResultStore(tmp_path / "results")
    computing_on(monkeypatch, GPU)
    run_suite(suite, store, log=lambda line: None)
    computing_on(monkeypatch, CPU)
    return store


def test_a_record_rebuilds_the_cell_it_was_computed_for_and_the_setting_ignores_only_the_compute(stored_on_gpu):
    (key,) = stored_on_gpu.stored_keys()
    cell = Cell.from_record(stored_on_gpu.load(key))
    assert cell.key == key and cell.setting_key != key
    on_cpu = replace(cell, compute={**CPU, "threads": 2})
    assert on_cpu.key != key and on_cpu.setting_key == cell.setting_key
    assert replace(cell, seed=1).setting_key != cell.setting_key


@pytest.mark.slow
def test_a_run_reuses_a_result_computed_elsewhere_and_says_where_unless_told_to_compute_here(stored_on_gpu, suite):
    logs = []
    summary = run_suite(suite, stored_on_gpu, log=logs.append)
    assert (summary.planned, summary.reused, summary.computed) == (1, 1, 0)
    assert "1 model(s) on NVIDIA H200 (jax," in logs[1] and "--only-this-device" in logs[1]

    summary = run_suite(suite, stored_on_gpu, log=lambda line: None, only_this_device=True)
    assert summary.computed == 1 and len(stored_on_gpu.stored_keys()) == 2
    (planned,) = with_results_from_elsewhere(plan_cells(suite, SuiteData(suite, stored_on_gpu)), stored_on_gpu)
    assert planned.cell.compute["device"] == "cpu", "this machine's own result is preferred once it exists"


@pytest.mark.slow
def test_a_report_takes_a_settings_newest_result_whatever_machine_renders_it(stored_on_gpu, suite, monkeypatch):
    time.sleep(1.1)  # records' finish times are in whole seconds
    run_suite(suite, stored_on_gpu, log=lambda line: None, only_this_device=True)
    computing_on(monkeypatch, GPU)
    planned = plan_cells(suite, SuiteData(suite, stored_on_gpu))
    (here,) = with_results_from_elsewhere(planned, stored_on_gpu)
    (reported,) = with_newest_results(planned, stored_on_gpu)
    assert here.cell.compute["device"] == "NVIDIA H200", "a run on the GPU machine reuses its own result"
    assert reported.cell.compute["device"] == "cpu", "the report shows the newest, computed on the CPU"


@pytest.mark.slow
def test_a_report_shows_a_result_computed_elsewhere_with_its_device(stored_on_gpu, suite, tmp_path):
    write_report(suite, stored_on_gpu, tmp_path / "reports", tmp_path / "suites")
    page = (tmp_path / "reports" / "tiny.md").read_text()
    assert "NVIDIA H200 (jax," in page


@pytest.mark.slow
def test_verify_lists_a_result_computed_elsewhere_without_recomputing_or_failing_it(stored_on_gpu, suite):
    (verdict,) = verify_suite(suite, stored_on_gpu, log=lambda line: None)
    assert verdict.status == "elsewhere" and verdict.ok
    assert "computed on NVIDIA H200 (jax," in verdict.differences[0]
    assert len(stored_on_gpu.stored_keys()) == 1


@pytest.mark.slow
def test_pruning_keeps_a_planned_setting_computed_elsewhere_and_removes_an_unplanned_one(stored_on_gpu, suite):
    assert prune([suite], stored_on_gpu, log=lambda line: None) == []
    path = Path(suite.path)
    path.write_text(path.read_text().replace("seeds = [0]", "seeds = [1]"))
    assert len(prune([load_suite(str(path))], stored_on_gpu, log=lambda line: None)) == 1


def test_the_device_table_names_the_processor_of_results_stored_before_devices_named_it():
    from harbench.reporting.markdown import _compute_lines

    def record(pipeline: str, device: str, cpu: str) -> dict:
        return {"pipeline": pipeline, "environment": {"cpu": cpu},
                "provenance": {"compute": {"backend": "tensorflow", "device": device, "threads": 2}}}

    lines = _compute_lines([record("cnn", "cpu", "Intel(R) Xeon(R) Processor"),
                            record("cnn", "cpu: AMD EPYC (avx512_core_bf16)", "AMD EPYC")])
    row = next(line for line in "\n".join(lines).splitlines() if line.startswith("| `cnn`"))
    assert "cpu: AMD EPYC (avx512_core_bf16) (tensorflow, 2 threads)" in row
    assert "cpu: Intel(R) Xeon(R) Processor (instruction set not recorded) (tensorflow, 2 threads)" in row
    assert "Runs of `cnn` span several devices: their median timings mix those devices" in "\n".join(lines)


def test_the_device_table_flags_no_pipeline_whose_runs_share_one_device():
    from harbench.reporting.markdown import _compute_lines

    compute = {"backend": "jax", "device": "gpu: NVIDIA H200", "threads": 16}
    record = {"pipeline": "resnet", "environment": {"cpu": "AMD EPYC"}, "provenance": {"compute": compute}}
    lines = _compute_lines([record, record, record])
    assert not any("span several devices" in line for line in lines)
