"""`harbench fit`: train one pipeline of a suite as the suite trains it and save it as a bundle.

The pipeline is fitted on the training side of one fold of the suite's protocol (fold 0 by
default; under the official split that is every training subject), with the suite's
windowing, config and first seed: the same model the suite's cell for that fold and seed
trains, so its held-out accuracy can be checked against the report. A pipeline of clips also
records what its clips are and how they are made (`harbench.deploy.clip.clip_record`), which
`harbench predict` makes of a video file.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score

from harbench.datasets.catalog import get_dataset
from harbench.datasets.clips import ClipSet
from harbench.deploy.bundle import BundleInfo, save_bundle
from harbench.deploy.clip import clip_record
from harbench.errors import InputValidationError, SuiteError
from harbench.experiment import SuiteData
from harbench.models.registry import describe
from harbench.runner.environment import environment
from harbench.runner.execute import fit_on_split
from harbench.runner.store import ResultStore
from harbench.runner.suite import Suite


def fit_bundle(suite: Suite, pipeline: str, out: Path, dataset: str | None = None, fold: int = 0,
               results_dir: Path = Path("results"), log: Callable[[str], None] = print) -> BundleInfo:
    """Fit ``pipeline`` of ``suite`` on ``dataset`` (the suite's only dataset by default) and save
    the bundle in ``out``; returns what was written to its ``bundle.json``. The fold is
    recomputed from the data exactly as the suite's run computes it (protocols are
    deterministic); ``results_dir`` is the suite's results store, which fitting only reads from."""
    if pipeline not in suite.pipelines:
        raise SuiteError(f"{suite.path}: no pipeline {pipeline!r} in suite {suite.name!r}; it has "
                         f"{', '.join(suite.pipelines)}.")
    if dataset is None:
        if len(suite.datasets) != 1:
            raise SuiteError(f"{suite.path}: suite {suite.name!r} has datasets {', '.join(suite.datasets)}; "
                             "choose one with --dataset.")
        dataset = suite.datasets[0]
    if dataset not in suite.datasets:
        raise SuiteError(f"{suite.path}: dataset {dataset!r} is not in suite {suite.name!r} "
                         f"({', '.join(suite.datasets)}).")
    if not suite.runs_on(pipeline, dataset):
        raise SuiteError(f"{suite.path}: pipeline {pipeline!r} does not run on {dataset!r} in suite {suite.name!r} "
                         f"(it runs on {', '.join(suite.pipeline_datasets[pipeline])}).")
    data = SuiteData(suite, ResultStore(Path(results_dir)))
    windows, splits = data.windows(dataset), data.splits(dataset)
    if not 0 <= fold < len(splits):
        raise SuiteError(f"{suite.path}: fold {fold} does not exist; {suite.protocol['name']} on {dataset} has "
                         f"folds 0-{len(splits) - 1}.")
    split, seed, config = splits[fold], suite.seeds[0], suite.pipelines[pipeline]
    log(f"fitting {pipeline} on {dataset} ({suite.protocol['name']}, fold {fold}, seed {seed}) ...")
    model, train, _ = fit_on_split(pipeline, seed, config, windows, split)
    held_out = None
    if len(split.test):
        held_out = float(accuracy_score(windows.y[split.test], model.predict(windows.X[split.test])))
    windowing = windows.params
    length = int(windowing.get("length", windows.n_timesteps))
    info = BundleInfo(
        pipeline=pipeline, config=config, seed=seed, family=model.family, classes=list(windows.classes),
        channels=list(windows.channels), units=list(windows.units), fs=float(windows.fs),
        window_length=length, window_step=int(windowing.get("step", length)), dataset=dataset,
        data_fingerprint=windows.fingerprint, suite=suite.name, protocol=suite.protocol, fold=fold,
        subjects={side: sorted(int(s) for s in np.unique(windows.subjects[indices]))
                  for side, indices in (("trained_on", train), ("validation", split.val), ("held_out", split.test))},
        held_out_accuracy=held_out, windowing=data.windowing(dataset),
        clip=clip_record(windows) if isinstance(windows, ClipSet) else {},
        fit_command=shlex.join(["harbench", "fit", suite.name, "--pipeline", pipeline, "--dataset", dataset,
                                "--fold", str(fold), "--out", str(out)]),
        environment={**environment(), "resolved_config": describe(model)},
    )
    save_bundle(Path(out), info, model)
    return info


def held_out_windows(info: BundleInfo) -> np.ndarray:
    """The windows of the subjects (or cases) ``info``'s model was not trained on, cut as it was
    trained; refused when the data on disk is not the data the bundle was fitted on."""
    spec = get_dataset(info.dataset)
    windows = spec.load(**info.windowing)
    if windows.fingerprint != info.data_fingerprint:
        raise InputValidationError(
            f"{info.dataset}: the data found has fingerprint {windows.fingerprint}, the bundle was fitted on "
            f"{info.data_fingerprint}; the held-out windows cannot be checked on other data."
        )
    held_out = np.isin(windows.subjects, info.subjects["held_out"])
    if not held_out.any():
        raise InputValidationError(f"the bundle's fold ({info.protocol['name']}, fold {info.fold}) holds out no "
                                   "windows to check against.")
    return windows.X[held_out]
