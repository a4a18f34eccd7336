"""`harbench prune` removes only the cells of the suites' blocks that nothing plans any more."""

import pytest

from harbench.experiment import SuiteData, plan_cells
from harbench.models.deep.checkpoint import training_checkpoints
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


def _training_state(store: ResultStore, key: str, cell) -> None:
    identity = {"key": key, "state_version": 1, "cell": cell.label(), "dataset": cell.dataset,
                "protocol": cell.protocol}
    with training_checkpoints(store.training_checkpoints() / key, identity) as checkpoint:
        checkpoint.save("selection", {"epochs": 1}, {})


@pytest.mark.slow
def test_prune_removes_the_training_states_no_planned_cell_would_resume(tmp_path, synthetic_data_dir):
    store = ResultStore(tmp_path / "results")
    suite = _suite(tmp_path, "tiny", SUITE)
    other_protocol = _suite(tmp_path, "other", SUITE.replace("val_fraction = 0.25", "val_fraction = 0.5"))
    (planned,) = [item.cell for item in plan_cells(suite, SuiteData(suite, store))]
    (elsewhere,) = [item.cell for item in plan_cells(other_protocol, SuiteData(other_protocol, store))]
    _training_state(store, planned.key, planned)  # the next run of the suite resumes it
    _training_state(store, "0" * 24, planned)  # the same block, a key nothing plans (an older version)
    _training_state(store, "1" * 24, elsewhere)  # another protocol: not the suite's to prune
    lines = []
    assert prune([suite], store, dry_run=True, log=lines.append) == []
    assert len(store.training_checkpoint_identities()) == 3, "a dry run removes nothing"
    assert lines[-2:] == [f"would remove the training state of {'0' * 24}: {planned.label()}",
                          f"0 stale cell(s) and 1 stale training state(s) would be removed from {store.root}."]
    prune([suite], store, log=lambda line: None)
    assert set(store.training_checkpoint_identities()) == {planned.key, "1" * 24}
