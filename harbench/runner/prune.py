"""`harbench prune`: remove stored cells that the current code would never reuse.

A cell's key names everything that decides its result, so after a component's version or a
suite's configuration changes, the old cells of that suite's datasets and protocols stay in
the store under keys that nothing plans any more. They must not outlive the code that made
them: pruning removes every stored cell of the given suites' (dataset, protocol) blocks whose
key none of those suites plans now. Cells of other datasets or protocols are left alone, so
suites not yet recomputed keep the results their reports were made from. Robustness cells form
blocks of their own: a robustness suite (one with perturbations) claims only the robustness
cells of its datasets and protocols, since its clean cells are those of the suite it extends
(often fewer seeds), and a standard suite claims only clean cells. A deep learner's cell of a
planned setting computed with another backend, device or thread count is kept. The training
state of an unfinished cell (`harbench.models.deep.checkpoint`) of those blocks that nothing
plans any more is removed too; one of a planned cell is kept for the run that resumes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from harbench.experiment import SuiteData, plan_cells
from harbench.runner.cells import Cell, PlannedCell
from harbench.runner.store import ResultStore
from harbench.runner.suite import Suite


def _block(dataset: str, protocol: dict, robustness: bool) -> str:
    return json.dumps([dataset, protocol, robustness], sort_keys=True)


def plans(suites: list[Suite], store: ResultStore) -> list[tuple[Suite, list[PlannedCell]]]:
    """Each suite with its planned cells (planned once for both kinds of pruning)."""
    return [(suite, plan_cells(suite, SuiteData(suite, store))) for suite in suites]


def stale_records(planned_suites: list[tuple[Suite, list[PlannedCell]]], store: ResultStore) -> dict[str, dict]:
    """Key -> record of the stored cells of the suites' (dataset, protocol) blocks that no suite
    of ``planned_suites`` (`plans`) plans."""
    planned, settings, blocks = set(), set(), set()
    for suite, items in planned_suites:
        planned |= {key for item in items for key in item.all_keys()}
        settings |= {cell.setting_key for item in items for cell in (item.cell, *item.perturbed)}
        blocks |= {_block(dataset, suite.protocol, bool(suite.perturbations)) for dataset in suite.datasets}
    stale = {}
    for key in store.stored_keys():
        if key in planned:
            continue
        record = store.load(key)
        if (_block(record["dataset"], record["protocol_config"], "perturbation" in record) in blocks
                and not _planned_elsewhere(record, settings)):
            stale[key] = record
    return stale


def _planned_elsewhere(record: dict, settings: set[str]) -> bool:
    """Whether ``record`` is a planned setting computed with another backend, device or thread
    count (`Cell.setting_key`): a valid result that runs and reports reuse, never stale."""
    return bool((record.get("provenance") or {}).get("compute")) and Cell.from_record(record).setting_key in settings


def stale_training_checkpoints(planned_suites: list[tuple[Suite, list[PlannedCell]]],
                               store: ResultStore) -> dict[str, str]:
    """Key -> cell label of the unfinished cells' training states (`ResultStore.training_checkpoints`)
    of the suites' datasets and protocols whose key none of ``planned_suites`` (`plans`) plans:
    no run of the current code would resume them."""
    planned, blocks = set(), set()
    for suite, items in planned_suites:
        planned |= {item.cell.key for item in items}
        blocks |= {_block(dataset, suite.protocol, False) for dataset in suite.datasets}
    return {key: identity["cell"] for key, identity in store.training_checkpoint_identities().items()
            if key not in planned and _block(identity.get("dataset"), identity.get("protocol"), False) in blocks}


def prune(suites: list[Suite], store: ResultStore, dry_run: bool = False,
          log: Callable[[str], None] = print) -> list[str]:
    """Remove (or, with ``dry_run``, only list) the `stale_records` of ``suites`` and their
    `stale_training_checkpoints`; return the keys of the cells removed."""
    planned_suites = plans(suites, store)
    stale = stale_records(planned_suites, store)
    verb = "would remove" if dry_run else "removed"
    for key, record in stale.items():
        log(f"{verb} {key}: {record['dataset']}/{record['protocol']}/fold {record['fold']}/{record['pipeline']}/seed "
            f"{record['seed']}")
        if not dry_run:
            store.remove(key)
    checkpoints = stale_training_checkpoints(planned_suites, store)
    for key, label in checkpoints.items():
        log(f"{verb} the training state of {key}: {label}")
        if not dry_run:
            store.remove_training_checkpoint(key)
    log(f"{len(stale)} stale cell(s) and {len(checkpoints)} stale training state(s) {'would be ' if dry_run else ''}"
        f"removed from {store.root}.")
    return list(stale)
