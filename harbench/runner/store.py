"""The results store: one JSON file per finished cell, written atomically.

``<root>/cells/<key>.json`` holds a cell's metrics, timings and environment and
``<root>/cells/<key>.npz`` its per-window predictions (`harbench.runner.predictions`);
``<root>/splits/<name>.json`` describes a dataset's folds (subjects and class counts per
side) so that reports and reruns need not load the data. ``<root>/training-checkpoints/<key>/``
holds the training state of a deep learner's cell while it is being computed
(`harbench.models.deep.checkpoint`), and is deleted once the cell is stored; the folder's own
``.gitignore`` keeps it out of version control. A file is written to a temporary
name in the same folder and renamed into place, so an interrupted run leaves either the
whole record or nothing. The predictions are written before the record, so a cell whose
record exists is complete.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from harbench.atomic import write_bytes_atomically, write_text_atomically
from harbench.errors import DataIntegrityError
from harbench.models.deep.checkpoint import IDENTITY_FILE, read_identity
from harbench.runner.predictions import Predictions

DEFAULT_RESULTS_DIR = Path("results")
TRAINING_CHECKPOINTS = "training-checkpoints"


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise DataIntegrityError(f"{path}: unreadable result file ({error}); delete it and rerun the suite.") from error


class ResultStore:
    """Finished cells and fold descriptions under ``root``."""

    def __init__(self, root: Path = DEFAULT_RESULTS_DIR) -> None:
        self.root = Path(root)

    def _cell_path(self, key: str) -> Path:
        return self.root / "cells" / f"{key}.json"

    def _predictions_path(self, key: str) -> Path:
        return self.root / "cells" / f"{key}.npz"

    def has(self, key: str) -> bool:
        return self._cell_path(key).is_file()

    def stored_keys(self) -> list[str]:
        """Keys of every stored cell, sorted."""
        return sorted(path.stem for path in (self.root / "cells").glob("*.json"))

    def load(self, key: str) -> dict:
        return _read_json(self._cell_path(key))

    def cell_bytes(self, key: str) -> bytes:
        """The stored record and predictions of ``key`` as bytes (what a digest of results reads)."""
        predictions = self._predictions_path(key)
        return self._cell_path(key).read_bytes() + (predictions.read_bytes() if predictions.is_file() else b"")

    def load_predictions(self, key: str) -> Predictions:
        """The per-window predictions of the stored cell ``key``."""
        path = self._predictions_path(key)
        if not path.is_file():
            raise DataIntegrityError(f"{path}: missing; the cell's record {self._cell_path(key)} has no predictions "
                                     "beside it. Delete the record and rerun the suite.")
        return Predictions.from_bytes(path.read_bytes(), str(path))

    def save(self, key: str, record: dict, predictions: Predictions) -> None:
        """Store a finished cell: its predictions first, then the record that marks it complete."""
        write_bytes_atomically(self._predictions_path(key), predictions.to_bytes())
        write_text_atomically(self._cell_path(key), json.dumps(record, indent=1, sort_keys=True))

    def remove(self, key: str) -> None:
        """Delete a stored cell: its record first (so it is no longer complete), then its predictions."""
        self._cell_path(key).unlink(missing_ok=True)
        self._predictions_path(key).unlink(missing_ok=True)

    def training_checkpoints(self) -> Path:
        """The folder of unfinished cells' training states, made with a ``.gitignore`` that
        ignores everything in it (itself included), so that no checkpoint is ever committed."""
        folder = self.root / TRAINING_CHECKPOINTS
        if not (folder / ".gitignore").is_file():
            write_text_atomically(folder / ".gitignore", "# training states of unfinished cells (harbench)\n*\n")
        return folder

    def training_checkpoint_identities(self) -> dict[str, dict]:
        """Key -> identity (`harbench.models.deep.checkpoint`: key, state version, cell label,
        dataset, protocol) of every unfinished cell's training state."""
        return {path.parent.name: read_identity(path.parent)
                for path in sorted((self.root / TRAINING_CHECKPOINTS).glob(f"*/{IDENTITY_FILE}"))}

    def remove_training_checkpoint(self, key: str) -> None:
        """Delete cell ``key``'s training state (once the cell is stored, nothing resumes it)."""
        shutil.rmtree(self.root / TRAINING_CHECKPOINTS / key, ignore_errors=True)

    def _splits_path(self, name: str) -> Path:
        return self.root / "splits" / f"{name}.json"

    def load_splits(self, name: str) -> dict | None:
        path = self._splits_path(name)
        return _read_json(path) if path.is_file() else None

    def save_splits(self, name: str, description: dict) -> None:
        write_text_atomically(self._splits_path(name), json.dumps(description, indent=1, sort_keys=True))
