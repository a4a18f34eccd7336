"""Model bundles: one fitted pipeline in a folder that says everything needed to use it.

A bundle is a directory holding ``bundle.json`` (classes, channel names and units, sampling
rate, window length and step, the pipeline id and its full config, the data fingerprint, the
subjects it was trained on and held out, harbench's version and the environment; for a model
of video clips also ``clip``: the frames, frame size and content of its clips and how they are
sampled and resized, `harbench.deploy.clip`) and the model itself, written by the model
(`WindowClassifier.save_fitted`): Keras learners in Keras' native ``model.keras`` format, every
other pipeline with skops (``model.skops``), a plugin in whatever format its class implements.

Nothing is unpickled. skops rebuilds only the types a bundle lists, and loading accepts those
only when they come from harbench, scikit-learn, xgboost, aeon, numpy or scipy (or from the
module of the bundle's own pipeline class); any other type is refused by name
(`harbench.models.persistence`). A bundle written by another harbench minor version or
bundle format is refused with the command that rebuilds it. A clip model's bundle written before
bundles recorded ``clip`` (same format: the field is optional, empty for windows) is refused
the same way, as nothing says how to make its clips.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import harbench
from harbench.atomic import write_text_atomically
from harbench.errors import HarbenchError
from harbench.models.base import WindowClassifier
from harbench.models.persistence import PersistenceError
from harbench.models.registry import PipelineContext, make_pipeline

BUNDLE_FORMAT = 3  # 2: the model writes its own files (no Keras state in bundle.json); 3: input shape of any rank
METADATA_FILE = "bundle.json"


class BundleError(HarbenchError, ValueError):
    """A model bundle is missing, damaged, untrusted or from an incompatible harbench version."""


@dataclass(frozen=True)
class BundleInfo:
    """What a bundle's model expects and where it came from (``bundle.json``)."""

    pipeline: str
    config: dict
    seed: int
    family: str
    classes: list[str]
    channels: list[str]
    units: list[str]
    fs: float
    window_length: int
    window_step: int
    dataset: str
    data_fingerprint: str
    suite: str
    protocol: dict
    fold: int
    subjects: dict[str, list[int]]
    held_out_accuracy: float | None
    fit_command: str
    environment: dict
    harbench_version: str = harbench.__version__
    format: int = BUNDLE_FORMAT
    windowing: dict = field(default_factory=dict)  # what the dataset was loaded with (`DatasetSpec.windowing`)
    clip: dict = field(default_factory=dict)  # a clip model's clips (`harbench.deploy.clip`); empty for windows

    def context(self) -> PipelineContext:
        return PipelineContext(fs=self.fs, channels=tuple(self.channels), units=tuple(self.units))


@dataclass(frozen=True)
class Bundle:
    """A loaded bundle: its description and the fitted pipeline, ready to `predict`."""

    info: BundleInfo
    model: WindowClassifier
    path: Path

    def predict(self, windows: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Class indices (n,) of windows shaped like the training windows, and their class
        probabilities (n, n_classes) where the model gives them (an SVC without Platt
        scaling, for one, gives none: then None, never made-up probabilities)."""
        try:
            probabilities = self.model.predict_proba(windows)
        except (AttributeError, NotImplementedError):
            return np.asarray(self.model.predict(windows)).astype(int), None
        return probabilities.argmax(axis=1), probabilities


def save_bundle(folder: Path, info: BundleInfo, model: WindowClassifier) -> Path:
    """Write ``model`` and ``info`` into ``folder`` (created; an existing bundle is replaced
    whole, so none of its files outlives it; a non-empty folder that is not a bundle is refused)."""
    folder = Path(folder)
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / METADATA_FILE).is_file():
            raise BundleError(f"{folder}: not empty and not a harbench bundle; write the bundle to a new or empty "
                              "folder.")
        for path in folder.iterdir():
            if path.is_file():
                path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_fitted(folder)
    write_text_atomically(folder / METADATA_FILE, json.dumps(asdict(info), indent=2) + "\n")
    return folder


def _compatible(version: str) -> bool:
    return version.split(".")[:2] == harbench.__version__.split(".")[:2]


def read_info(folder: Path) -> BundleInfo:
    """The checked ``bundle.json`` of the bundle in ``folder``."""
    path = Path(folder) / METADATA_FILE
    if not path.is_file():
        raise BundleError(f"{folder}: not a harbench model bundle (no {METADATA_FILE}). Make one with "
                          "`harbench fit SUITE --pipeline ID --out FOLDER`.")
    try:
        raw = json.loads(path.read_text())
        info = BundleInfo(**raw)
    except (json.JSONDecodeError, TypeError) as error:
        raise BundleError(f"{path}: damaged bundle description ({error}). Fit the bundle again.") from error
    if info.format != BUNDLE_FORMAT or not _compatible(info.harbench_version):
        raise BundleError(
            f"{folder}: this bundle was written by harbench {info.harbench_version} (bundle format {info.format}); "
            f"this is harbench {harbench.__version__} (format {BUNDLE_FORMAT}), which cannot load it safely. "
            f"Rebuild it with: {info.fit_command}"
        )
    return info


def load_bundle(folder: Path) -> Bundle:
    """The bundle in ``folder``, checked (version, trusted types, shapes) before it is used."""
    folder = Path(folder)
    info = read_info(folder)
    configured = make_pipeline(info.pipeline, info.context(), info.seed, info.config)
    try:
        model = configured.load_fitted(folder)
    except PersistenceError as error:
        raise BundleError(f"{error} (bundle {folder}, pipeline {info.pipeline!r})") from error
    if model.input_rank == 5 and not info.clip:
        raise BundleError(f"{folder}: a model of video clips whose bundle does not say how its clips are made "
                          f"(written before harbench recorded that). Rebuild it with: {info.fit_command}")
    return Bundle(info=info, model=model, path=folder)
