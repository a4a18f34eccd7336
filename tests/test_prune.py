"""`harbench prune` removes only the cells of the suites' blocks that nothing plans any more."""

import pytest

from harbench.runner.prune import prune
from harbench.runner.run import run_suite
from harbench.runner.store import ResultStore
from harbench.runner.suite import load_suite
from tests.test_report_cache import SUITE as TINY_SUITE

SUITE = TINY_SUITE + "learner = { C = 1.0 }\n"  # one classical pipeline, a configuration to change


def _suite(tmp_path, name: str, text: str):
    path = tmp_path / "suites" / f"{name}.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text.replace('name = "tiny"', f'name = "{name}"'))
    return load_suite(str(path))


@pytest.mark.slow
def test_prune_removes_the_cells_a_changed_suite_no_longer_plans_and_nothing_else(tmp_path, synthetic_data_dir):
    store = ResultStore(tmp_path / "results")
    run_suite(_suite(tmp_path, "tiny", SUITE), store, log=lambda line: None)
    (old,) = store.stored_keys()
    other_protocol = _suite(tmp_path, "other", SUITE.replace("val_fraction = 0.25", "val_fraction = 0.5"))
    run_suite(other_protocol, store, log=lambda line: None)
    changed = _suite(tmp_path, "tiny", SUITE.replace("C = 1.0", "C = 2.0"))
    run_suite(changed, store, log=lambda line: None)
    assert len(store.stored_keys()) == 3

    assert prune([changed], store, dry_run=True, log=lambda line: None) == [old]
    assert len(store.stored_keys()) == 3, "a dry run removes nothing"
    assert prune([changed], store, log=lambda line: None) == [old]
    assert old not in store.stored_keys() and len(store.stored_keys()) == 2
    assert not (store.root / "cells" / f"{old}.npz").exists()
