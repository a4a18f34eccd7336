"""Run a suite: plan its cells (`harbench.experiment`), reuse the stored ones, compute the
rest with an executor and store each as it finishes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harbench.errors import HarbenchError
from harbench.experiment import SuiteData, plan_cells, with_results_from_elsewhere
from harbench.models.deep.checkpoint import differing_fields, saved_progress
from harbench.runner.cells import Cell, describe_compute
from harbench.runner.environment import environment, git_state
from harbench.runner.execute import training_identity
from harbench.runner.executors import Executor, InProcessExecutor
from harbench.runner.progress import Progress
from harbench.runner.store import ResultStore
from harbench.runner.suite import Suite


class DirtyTreeError(HarbenchError):
    """Results were about to be computed from code with uncommitted changes."""


@dataclass(frozen=True)
class RunSummary:
    planned: int
    reused: int
    computed: int


def check_clean_tree(allow_dirty: bool) -> None:
    """Refuse to compute results from a checkout with uncommitted changes, unless allowed:
    such a result names a commit that is not the code that made it."""
    state = git_state()
    if state.clean is False and not allow_dirty:
        shown = ", ".join(state.changed[:5]) + (f" and {len(state.changed) - 5} more" if len(state.changed) > 5 else "")
        raise DirtyTreeError(
            f"the harbench checkout has uncommitted changes ({shown}), so results computed now could not be traced "
            "to a commit. Commit (or stash) them and rerun, or pass --allow-dirty to store results marked as "
            "computed on a dirty tree."
        )


def _resumption(store: ResultStore, cells: list[Cell]) -> dict[str, str]:
    """Key -> what becomes of the saved training state of each of ``cells`` that has one: resumed
    when it was saved under the identity the cell trains under (`execute.training_identity`) and
    the checkout is clean, else discarded or left unused (`harbench.models.deep.checkpoint`)."""
    saved = store.training_checkpoint_identities()
    if git_state().clean is not True:
        return {cell.key: " (its saved training state is not used: the checkout has uncommitted changes)"
                for cell in cells if cell.key in saved}
    return {cell.key: _fate(saved[cell.key], training_identity(cell), store.training_checkpoints() / cell.key)
            for cell in cells if cell.key in saved}


def _fate(saved: dict, identity: dict, folder: Path) -> str:
    """What `TrainingCheckpoint` will do with the state in ``folder``, saved under ``saved``, for a
    cell that trains under ``identity``."""
    if saved == identity:
        return f" (resumes its saved training state: {saved_progress(folder)})"
    if saved.get("state_version") != identity["state_version"]:
        return " (its training state, saved in another format by older harbench code, is discarded)"
    return (f" (its training state, saved for another computation ({', '.join(differing_fields(saved, identity))} "
            "differ), is discarded)")


def run_suite(suite: Suite, store: ResultStore, pipelines: list[str] | None = None, seeds: list[int] | None = None,
              dry_run: bool = False, log: Callable[[str], None] = print,
              executor: Executor | None = None, allow_dirty: bool = False,
              only_this_device: bool = False) -> RunSummary:
    """Compute every missing cell of ``suite`` with ``executor`` (default in-process) and store
    each as soon as it finishes. A clean cell whose robustness cells are not all stored is
    fitted again (its stored result is kept) and its model scored on the perturbed test sets.
    Cells whose clean result is missing run first, in plan order, and those refits after, so
    that a robustness suite run in place of its standard suite completes the standard table
    before it spends time on models it already has results for.

    A deep learner's cells stored for another backend, device or thread count are reused
    (`harbench.experiment.with_results_from_elsewhere`) unless ``only_this_device``.

    Deep learners keep their training state in the store's checkpoint folder
    (`ResultStore.training_checkpoints`) while they train, so that a run interrupted in a long
    fit (killed, out of session time) resumes it from its last saved epoch when run again; a
    cell's state is deleted once the cell is stored.

    Refuses to compute anything from a checkout with uncommitted changes unless
    ``allow_dirty`` (`check_clean_tree`). The environment (versions, commit) is read once,
    when the run starts, so that every cell records the code the run was started from even if
    the checkout changes meanwhile.
    """
    environment()
    executor = executor or InProcessExecutor()
    data = SuiteData(suite, store)
    planned = plan_cells(suite, data, pipelines, seeds, executor.threads)
    here = {item.cell.key for item in planned}
    if not only_this_device:
        planned = with_results_from_elsewhere(planned, store)
    elsewhere = [item for item in planned if item.cell.key not in here]
    unstored = {key for item in planned for key in item.all_keys() if not store.has(key)}
    missing = [item for item in planned if unstored.intersection(item.all_keys())]
    missing.sort(key=lambda item: item.cell.key not in unstored)  # new clean cells first, refits after
    n_cells, n_missing = sum(len(item.all_keys()) for item in planned), len(unstored)
    robustness = f" ({n_cells - len(planned)} of them robustness cells)" if n_cells > len(planned) else ""
    log(f"{suite.name}: {n_cells} cells{robustness}, {n_cells - n_missing} reused from {store.root}, "
        f"{n_missing} to compute" + (f" ({executor.label})." if missing and not dry_run else "."))
    if elsewhere:
        log(f"  reused as computed elsewhere (same setting, another backend, device or thread count; "
            f"`--only-this-device` computes them here): {len(elsewhere)} model(s) on "
            f"{'; '.join(sorted({describe_compute(item.cell.compute) for item in elsewhere}))}")
    resumption = _resumption(store, [cell for item in missing for cell in (item.cell, *item.perturbed)])
    if dry_run:
        for item in missing:
            for cell in (item.cell, *item.perturbed):
                if cell.key in unstored:
                    log(f"  would compute {cell.label()}{resumption.get(cell.key, '')}")
        return RunSummary(n_cells, n_cells - n_missing, 0)
    for item in missing:
        if item.cell.key in resumption:
            log(f"  {item.cell.label()}{resumption[item.cell.key]}")
    if missing:
        check_clean_tree(allow_dirty)
    progress = Progress(len(missing), log)
    checkpoints = store.training_checkpoints() if missing else None
    for item, result in executor.run(missing, data, suite.latency_calls, checkpoints):
        if item.cell.key in unstored:  # a stored clean cell is kept, its model refitted only to be perturbed
            store.save(item.cell.key, result.record, result.predictions)
        for perturbed in result.perturbed:
            store.save(perturbed.record["key"], perturbed.record, perturbed.predictions)
        store.remove_training_checkpoint(item.cell.key)
        under = f" and {len(result.perturbed)} perturbed test sets" if result.perturbed else ""
        resumed = result.record["training_checkpoint"]
        after = f" (resumed after {resumed['resumed_epochs']} epochs)" if resumed and resumed["resumed_epochs"] else ""
        progress.advance(f"{item.cell.label()}: accuracy {result.record['accuracy']:.4f}{under}, "
                         f"fit {result.record['fit_s']:.1f} s{after}")
    log(f"{suite.name}: {n_cells} cells: {n_cells - n_missing} reused, {n_missing} computed.")
    return RunSummary(n_cells, n_cells - n_missing, n_missing)
