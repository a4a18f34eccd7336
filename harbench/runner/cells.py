"""Cells: one (dataset, protocol, fold, pipeline, seed) result, keyed by what determines it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace

# Version of how a cell is trained and scored (`harbench.runner.execute.run_cell`: which windows
# train, what is recorded): part of every key. 2: learners that early-stop refit on training +
# validation subjects, per-window predictions stored, single-threaded latency.
EVALUATION_VERSION = 2


def describe_compute(compute: dict) -> str:
    """Where a compute-sensitive cell runs, for people: ``"cpu (tensorflow, 2 threads)"``."""
    return f"{compute['device']} ({compute['backend']}, {compute['threads']} threads)"


@dataclass(frozen=True)
class Cell:
    """One unit of work, and everything that determines its result.

    ``config`` is the pipeline's full resolved description (`harbench.models.describe`), so a
    changed default changes the key too; ``components`` the algorithm version of each part of
    the pipeline (`harbench.models.registry.component_versions`; the dataset adapter's version
    is in ``dataset_fingerprint``); ``evaluation`` the version of how a cell is trained and
    scored (`EVALUATION_VERSION`); ``compute``, for a learner whose
    arithmetic depends on where it runs, the backend, device and thread count it runs with
    (None for the others), so a result from one machine or executor is never reused as
    another's. ``perturbation``, for a robustness cell, is what was done to the test windows
    (name, severity, version, seed; `harbench.robustness.perturbations`): such a cell is the
    clean cell's model scored on perturbed test windows, and its key is the clean cell's fields
    plus the perturbation (a clean cell's key has no perturbation field at all).
    """

    dataset: str
    dataset_fingerprint: str
    windowing: dict
    protocol: dict
    fold: int
    pipeline: str
    config: dict
    seed: int
    components: dict
    evaluation: int
    compute: dict | None = None
    perturbation: dict | None = None

    @property
    def key(self) -> str:
        """Hash of everything that determines the result."""
        fields = asdict(self)
        if fields["perturbation"] is None:
            del fields["perturbation"]
        payload = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:24]

    @property
    def setting_key(self) -> str:
        """Hash of everything that determines the result except where it is computed
        (``compute``): a deep learner's cell computed with another backend, device or thread
        count has another key but the same setting key. For other cells it is the key."""
        return replace(self, compute=None).key

    @classmethod
    def from_record(cls, record: dict) -> Cell:
        """The cell a stored record (with its ``provenance`` block) was computed for."""
        provenance = record["provenance"]
        return cls(dataset=record["dataset"], dataset_fingerprint=record["dataset_fingerprint"],
                   windowing=record["windowing"], protocol=record["protocol_config"], fold=record["fold"],
                   pipeline=record["pipeline"], config=record["config"], seed=record["seed"],
                   components=provenance["components"], evaluation=provenance["evaluation"],
                   compute=provenance["compute"], perturbation=record.get("perturbation"))

    def label(self) -> str:
        where = f" on {self.compute['device']} ({self.compute['backend']})" if self.compute else ""
        under = (f" under {self.perturbation['name']} {self.perturbation['severity']}" if self.perturbation else "")
        return (f"{self.dataset}/{self.protocol['name']}/fold {self.fold}/{self.pipeline}/seed {self.seed}{where}"
                f"{under}")

    def perturbed(self, perturbation: dict) -> Cell:
        """This (clean) cell's model scored on test windows perturbed as ``perturbation`` says."""
        return replace(self, perturbation=perturbation)


@dataclass(frozen=True)
class PlannedCell:
    """A cell, the suite's (unresolved) configuration of its pipeline, to build it from, and
    the robustness cells (``perturbed``) that score the same fitted model on perturbed test
    windows; they are computed together, the model fitted once."""

    cell: Cell
    pipeline_config: dict
    perturbed: tuple[Cell, ...] = ()

    def all_keys(self) -> list[str]:
        """The keys of the clean cell and of its robustness cells."""
        return [self.cell.key, *(cell.key for cell in self.perturbed)]

    def computed_with(self, compute: dict) -> PlannedCell:
        """The same cells, computed with ``compute`` (backend, device, threads) instead."""
        return replace(self, cell=replace(self.cell, compute=compute),
                       perturbed=tuple(replace(cell, compute=compute) for cell in self.perturbed))
