"""Run a suite: plan its cells (`harbench.experiment`), reuse the stored ones, compute the
rest with an executor and store each as it finishes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from harbench.errors import HarbenchError
from harbench.experiment import SuiteData, plan_cells
from harbench.runner.environment import environment, git_state
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


def run_suite(suite: Suite, store: ResultStore, pipelines: list[str] | None = None, seeds: list[int] | None = None,
              dry_run: bool = False, log: Callable[[str], None] = print,
              executor: Executor | None = None, allow_dirty: bool = False) -> RunSummary:
    """Compute every missing cell of ``suite`` with ``executor`` (default in-process) and store
    each as soon as it finishes.

    Refuses to compute anything from a checkout with uncommitted changes unless
    ``allow_dirty`` (`check_clean_tree`). The environment (versions, commit) is read once,
    when the run starts, so that every cell records the code the run was started from even if
    the checkout changes meanwhile.
    """
    environment()
    executor = executor or InProcessExecutor()
    data = SuiteData(suite, store)
    planned = plan_cells(suite, data, pipelines, seeds, executor.threads)
    missing = [item for item in planned if not store.has(item.cell.key)]
    log(f"{suite.name}: {len(planned)} cells, {len(planned) - len(missing)} reused from {store.root}, "
        f"{len(missing)} to compute" + (f" ({executor.label})." if missing and not dry_run else "."))
    if dry_run:
        for item in missing:
            log(f"  would compute {item.cell.label()}")
        return RunSummary(len(planned), len(planned) - len(missing), 0)
    if missing:
        check_clean_tree(allow_dirty)
    progress = Progress(len(missing), log)
    for item, result in executor.run(missing, data, suite.latency_calls):
        store.save(item.cell.key, result.record, result.predictions)
        progress.advance(f"{item.cell.label()}: accuracy {result.record['accuracy']:.4f}, "
                         f"fit {result.record['fit_s']:.1f} s")
    log(f"{suite.name}: {len(planned)} cells: {len(planned) - len(missing)} reused, {len(missing)} computed.")
    return RunSummary(len(planned), len(planned) - len(missing), len(missing))
