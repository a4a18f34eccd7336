"""Where cells run: in this process, in joblib worker processes, or on a Dask cluster.

Every executor yields each finished cell's record as soon as it arrives, and the caller
stores it at once, so an interrupted run keeps every finished cell whatever the executor.
Records are labelled with the executor (``environment.executor``) and carry the thread
pools of the process that computed them. In-process is the default and gives the cleanest
timings; worker processes share the machine's cores, so their timings are not comparable
with in-process ones. Their results are: a worker runs each cell with as many BLAS threads
as the process that started the run has, because OpenBLAS sums in an order that depends on
its thread count (an lbfgs logistic regression fitted with 1 and with 2 threads predicts 2
of 3,000 UCI HAR test windows differently), while Dask and joblib start workers with 1.
A deep-learning framework's thread pool cannot be set that way once it runs; it follows the
worker's OpenMP setting (1 under Dask, the CPUs per process under joblib), which changes its
arithmetic, so each executor states the ``threads`` it gives a cell and a compute-sensitive
cell's key names them: a result computed in-process is never reused as one computed on a
cluster, or the other way round.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from harbench.errors import HarbenchError
from harbench.parallel import available_cpus
from harbench.runner.cells import PlannedCell
from harbench.runner.execute import CellResult, run_cell

Finished = Iterator[tuple[PlannedCell, CellResult]]  # each computed cell with its result, in finishing order


class ExecutorError(HarbenchError):
    """An executor could not be set up (missing package, unreachable scheduler)."""


class CellData(Protocol):
    """What an executor needs of the suite's data (`harbench.experiment.SuiteData`)."""

    def windows(self, dataset: str): ...

    def splits(self, dataset: str) -> list: ...


class Executor(Protocol):
    label: str
    threads: int | str  # the threads a cell computes with (`harbench.runner.cells.Cell.compute`)

    def run(self, items: Sequence[PlannedCell], data: CellData, latency_calls: int,
            checkpoints: Path | None = None) -> Finished:
        """Compute each planned cell of ``items``; yield ``(item, record)`` as each finishes.
        ``checkpoints`` is the folder of resumable training states (`run_cell`), None for none."""


def blas_threads() -> int:
    """BLAS threads of this process (what an in-process run computes with)."""
    from threadpoolctl import threadpool_info

    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"), default=1)


def cell_arguments(item: PlannedCell, data: CellData, latency_calls: int, label: str, checkpoints: Path | None,
                   windows=None) -> tuple:
    """`run_cell`'s arguments for ``item``; ``windows`` replaces the dataset's own (a Dask
    future of them, scattered once)."""
    cell = item.cell
    return (cell, item.pipeline_config, data.windows(cell.dataset) if windows is None else windows,
            data.splits(cell.dataset)[cell.fold], latency_calls, label, item.perturbed, checkpoints)


def run_cell_with_blas_threads(threads: int, *args) -> CellResult:
    """`run_cell` in a worker, with the BLAS thread count of the run's own process."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        return run_cell(*args)


class InProcessExecutor:
    """One cell after the other in this process (the default)."""

    label = "in-process"

    def __init__(self) -> None:
        self.threads = available_cpus()

    def run(self, items: Sequence[PlannedCell], data: CellData, latency_calls: int,
            checkpoints: Path | None = None) -> Finished:
        for item in items:
            yield item, run_cell(*cell_arguments(item, data, latency_calls, self.label, checkpoints))


class JoblibExecutor:
    """``n_jobs`` joblib (loky) worker processes."""

    def __init__(self, n_jobs: int) -> None:
        if n_jobs < 1:
            raise ExecutorError(f"--jobs must be at least 1; got {n_jobs}.")
        self.n_jobs = n_jobs
        self.label = f"joblib ({n_jobs} processes)"
        self.threads = max(1, available_cpus() // n_jobs)  # joblib's default inner thread limit for loky workers

    def run(self, items: Sequence[PlannedCell], data: CellData, latency_calls: int,
            checkpoints: Path | None = None) -> Finished:
        from joblib import Parallel, delayed

        by_key = {item.cell.key: item for item in items}
        threads = blas_threads()
        tasks = (delayed(run_cell_with_blas_threads)(threads, *cell_arguments(item, data, latency_calls, self.label,
                                                                              checkpoints))
                 for item in items)
        for result in Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")(tasks):
            yield by_key[result.record["key"]], result


class DaskExecutor:
    """A Dask ``distributed`` cluster: the one at ``scheduler`` (``tcp://host:port``), or a
    ``LocalCluster`` of one single-threaded worker process per available CPU started for the
    run. Each dataset's windows are scattered to the workers once. Training checkpoints are
    kept only on a ``LocalCluster``, whose workers share this machine's folders; an existing
    cluster's workers may not, so its cells train from their first epoch."""

    def __init__(self, scheduler: str | None = None) -> None:
        self.scheduler = scheduler
        self.label = f"dask ({scheduler})" if scheduler else f"dask (LocalCluster, {available_cpus()} workers)"
        # Dask's nannies start workers with OMP_NUM_THREADS=1; an existing cluster's are unknown here
        self.threads = "dask worker" if scheduler else 1

    def run(self, items: Sequence[PlannedCell], data: CellData, latency_calls: int,
            checkpoints: Path | None = None) -> Finished:
        if self.scheduler:
            checkpoints = None
        try:
            from dask.distributed import Client, LocalCluster, as_completed
        except ImportError as error:
            raise ExecutorError("The Dask executor needs dask[distributed]: pip install 'harbench[dask]'.") from error
        with contextlib.ExitStack() as stack:
            if self.scheduler:
                try:
                    client = stack.enter_context(Client(self.scheduler, timeout="20s"))
                except OSError as error:
                    raise ExecutorError(f"Cannot reach the Dask scheduler at {self.scheduler}: {error}") from error
            else:
                cluster = stack.enter_context(LocalCluster(n_workers=available_cpus(), threads_per_worker=1,
                                                           processes=True, dashboard_address=None))
                client = stack.enter_context(Client(cluster))
            windows = {dataset: client.scatter(data.windows(dataset), broadcast=True)
                       for dataset in dict.fromkeys(item.cell.dataset for item in items)}
            threads = blas_threads()
            futures = {client.submit(run_cell_with_blas_threads, threads,
                                     *cell_arguments(item, data, latency_calls, self.label, checkpoints,
                                                     windows[item.cell.dataset]),
                                     key=f"harbench-cell-{item.cell.key}", pure=False): item
                       for item in items}
            for future in as_completed(futures):
                yield futures[future], future.result()


def make_executor(jobs: int | None = None, dask: bool = False, dask_scheduler: str | None = None) -> Executor:
    """The executor the command line asked for (in-process when nothing is asked)."""
    if sum([jobs is not None, dask, dask_scheduler is not None]) > 1:
        raise ExecutorError("Choose one of --jobs, --dask and --dask-scheduler.")
    if dask or dask_scheduler:
        return DaskExecutor(dask_scheduler)
    if jobs is not None:
        return JoblibExecutor(jobs)
    return InProcessExecutor()
