"""Run a suite: expand it into cells, reuse the stored ones, compute the rest.

Cells are keyed before any data is loaded (tsml-eval's habit of checking for a result
first): the dataset fingerprint comes from its manifest and the folds from the stored
split description, so a rerun with nothing new loads no data and trains nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from harbench.datasets.catalog import get_dataset
from harbench.datasets.protocols import Split, make_protocol
from harbench.datasets.windowset import WindowSet
from harbench.models.registry import PipelineContext, describe, make_pipeline
from harbench.runner.cells import Cell, PlannedCell
from harbench.runner.environment import environment
from harbench.runner.executors import Executor, InProcessExecutor
from harbench.runner.progress import Progress
from harbench.runner.store import ResultStore
from harbench.runner.suite import Suite


@dataclass(frozen=True)
class RunSummary:
    planned: int
    reused: int
    computed: int


def splits_name(dataset: str, fingerprint: str, protocol: dict) -> str:
    digest = hashlib.sha256(json.dumps(protocol, sort_keys=True).encode()).hexdigest()[:12]
    return f"{dataset}-{fingerprint}-{protocol['name']}-{digest}"


def describe_splits(windows: WindowSet, splits: list[Split]) -> dict:
    """Folds, subjects and class counts of each side, and the data layout: what reports show."""
    def counts(indices: np.ndarray) -> dict[str, int]:
        return windows.subset(indices).class_counts() if len(indices) else dict.fromkeys(windows.classes, 0)

    return {
        "dataset": windows.name, "fingerprint": windows.fingerprint, "fs": windows.fs,
        "channels": list(windows.channels), "units": list(windows.units), "classes": list(windows.classes),
        "windowing": windows.params, "n_windows": len(windows), "class_counts": windows.class_counts(),
        "folds": [
            {"fold": split.fold,
             "subjects": {side: sorted(int(s) for s in np.unique(windows.subjects[getattr(split, side)]))
                          for side in ("train", "val", "test")},
             "class_counts": {side: counts(getattr(split, side)) for side in ("train", "val", "test")}}
            for split in splits
        ],
    }


class SuiteData:
    """Loads each dataset and its splits at most once, and only when a cell needs them."""

    def __init__(self, suite: Suite, store: ResultStore) -> None:
        self.suite, self.store = suite, store
        self._windows: dict[str, WindowSet] = {}
        self._splits: dict[str, list[Split]] = {}

    def windowing(self, dataset: str) -> dict:
        """Window length and step for a dataset of recordings; nothing for one of fixed series."""
        spec = get_dataset(dataset)
        if not spec.windowed:
            return {}
        return {"length": self.suite.windowing.get("length", spec.default_length),
                "step": self.suite.windowing.get("step", spec.default_step)}

    def fingerprint(self, dataset: str) -> str:
        return get_dataset(dataset).fingerprint(**self.windowing(dataset))

    def windows(self, dataset: str) -> WindowSet:
        if dataset not in self._windows:
            self._windows[dataset] = get_dataset(dataset).load(**self.windowing(dataset))
        return self._windows[dataset]

    def splits(self, dataset: str) -> list[Split]:
        if dataset not in self._splits:
            self._splits[dataset] = make_protocol(**self.suite.protocol).splits(self.windows(dataset))
        return self._splits[dataset]

    def split_description(self, dataset: str) -> dict:
        name = splits_name(dataset, self.fingerprint(dataset), self.suite.protocol)
        description = self.store.load_splits(name)
        if description is None:
            description = describe_splits(self.windows(dataset), self.splits(dataset))
            self.store.save_splits(name, description)
        return description


def plan_cells(suite: Suite, data: SuiteData, pipelines: list[str] | None = None,
               seeds: list[int] | None = None) -> list[PlannedCell]:
    """Every cell of ``suite`` (optionally only some pipelines or seeds), in run order."""
    planned = []
    for dataset in suite.datasets:
        description = data.split_description(dataset)
        context = PipelineContext(fs=description["fs"], channels=tuple(description["channels"]),
                                  units=tuple(description["units"]))
        for fold in range(len(description["folds"])):
            for pipeline, config in suite.pipelines.items():
                if pipelines and pipeline not in pipelines:
                    continue
                for seed in suite.seeds:
                    if seeds and seed not in seeds:
                        continue
                    resolved = describe(make_pipeline(pipeline, context, seed, config))
                    cell = Cell(dataset=dataset, dataset_fingerprint=description["fingerprint"],
                                windowing=description["windowing"], protocol=suite.protocol, fold=fold,
                                pipeline=pipeline, config=resolved, seed=seed)
                    planned.append(PlannedCell(cell, config))
    return planned


def run_suite(suite: Suite, store: ResultStore, pipelines: list[str] | None = None, seeds: list[int] | None = None,
              dry_run: bool = False, log: Callable[[str], None] = print,
              executor: Executor | None = None) -> RunSummary:
    """Compute every missing cell of ``suite`` with ``executor`` (default in-process) and store
    each as soon as it finishes.

    The environment (versions, commit) is read once, when the run starts, so that every cell
    records the code the run was started from even if the checkout changes meanwhile.
    """
    environment()
    executor = executor or InProcessExecutor()
    data = SuiteData(suite, store)
    planned = plan_cells(suite, data, pipelines, seeds)
    missing = [item for item in planned if not store.has(item.cell.key)]
    log(f"{suite.name}: {len(planned)} cells, {len(planned) - len(missing)} reused from {store.root}, "
        f"{len(missing)} to compute" + (f" ({executor.label})." if missing and not dry_run else "."))
    if dry_run:
        for item in missing:
            log(f"  would compute {item.cell.label()}")
        return RunSummary(len(planned), len(planned) - len(missing), 0)
    progress = Progress(len(missing), log)
    for item, record in executor.run(missing, data, suite.latency_calls):
        store.save(item.cell.key, record)
        progress.advance(f"{item.cell.label()}: accuracy {record['accuracy']:.4f}, fit {record['fit_s']:.1f} s")
    log(f"{suite.name}: {len(planned)} cells: {len(planned) - len(missing)} reused, {len(missing)} computed.")
    return RunSummary(len(planned), len(planned) - len(missing), len(missing))
