"""Model bundles: one fitted pipeline in a folder that says everything needed to use it.

A bundle is a directory holding ``bundle.json`` (classes, channel names and units, sampling
rate, window length and step, the pipeline id and its full config, the data fingerprint, the
subjects it was trained on and held out, harbench's version and the environment) and the
model itself: Keras learners in Keras' native ``model.keras`` format, every other pipeline
with skops (``model.skops``).

Nothing is unpickled. skops rebuilds only the types a bundle lists, and `load_bundle`
accepts those only when they come from harbench, scikit-learn, xgboost, aeon, numpy or scipy
(or from the module of a registered plugin model); any other type is refused by name. A
bundle written by another harbench minor version is refused with the command that rebuilds it.
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
from harbench.models.registry import PipelineContext, make_pipeline

BUNDLE_FORMAT = 1
METADATA_FILE = "bundle.json"
KERAS_FILE = "model.keras"
SKOPS_FILE = "model.skops"
TRUSTED_PACKAGES = ("harbench", "sklearn", "xgboost", "aeon", "numpy", "scipy")


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
    keras_state: dict = field(default_factory=dict)

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
    """Write ``model`` and ``info`` into ``folder`` (created; an existing bundle is replaced)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if model.family == "deep":
        model.model_.save(folder / KERAS_FILE)
        state = {"channel_mean": model.channel_mean_.tolist(), "channel_std": model.channel_std_.tolist(),
                 "classes": model.classes_.tolist(), "n_timesteps": int(model.n_timesteps_),
                 "n_channels": int(model.n_channels_)}
        info = BundleInfo(**{**asdict(info), "keras_state": state})
        (folder / SKOPS_FILE).unlink(missing_ok=True)
    else:
        import skops.io

        skops.io.dump(model, folder / SKOPS_FILE)
        (folder / KERAS_FILE).unlink(missing_ok=True)
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


def _trusted(type_name: str, plugin_modules: set[str]) -> bool:
    package = type_name.split(".", 1)[0]
    return package in TRUSTED_PACKAGES or type_name.rsplit(".", 1)[0] in plugin_modules


def load_bundle(folder: Path) -> Bundle:
    """The bundle in ``folder``, checked (version, trusted types, shapes) before it is used."""
    folder = Path(folder)
    info = read_info(folder)
    model = make_pipeline(info.pipeline, info.context(), info.seed, info.config)
    if info.family == "deep":
        import keras

        state = info.keras_state
        model.model_ = keras.saving.load_model(folder / KERAS_FILE, compile=False)
        model.channel_mean_ = np.asarray(state["channel_mean"], dtype=np.float32)
        model.channel_std_ = np.asarray(state["channel_std"], dtype=np.float32)
        model.classes_ = np.asarray(state["classes"])
        model.n_timesteps_, model.n_channels_ = state["n_timesteps"], state["n_channels"]
        return Bundle(info=info, model=model, path=folder)
    import skops.io

    path = folder / SKOPS_FILE
    if not path.is_file():
        raise BundleError(f"{folder}: the model file {SKOPS_FILE} is missing. Fit the bundle again.")
    untrusted = skops.io.get_untrusted_types(file=path)
    refused = [name for name in untrusted if not _trusted(name, {type(model).__module__})]
    if refused:
        raise BundleError(f"{path}: refused to load types that harbench did not write: {', '.join(refused)}. "
                          "Only load bundles you made yourself with `harbench fit`.")
    loaded = skops.io.load(path, trusted=untrusted)
    if type(loaded) is not type(model):
        raise BundleError(f"{path}: holds a {type(loaded).__name__}, but {METADATA_FILE} says pipeline "
                          f"{info.pipeline!r} ({type(model).__name__}).")
    return Bundle(info=info, model=loaded, path=folder)
