"""A report is rewritten when what it is computed from changes, and left alone otherwise."""

import json

import pytest

from harbench.reporting.report import DIGESTS_FILE, write_report, write_reports
from harbench.runner.run import run_suite
from harbench.runner.store import ResultStore
from harbench.runner.suite import load_suite
from tests.conftest import SYNTHETIC_ID, write_suite

SUITE = f"""
name = "tiny"
datasets = ["{SYNTHETIC_ID}"]
seeds = [0]
latency_calls = 2

[protocol]
name = "official"
val_fraction = 0.25

[pipelines."handcrafted+logistic_regression"]
"""


@pytest.mark.slow
def test_an_unchanged_suite_keeps_its_report_and_a_changed_result_rewrites_it(tmp_path, synthetic_data_dir):
    path = write_suite(tmp_path, SUITE)
    suite, store, reports = load_suite(str(path)), ResultStore(tmp_path / "results"), tmp_path / "reports"
    run_suite(suite, store, log=lambda line: None)
    write_report(suite, store, reports, path.parent)
    page = reports / "tiny.md"
    assert set(json.loads((reports / DIGESTS_FILE).read_text())) == {"tiny"}

    page.write_text(page.read_text() + "\n")  # stands for a page that is up to date: left as it is
    paths = write_reports([suite, suite], store, reports, path.parent)
    assert page.read_text().endswith("\n\n"), "unchanged inputs leave the suite's files as they are"
    assert [path.name for path in paths].count("summary.md") == 1, "the pages over every suite are written once"

    (key,) = store.stored_keys()
    record = store.load(key)
    store.save(key, {**record, "fit_s": record["fit_s"] + 1.0}, store.load_predictions(key))
    write_report(suite, store, reports, path.parent)
    assert not page.read_text().endswith("\n\n"), "a changed stored result rewrites the report"
