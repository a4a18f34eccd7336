"""Cells: one (dataset, protocol, fold, pipeline, seed) result, keyed by what determines it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

# Version of how a cell is trained and scored (`harbench.runner.execute.run_cell`: which windows
# train, what is recorded): part of every key. 2: learners that early-stop refit on training +
# validation subjects, per-window predictions stored, single-threaded latency.
EVALUATION_VERSION = 2


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
    another's.
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

    @property
    def key(self) -> str:
        """Hash of everything that determines the result."""
        payload = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:24]

    def label(self) -> str:
        where = f" on {self.compute['device']} ({self.compute['backend']})" if self.compute else ""
        return f"{self.dataset}/{self.protocol['name']}/fold {self.fold}/{self.pipeline}/seed {self.seed}{where}"


@dataclass(frozen=True)
class PlannedCell:
    """A cell and the suite's (unresolved) configuration of its pipeline, to build it from."""

    cell: Cell
    pipeline_config: dict
