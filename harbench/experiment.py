"""The experiment: a suite's data, folds and cells, planned before anything is computed.

Cells are keyed before any data is loaded (tsml-eval's habit of checking for a result
first): the dataset fingerprint comes from its manifest and the folds from the stored split
description, so a rerun with nothing new loads no data and trains nothing. The runner
computes what is planned here; reports and deploy read the same plan, and neither imports
the runner's run loop.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import numpy as np

from harbench.datasets.catalog import get_dataset
from harbench.datasets.protocols import Split, make_protocol
from harbench.datasets.windowset import WindowSet
from harbench.errors import SuiteError
from harbench.models.registry import PipelineContext, component_versions, describe, make_pipeline
from harbench.parallel import available_cpus
from harbench.runner.cells import EVALUATION_VERSION, Cell, PlannedCell
from harbench.runner.store import ResultStore
from harbench.runner.suite import Suite


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
        return get_dataset(dataset).windowing(self.suite.windowing)

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


def computes_by_setting(store: ResultStore) -> dict[str, list[dict]]:
    """Setting key (`Cell.setting_key`) -> every ``compute`` (backend, device, threads) with which
    a cell of that setting is stored, for the stored cells of compute-sensitive learners; in
    sorted order. Reads every stored record (a quarter of a second for 600 cells), so
    `_with_stored_computations` calls it only when some planned deep-learner cell may be
    replaced: one not stored for this machine (run, verify) or any (reports)."""
    computes: dict[str, list[dict]] = {}
    for key in store.stored_keys():
        record = store.load(key)
        if (record.get("provenance") or {}).get("compute"):
            cell = Cell.from_record(record)
            computes.setdefault(cell.setting_key, []).append(cell.compute)
    return {setting: sorted(found, key=lambda compute: json.dumps(compute, sort_keys=True))
            for setting, found in computes.items()}


def with_results_from_elsewhere(planned: list[PlannedCell], store: ResultStore) -> list[PlannedCell]:
    """``planned``, with each deep learner's cell that is not stored for this machine's compute
    but is stored, with all of its robustness cells, for another backend, device or thread
    count replaced by that one (the first in sorted order when several are).

    Such a result is a valid result of the same setting: its key and record say where it was
    computed and reports print it, but it is not bit-identical to what this machine would
    compute (`harbench verify` says so rather than recomputing it). Paper-recipe cells computed
    on a GPU are then reported on a laptop, and a user with more cores than the machine that
    computed `results/` does not pay for every deep cell again. `harbench run --only-this-device`
    computes such cells here instead."""
    incomplete = [item for item in planned
                  if item.cell.compute is not None and not all(map(store.has, item.all_keys()))]
    return _with_stored_computations(planned, incomplete, store, choose=lambda stored: stored[0])


def with_newest_results(planned: list[PlannedCell], store: ResultStore) -> list[PlannedCell]:
    """``planned``, with each deep learner's cell replaced by the most recently finished of its
    setting's stored results (same `Cell.setting_key`, any backend, device or thread count) that
    is stored with all of its robustness cells; a cell with none stays as planned.

    Reports plan through this rather than `with_results_from_elsewhere`, so that a page does not
    depend on the machine that renders it: where one setting is stored on several devices,
    preferring this machine's would make the committed reports change with the processor of
    whoever regenerates them. A result computed here with `harbench run --only-this-device` is
    the newest of its setting, so the report then shows it."""
    def finished_at(item: PlannedCell) -> str:
        return store.load(item.cell.key)["finished_at"]

    sensitive = [item for item in planned if item.cell.compute is not None]
    return _with_stored_computations(planned, sensitive, store, choose=lambda stored: max(stored, key=finished_at))


def _with_stored_computations(planned: list[PlannedCell], replaceable: list[PlannedCell], store: ResultStore,
                              choose: Callable[[list[PlannedCell]], PlannedCell]) -> list[PlannedCell]:
    """``planned``, with each of ``replaceable`` replaced by the one ``choose`` picks among its
    computations stored with all of its robustness cells (one per compute of its setting, in
    `computes_by_setting`'s sorted order); one with none stays as planned."""
    if not replaceable:
        return planned
    computes = computes_by_setting(store)
    chosen = {}
    for item in replaceable:
        stored = [other for other in map(item.computed_with, computes.get(item.cell.setting_key, []))
                  if all(map(store.has, other.all_keys()))]
        if stored:
            chosen[item.cell.key] = choose(stored)
    return [chosen.get(item.cell.key, item) for item in planned]


def check_selection(suite: Suite, pipelines: list[str] | None, seeds: list[int] | None) -> None:
    """Refuse ``pipelines`` or ``seeds`` that ``suite`` does not have, listing those it has."""
    unknown_pipelines = sorted(set(pipelines or ()) - set(suite.pipelines))
    if unknown_pipelines:
        raise SuiteError(f"{suite.name}: no pipeline(s) {unknown_pipelines} in the suite; it has "
                         f"{', '.join(suite.pipelines)}. Add them to {suite.path or 'the suite file'} to run them.")
    unknown_seeds = sorted(set(seeds or ()) - set(suite.seeds))
    if unknown_seeds:
        raise SuiteError(f"{suite.name}: no seed(s) {unknown_seeds} in the suite; it has {list(suite.seeds)}. "
                         f"Add them to {suite.path or 'the suite file'} to run them.")


def plan_cells(suite: Suite, data: SuiteData, pipelines: list[str] | None = None,
               seeds: list[int] | None = None, threads: int | str | None = None) -> list[PlannedCell]:
    """Every cell of ``suite`` (optionally only some pipelines or seeds), in run order, each
    with the robustness cells of its model when the suite has perturbations.

    ``threads`` is what the executor gives each cell (`harbench.runner.executors.Executor.threads`;
    the in-process executor's, every available CPU, by default): it enters the key of cells whose
    learner is compute-sensitive."""
    check_selection(suite, pipelines, seeds)
    threads = available_cpus() if threads is None else threads
    perturbations = suite.perturbation_configs()
    planned = []
    for dataset in suite.datasets:
        description = data.split_description(dataset)
        context = PipelineContext(fs=description["fs"], channels=tuple(description["channels"]),
                                  units=tuple(description["units"]))
        for fold in range(len(description["folds"])):
            for pipeline, config in suite.pipelines.items():
                if (pipelines and pipeline not in pipelines) or not suite.runs_on(pipeline, dataset):
                    continue
                for seed in suite.seeds:
                    if seeds and seed not in seeds:
                        continue
                    model = make_pipeline(pipeline, context, seed, config)
                    compute = model.compute_description()
                    cell = Cell(dataset=dataset, dataset_fingerprint=description["fingerprint"],
                                windowing=description["windowing"], protocol=suite.protocol, fold=fold,
                                pipeline=pipeline, config=describe(model), seed=seed,
                                components=component_versions(pipeline, model), evaluation=EVALUATION_VERSION,
                                compute=None if compute is None else {**compute, "threads": threads})
                    planned.append(PlannedCell(cell, config, tuple(map(cell.perturbed, perturbations))))
    return planned
