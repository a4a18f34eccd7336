"""The results store: one JSON file per finished cell, written atomically.

``<root>/cells/<key>.json`` holds a cell's metrics, timings and environment;
``<root>/splits/<name>.json`` describes a dataset's folds (subjects and class counts per
side) so that reports and reruns need not load the data. A file is written to a temporary
name in the same folder and renamed into place, so an interrupted run leaves either the
whole record or nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from harbench.atomic import write_text_atomically
from harbench.errors import DataIntegrityError

DEFAULT_RESULTS_DIR = Path("results")


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

    def has(self, key: str) -> bool:
        return self._cell_path(key).is_file()

    def load(self, key: str) -> dict:
        return _read_json(self._cell_path(key))

    def save(self, key: str, record: dict) -> None:
        write_text_atomically(self._cell_path(key), json.dumps(record, indent=1, sort_keys=True))

    def _splits_path(self, name: str) -> Path:
        return self.root / "splits" / f"{name}.json"

    def load_splits(self, name: str) -> dict | None:
        path = self._splits_path(name)
        return _read_json(path) if path.is_file() else None

    def save_splits(self, name: str, description: dict) -> None:
        write_text_atomically(self._splits_path(name), json.dumps(description, indent=1, sort_keys=True))
