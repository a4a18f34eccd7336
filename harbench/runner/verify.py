"""`harbench verify`: recompute stored cells with the current code and compare.

A stored result is citable only if the code it names still produces it. Verification plans a
suite's cells exactly as `harbench run` does (so a cell whose key changed, because a
component's version or its configuration did, is reported as not stored), recomputes each
selected stored cell in this process, and compares what must reproduce exactly: the test
windows, the predicted class of every window, accuracy and macro-F1. A deep learner's cell
stored only as computed with another backend, device or thread count is listed as such and
not recomputed: its arithmetic is not this machine's. Class probabilities are
compared within `PROBABILITY_TOLERANCE` (a different BLAS build may round differently in the
last bits). Timings are not compared: they are measurements, not results.

A classical learner's result depends on the BLAS kernels too (OpenBLAS chooses them by
processor: `uci_har`'s logistic regression predicts 2 of 2,996 windows differently with
OpenBLAS's ``Haswell`` kernels than with its ``SkylakeX`` ones), and on NumPy's SIMD loops,
which it also picks by processor. A mismatch therefore says where the stored cell was computed
when that differs from here (`where_computed`): the BLAS kernels it records, else its
processor, and how to recompute it with the same kernels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from harbench.experiment import SuiteData, plan_cells, with_results_from_elsewhere
from harbench.runner.cells import Cell, PlannedCell, describe_compute
from harbench.runner.environment import BLAS_KERNEL_VARIABLE, SIMD_VARIABLE
from harbench.runner.execute import run_cell
from harbench.runner.predictions import Predictions
from harbench.runner.store import ResultStore
from harbench.runner.suite import Suite

PROBABILITY_TOLERANCE = 1e-5
SAMPLE_SEED = 0


@dataclass(frozen=True)
class Verdict:
    """The outcome for one planned cell: ``status`` is ``identical``, ``mismatch``, ``missing``
    (no stored result under the key the current code gives it) or ``elsewhere`` (stored only as
    computed with another backend, device or thread count, so it cannot be recomputed
    bit-identically here; not a failure)."""

    label: str
    key: str
    status: str
    differences: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status in ("identical", "elsewhere")

    def line(self) -> str:
        details = f": {'; '.join(self.differences)}" if self.differences else ""
        return f"{self.status.upper():9s} {self.label} [{self.key}]{details}"


def compare(stored: dict, stored_predictions: Predictions, recomputed: dict,
            recomputed_predictions: Predictions) -> list[str]:
    """What differs between a stored cell and its recomputation (empty if nothing that must
    reproduce does)."""
    differences = stored_predictions.same_as(recomputed_predictions)
    for metric in ("accuracy", "macro_f1"):
        if stored[metric] != recomputed[metric]:
            differences.append(f"{metric} {stored[metric]!r} stored, {recomputed[metric]!r} now")
    mine, theirs = stored_predictions.proba, recomputed_predictions.proba
    if (mine is None) != (theirs is None):
        differences.append("probabilities stored but not given now" if theirs is None else
                           "probabilities given now but not stored")
    elif mine is not None and (mine.shape != theirs.shape or
                               np.abs(mine - theirs).max(initial=0.0) > PROBABILITY_TOLERANCE):
        gap = np.abs(mine - theirs).max() if mine.shape == theirs.shape else float("nan")
        differences.append(f"probabilities differ by up to {gap:.3g} (tolerance {PROBABILITY_TOLERANCE:g})")
    if not differences:
        return []
    return differences + where_computed(stored.get("environment", {}), recomputed.get("environment", {}))


def where_computed(stored: dict, here: dict) -> list[str]:
    """Why a mismatch may come from the machine rather than the code: the stored cell's BLAS
    kernels (or, where it does not record them, its processor) when they are not this one's."""
    theirs, mine = stored.get("blas_kernels"), here.get("blas_kernels", {})
    if theirs is not None:
        if theirs != mine:
            kernels = ", ".join(sorted(set(theirs.values())))
            return [f"stored with BLAS kernels {theirs}, recomputed with {mine}: recompute with "
                    f"{BLAS_KERNEL_VARIABLE}={kernels} on a processor that has them"]
        simd = [environment.get("cpu_instruction_set") for environment in (stored, here)]
        settings = [environment.get("settings", {}).get(SIMD_VARIABLE) for environment in (stored, here)]
        if simd[0] != simd[1] and settings == [None, None]:
            return [f"stored on a processor with {simd[0]}, recomputed on one with {simd[1]}: NumPy picks its "
                    f"SIMD loops by processor ({SIMD_VARIABLE} withholds some)"]
        return []
    if stored.get("cpu") != here.get("cpu"):
        return [f"stored on {stored.get('cpu')} (its BLAS kernels not recorded), recomputed on {here.get('cpu')}: "
                f"processors differ in the BLAS kernels they get; {BLAS_KERNEL_VARIABLE} chooses them"]
    return []


def select(planned: list[PlannedCell], sample: int | None) -> list[PlannedCell]:
    """``sample`` cells drawn from ``planned`` with a fixed seed (all of them when None),
    kept in run order."""
    if sample is None or sample >= len(planned):
        return planned
    chosen = np.random.default_rng(SAMPLE_SEED).choice(len(planned), size=sample, replace=False)
    return [planned[index] for index in sorted(chosen)]


def verify_suite(suite: Suite, store: ResultStore, pipelines: list[str] | None = None,
                 seeds: list[int] | None = None, sample: int | None = None,
                 log: Callable[[str], None] = print) -> list[Verdict]:
    """Recompute the selected stored cells of ``suite`` and compare each with what is stored;
    log and return one `Verdict` per selected cell."""
    data = SuiteData(suite, store)
    verdicts = []
    planned = plan_cells(suite, data, pipelines, seeds)
    here = {item.cell.key for item in planned}
    for item in select(with_results_from_elsewhere(planned, store), sample):
        cell = item.cell
        if cell.key not in here:
            for elsewhere in (cell, *item.perturbed):
                verdicts.append(Verdict(elsewhere.label(), elsewhere.key, "elsewhere", (
                    f"computed on {describe_compute(cell.compute)}; verify it there",)))
                log(verdicts[-1].line())
            continue
        if not store.has(cell.key):
            verdicts.append(_missing(cell))
            log(verdicts[-1].line())
            continue
        result = run_cell(cell, item.pipeline_config, data.windows(cell.dataset), data.splits(cell.dataset)[cell.fold],
                          latency_calls=1, executor="verify",
                          perturbed=tuple(filter(lambda robustness: store.has(robustness.key), item.perturbed)))
        recomputed = {cell.key: result, **{each.record["key"]: each for each in result.perturbed}}
        for checked in (cell, *item.perturbed):
            if checked.key not in recomputed:
                verdict = _missing(checked)
            else:
                differences = compare(store.load(checked.key), store.load_predictions(checked.key),
                                      recomputed[checked.key].record, recomputed[checked.key].predictions)
                verdict = Verdict(checked.label(), checked.key, "mismatch" if differences else "identical",
                                  tuple(differences))
            log(verdict.line())
            verdicts.append(verdict)
    return verdicts


def _missing(cell: Cell) -> Verdict:
    return Verdict(cell.label(), cell.key, "missing",
                   ("no result stored under the key the current code gives this cell: its code, configuration or "
                    "data changed since, or it was never run",))
