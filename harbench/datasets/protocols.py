"""Evaluation protocols: subject-disjoint train / validation / test splits.

Each protocol yields `Split`s whose three sides share no subject, so no window (and no
overlapping neighbour of a window) of one person is on two sides. The validation subset is
carved from the training subjects by subject, for early stopping and model selection; it is
chosen by ``val_seed`` and the fold, never by the model seed, so every pipeline of a suite
sees the same split.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import GroupKFold

from harbench.datasets.windowset import WindowSet
from harbench.errors import InputValidationError, LeakageError, UnknownIdError


@dataclass(frozen=True)
class Split:
    """Window indices of one fold: ``train``, ``val`` (carved from train) and ``test``."""

    fold: int
    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def check_subject_disjoint(split: Split, subjects: np.ndarray, protocol: str) -> Split:
    """Raise `LeakageError` if any subject is on two sides of ``split``."""
    sides = {name: set(subjects[getattr(split, name)].tolist()) for name in ("train", "val", "test")}
    for first, second in (("train", "val"), ("train", "test"), ("val", "test")):
        shared = sides[first] & sides[second]
        if shared:
            raise LeakageError(
                f"{protocol}, fold {split.fold}: subjects {sorted(shared)} are in both {first} and {second}."
            )
    return split


def carve_validation(train: np.ndarray, subjects: np.ndarray, fraction: float,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Move ``fraction`` of the training subjects (at least one, never all) to validation."""
    train_subjects = np.unique(subjects[train])
    if fraction <= 0:
        return train, train[:0]
    if len(train_subjects) < 2:
        raise InputValidationError(
            f"Cannot carve a subject-disjoint validation subset from {len(train_subjects)} training subject(s); "
            "set val_fraction = 0 or use a protocol with more training subjects."
        )
    n_val = min(max(1, round(fraction * len(train_subjects))), len(train_subjects) - 1)
    val_subjects = rng.choice(train_subjects, size=n_val, replace=False)
    in_val = np.isin(subjects[train], val_subjects)
    return train[~in_val], train[in_val]


class Protocol(ABC):
    """Turns a WindowSet into subject-disjoint splits."""

    name: str

    def __init__(self, val_fraction: float = 0.2, val_seed: int = 0) -> None:
        if not 0 <= val_fraction < 1:
            raise InputValidationError(f"{self.name}: val_fraction must be in [0, 1), got {val_fraction}.")
        self.val_fraction = val_fraction
        self.val_seed = val_seed

    def config(self) -> dict:
        """Everything that determines the splits (part of every result's key)."""
        return {"name": self.name, **vars(self)}

    def splits(self, windows: WindowSet) -> list[Split]:
        """All folds, each checked for subject leakage."""
        splits = []
        for fold, (train, test) in enumerate(self._train_test(windows)):
            rng = np.random.default_rng([self.val_seed, fold])
            train, val = carve_validation(np.sort(train), windows.subjects, self.val_fraction, rng)
            split = Split(fold=fold, train=train, val=val, test=np.sort(test))
            splits.append(check_subject_disjoint(split, windows.subjects, self.name))
        return splits

    @abstractmethod
    def _train_test(self, windows: WindowSet) -> list[tuple[np.ndarray, np.ndarray]]:
        """(train, test) index pairs, one per fold."""


class OfficialSplit(Protocol):
    """The dataset's own train/test split (for UCI HAR and HAPT: 21 train, 9 test subjects)."""

    name = "official"

    def _train_test(self, windows: WindowSet) -> list[tuple[np.ndarray, np.ndarray]]:
        if windows.official_test is None:
            raise InputValidationError(
                f"{windows.name} has no official train/test split; use protocol 'loso', 'grouped_kfold' or "
                "'stratified_kfold'."
            )
        return [(np.flatnonzero(~windows.official_test), np.flatnonzero(windows.official_test))]


class LeaveOneSubjectOut(Protocol):
    """One fold per subject: that subject is the test set."""

    name = "loso"

    def _train_test(self, windows: WindowSet) -> list[tuple[np.ndarray, np.ndarray]]:
        indices = np.arange(len(windows))
        return [(indices[windows.subjects != subject], indices[windows.subjects == subject])
                for subject in np.unique(windows.subjects)]


class GroupedKFold(Protocol):
    """k folds with every subject in exactly one test fold (scikit-learn's GroupKFold)."""

    name = "grouped_kfold"

    def __init__(self, n_splits: int = 5, val_fraction: float = 0.2, val_seed: int = 0) -> None:
        super().__init__(val_fraction=val_fraction, val_seed=val_seed)
        self.n_splits = n_splits

    def _train_test(self, windows: WindowSet) -> list[tuple[np.ndarray, np.ndarray]]:
        n_subjects = len(np.unique(windows.subjects))
        if n_subjects < self.n_splits:
            raise InputValidationError(
                f"grouped_kfold: {windows.name} has {n_subjects} subjects, fewer than n_splits={self.n_splits}."
            )
        folds = GroupKFold(n_splits=self.n_splits).split(windows.X[:, :1, :1], groups=windows.subjects)
        return list(folds)


