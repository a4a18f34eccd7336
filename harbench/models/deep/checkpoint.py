"""Resumable training: a Keras fit that was interrupted resumes from its last saved epoch and
ends with the weights an uninterrupted fit gives, bit for bit.

A paper-recipe cell trains for hours on a CPU (``uci_har_budgets``' ``resnet@paper``: about
150 epochs of a minute each, then the refit), longer than a process may live. The runner
(`harbench.runner.execute.run_cell`) therefore fits every cell of a clean checkout inside
`training_checkpoints`, with a folder of its own; a Keras learner fitting inside it
(`harbench.models.deep.keras_classifier`) saves, at the end of an epoch (at most every
``interval_s`` seconds) and at the end of each of its training runs, everything the next
epoch depends on:

- the network's variables, Keras' random seed generators among them (dropout), and the
  optimiser's (moments, step count, current learning rate);
- the state of the callbacks that select the epoch and schedule the learning rate
  (EarlyStopping's best value, epoch and weights; ReduceLROnPlateau's counters; the learning
  rate of each epoch so far) and the training curves so far;
- NumPy's global random state, from which the JAX backend draws each epoch's shuffle
  (TensorFlow's shuffle is an op of the input pipeline, seeded by the global seed that
  `harbench.models.deep.backend.make_deterministic` sets);
- the training seconds so far, so that a resumed cell's ``fit_s`` is what fitting it cost,
  over every process that trained it, without the epochs that were lost and trained again.

Resuming rebuilds the network from the same seed, restores all of that and continues with
Keras' ``initial_epoch``. ``tests/test_training_checkpoints.py`` checks, on TensorFlow and on
JAX, that a fit interrupted after an epoch and resumed in a new process gives the same
weights, curves and selected epoch as one that was not.

A checkpoint is only ever resumed by the computation that wrote it: the runner gives each
folder an ``identity``, the cell's key (which holds every component's version, the evaluation
version, the backend, device and threads: what a stored cell is reused by, across commits)
and `STATE_VERSION`, with the cell's label, dataset and protocol for `harbench prune`; a
folder written under another identity is deleted and the fit starts from its first epoch.
Each state also records the commit that saved it (the runner only keeps states of clean
checkouts), and a resumed cell's record lists those commits. Each training run's
state is one ``.npz`` file written atomically (`harbench.atomic`), so a process killed while
writing leaves the previous epoch's state.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from harbench.atomic import write_bytes_atomically, write_text_atomically
from harbench.errors import DataIntegrityError

# Version of what a saved state holds and how it is restored: bump it whenever either changes,
# so that states saved by the earlier code are discarded instead of resumed.
STATE_VERSION = 1
DEFAULT_INTERVAL_S = 60.0  # the most training a kill can lose, in seconds (plus the epoch under way)
IDENTITY_FILE = "identity.json"
_STATE_ENTRY = "__state__"  # the JSON part of a run's state, stored as bytes inside its .npz

_ACTIVE: contextvars.ContextVar[TrainingCheckpoint | None] = contextvars.ContextVar("harbench_training_checkpoint",
                                                                                    default=None)


class TrainingCheckpoint:
    """The saved training state of one fit, in ``folder``: one ``<run>.npz`` per training run
    (``selection``, ``refit``, or ``training`` without validation windows).

    Attributes
    ----------
    seconds_before : float
        Training seconds that earlier processes spent on the state this fit resumes from (0 for
        a fit that starts from nothing).
    resumed_epochs : int
        Epochs restored from the folder instead of trained in this process.
    resumed_writers : list[str]
        Who saved the states this fit resumed from (the runner's ``writer``: the commit).
    discarded : str or None
        Why a folder found under another identity was deleted, else None.
    """

    def __init__(self, folder: Path, identity: dict, interval_s: float = DEFAULT_INTERVAL_S, writer: str = "") -> None:
        self.folder = Path(folder)
        self.identity = identity
        self.interval_s = interval_s
        self.writer = writer
        self.discarded: str | None = None
        self.resumed_epochs = 0
        self.resumed_writers: list[str] = []
        stored = read_identity(self.folder)
        if stored is not None:
            if stored != identity:
                self.discarded = (f"{self.folder} was written for another computation "
                                  f"({', '.join(differing_fields(stored, identity))} differ)")
                shutil.rmtree(self.folder)
        elif self.folder.exists():
            shutil.rmtree(self.folder)  # a folder without identity: creation was interrupted, nothing to resume
        self.seconds_before = max((_read_run(self.folder / f"{run}.npz", arrays=False)[0]["elapsed_s"]
                                   for run in self.saved_runs()), default=0.0)
        self._started = time.perf_counter()
        self._last_save = self._started

    def saved_runs(self) -> list[str]:
        """Names of the training runs with a saved state."""
        return sorted(path.stem for path in self.folder.glob("*.npz")) if self.folder.is_dir() else []

    def elapsed_s(self) -> float:
        """Training seconds of this fit so far, earlier processes included (`seconds_before`)."""
        return self.seconds_before + time.perf_counter() - self._started

    def due(self) -> bool:
        """Whether ``interval_s`` has passed since the last save (or since this process started)."""
        return time.perf_counter() - self._last_save >= self.interval_s

    def save(self, run: str, state: dict, arrays: dict[str, np.ndarray]) -> None:
        """Replace run ``run``'s saved state: ``state`` (JSON-compatible; ``elapsed_s`` is added)
        and ``arrays``, in one file written atomically."""
        identity_path = self.folder / IDENTITY_FILE
        if not identity_path.is_file():  # the folder is made by the first save: a fit that never saves leaves none
            write_text_atomically(identity_path, json.dumps(self.identity, indent=1, sort_keys=True))
        payload = json.dumps({**state, "elapsed_s": self.elapsed_s(), "written_by": self.writer},
                             sort_keys=True).encode()
        buffer = io.BytesIO()
        np.savez(buffer, **arrays, **{_STATE_ENTRY: np.frombuffer(payload, dtype=np.uint8)})
        write_bytes_atomically(self.folder / f"{run}.npz", buffer.getvalue())
        self._last_save = time.perf_counter()

    def load(self, run: str) -> tuple[dict, dict[str, np.ndarray]] | None:
        """Run ``run``'s saved state and arrays, or None when none is saved.

        Raises
        ------
        DataIntegrityError
            Naming the file, when it cannot be read.
        """
        path = self.folder / f"{run}.npz"
        if not path.is_file():
            return None
        state, arrays = _read_run(path, arrays=True)
        if state.get("written_by") not in self.resumed_writers:
            self.resumed_writers.append(state.get("written_by"))
        return state, arrays


def _read_run(path: Path, arrays: bool) -> tuple[dict, dict[str, np.ndarray]]:
    """The state of one saved run, and its arrays (or none, without reading them)."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            state = json.loads(stored[_STATE_ENTRY].tobytes())
            values = {name: stored[name] for name in stored.files if name != _STATE_ENTRY} if arrays else {}
    except (OSError, ValueError, KeyError) as error:
        raise DataIntegrityError(f"{path}: unreadable training checkpoint ({type(error).__name__}: {error}); "
                                 f"delete {path.parent} to train this cell from its first epoch.") from error
    return state, values


def saved_progress(folder: Path) -> str:
    """What the training state in ``folder`` holds, e.g. ``selection finished after 61 epochs,
    refit 12 epochs``, without reading its arrays ('' when it holds none)."""
    runs = []
    for path in sorted(Path(folder).glob("*.npz"), key=lambda path: path.stat().st_mtime):
        state, _ = _read_run(path, arrays=False)
        runs.append(f"{path.stem} {'finished after ' if state.get('finished') else ''}{state.get('epochs', 0)} epochs")
    return ", ".join(runs)


def differing_fields(saved: dict, identity: dict) -> list[str]:
    """The fields in which the identity a state was ``saved`` under differs from ``identity``."""
    return sorted(name for name in {*saved, *identity} if saved.get(name) != identity.get(name))


def read_identity(folder: Path) -> dict | None:
    """The identity a training state in ``folder`` was saved under, or None when it has none.

    Raises
    ------
    DataIntegrityError
        Naming the file, when it cannot be read.
    """
    path = Path(folder) / IDENTITY_FILE
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise DataIntegrityError(f"{path}: unreadable ({error}); delete {path.parent} to train this cell from its "
                                 "first epoch.") from error


@contextlib.contextmanager
def training_checkpoints(folder: Path, identity: dict, interval_s: float = DEFAULT_INTERVAL_S,
                         writer: str = "") -> Iterator[TrainingCheckpoint]:
    """Within this block, a Keras learner's fit saves its state in ``folder`` and resumes from
    what is saved there under the same ``identity`` (see the module docstring); each state
    records ``writer`` (who saved it; not part of the identity)."""
    checkpoint = TrainingCheckpoint(folder, identity, interval_s, writer)
    token = _ACTIVE.set(checkpoint)
    try:
        yield checkpoint
    finally:
        _ACTIVE.reset(token)


def active_checkpoint() -> TrainingCheckpoint | None:
    """The checkpoint of the enclosing `training_checkpoints` block, or None outside one."""
    return _ACTIVE.get()


def numpy_random_state() -> dict:
    """NumPy's global (legacy) random state as JSON-compatible values."""
    name, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    return {"name": name, "keys": keys.tolist(), "position": int(position), "has_gauss": int(has_gauss),
            "cached_gaussian": float(cached_gaussian)}


def set_numpy_random_state(state: dict) -> None:
    """Restore what `numpy_random_state` returned."""
    np.random.set_state((state["name"], np.asarray(state["keys"], dtype=np.uint32), state["position"],
                         state["has_gauss"], state["cached_gaussian"]))
