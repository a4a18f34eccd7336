"""Cells: one (dataset, protocol, fold, pipeline, seed) result, keyed by what determines it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

import harbench


@dataclass(frozen=True)
class Cell:
    """One unit of work. ``config`` is the pipeline's full resolved description
    (`harbench.models.describe`), so a changed default changes the key too."""

    dataset: str
    dataset_fingerprint: str
    windowing: dict
    protocol: dict
    fold: int
    pipeline: str
    config: dict
    seed: int

    @property
    def key(self) -> str:
        """Hash of everything that determines the result, and the harbench version."""
        payload = json.dumps({**asdict(self), "harbench": harbench.__version__}, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()[:24]

    def label(self) -> str:
        return f"{self.dataset}/{self.protocol['name']}/fold {self.fold}/{self.pipeline}/seed {self.seed}"


@dataclass(frozen=True)
class PlannedCell:
    """A cell and the suite's (unresolved) configuration of its pipeline, to build it from."""

    cell: Cell
    pipeline_config: dict