class StratifiedKFold(Protocol):
    """k folds stratified by class with every group (subject, or sequence where a dataset has
    no subjects) in exactly one test fold (scikit-learn's StratifiedGroupKFold, shuffled with
    ``split_seed``)."""

    name = "stratified_kfold"

    def __init__(self, n_splits: int = 5, split_seed: int = 0, val_fraction: float = 0.2, val_seed: int = 0) -> None:
        super().__init__(val_fraction=val_fraction, val_seed=val_seed)
        self.n_splits = n_splits
        self.split_seed = split_seed

    def _train_test(self, windows: WindowSet) -> list[tuple[np.ndarray, np.ndarray]]:
        from sklearn.model_selection import StratifiedGroupKFold

        smallest = int(np.bincount(windows.y).min())
        if smallest < self.n_splits:
            raise InputValidationError(f"stratified_kfold: the rarest class of {windows.name} has {smallest} windows, "
                                       f"fewer than n_splits={self.n_splits}.")
        folds = StratifiedGroupKFold(n_splits=self.n_splits, shuffle=True, random_state=self.split_seed)
        return list(folds.split(windows.X[:, :1, :1], windows.y, groups=windows.subjects))


class ValidationOf(Protocol):
    """Selection on validation subjects only: each fold of the protocol ``of`` becomes a fold whose
    test side is that fold's validation subjects and whose training side its training subjects
    (from which a validation subset is carved again, by ``val_fraction`` and ``val_seed``, for
    learners that early-stop). The outer fold's test subjects are on no side.

    A suite with this protocol compares candidate configurations (budgets, input representations,
    architecture variants) as a suite with ``of`` would train them, without a test subject;
    its report holds the validation figures a suite file cites for the choice it makes."""

    name = "validation"

    def __init__(self, of: dict, val_fraction: float = 0.2, val_seed: int = 0) -> None:
        super().__init__(val_fraction=val_fraction, val_seed=val_seed)
        if not isinstance(of, dict) or "name" not in of:
            raise InputValidationError("validation: 'of' must be the protocol to select within, as a table with a "
                                       "name, e.g. of = { name = \"official\", val_fraction = 0.2, val_seed = 0 }.")
        if of["name"] == self.name:
            raise InputValidationError("validation: 'of' names the validation protocol itself; name the protocol "
                                       "whose validation subjects should be the test side (official, loso, ...).")
        outer = make_protocol(**of)
        if outer.val_fraction == 0:
            raise InputValidationError(f"validation: the protocol in 'of' ({of['name']}) carves no validation "
                                       "subjects (val_fraction = 0); give it a val_fraction above 0.")
        self.of = outer.config()

    def _train_test(self, windows: WindowSet) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(split.train, split.val) for split in make_protocol(**self.of).splits(windows)]


class CrossDataset(Protocol):
    """Transfer between the datasets a combined dataset holds (``params["domains"]``: dataset ->
    its subjects, and ``official_test`` marking each dataset's test subjects, as
    `harbench.datasets.cross_dataset` gives them): one fold per dataset, training on that
    dataset's training subjects (a validation subset carved from them) and testing on the test
    subjects of every dataset, so one fit gives the in-dataset accuracy (its own test subjects)
    and the transfer accuracy (the other datasets' test subjects). Fold order is the order of
    ``domains``."""

    name = "cross_dataset"

    def _train_test(self, windows: WindowSet) -> list[tuple[np.ndarray, np.ndarray]]:
        domains = windows.params.get("domains")
        if not domains or windows.official_test is None:
            raise InputValidationError(f"cross_dataset: {windows.name} is not a combined dataset (it names no "
                                       "domains and test subjects); use one such as hapt_usc_had.")
        test = np.flatnonzero(windows.official_test)
        return [(np.flatnonzero(np.isin(windows.subjects, subjects) & ~windows.official_test), test)
                for subjects in domains.values()]


PROTOCOLS: dict[str, type[Protocol]] = {
    protocol.name: protocol
    for protocol in (OfficialSplit, LeaveOneSubjectOut, GroupedKFold, StratifiedKFold, ValidationOf, CrossDataset)
}


def make_protocol(name: str, **params) -> Protocol:
    """The protocol ``name`` with ``params``; unknown names and parameters are named in the error."""
    if name not in PROTOCOLS:
        raise UnknownIdError(f"Unknown protocol {name!r}. Known protocols: {', '.join(sorted(PROTOCOLS))}.")
    try:
        return PROTOCOLS[name](**params)
    except TypeError as error:
        raise InputValidationError(f"protocol {name!r}: {error}") from error
