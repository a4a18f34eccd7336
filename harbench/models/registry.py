"""The model registry: pipeline ids to factories.

A pipeline id is ``<featureset>+<learner>`` for classical pipelines (``handcrafted+svm``) or a
bare model id for learners on raw windows (``cnn``). Feature sets, classical learners and
raw-window models each register under a name; every feature set combines with every
learner. A new model needs one class and one registration.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sklearn.base import BaseEstimator

from harbench.errors import InputValidationError, UnknownIdError
from harbench.models.base import WindowClassifier
from harbench.models.classical import FeatureClassifier


@dataclass(frozen=True)
class PipelineContext:
    """What a pipeline may know about the data before seeing it: rate and channel layout."""

    fs: float
    channels: Sequence[str]
    units: Sequence[str]


@dataclass(frozen=True)
class _Learner:
    factory: Callable[..., BaseEstimator]
    needs_scaling: bool
    search_grid: dict


_FEATURE_SETS: dict[str, Callable[..., BaseEstimator]] = {}
_LEARNERS: dict[str, _Learner] = {}
_MODELS: dict[str, type[WindowClassifier]] = {}


def register_feature_set(name: str) -> Callable:
    """Register ``factory(context, **params)`` returning a transformer of (n, T, C) windows."""
    def decorate(factory: Callable[..., BaseEstimator]) -> Callable[..., BaseEstimator]:
        _FEATURE_SETS[name] = factory
        return factory
    return decorate


def register_learner(name: str, needs_scaling: bool, search_grid: dict) -> Callable:
    """Register ``factory(seed, **params)`` returning a scikit-learn classifier of feature rows.

    ``search_grid`` is the learner's default grid for the optional inner grouped-CV search.
    """
    def decorate(factory: Callable[..., BaseEstimator]) -> Callable[..., BaseEstimator]:
        _LEARNERS[name] = _Learner(factory, needs_scaling, search_grid)
        return factory
    return decorate


def register_model(name: str) -> Callable:
    """Register a `WindowClassifier` class on raw windows; its constructor takes ``seed``."""
    def decorate(model: type[WindowClassifier]) -> type[WindowClassifier]:
        if "seed" not in inspect.signature(model).parameters:
            raise TypeError(f"{model.__qualname__} must take a 'seed' constructor argument to be registered.")
        _MODELS[name] = model
        return model
    return decorate


def pipeline_ids() -> list[str]:
    """Every pipeline id that `make_pipeline` accepts."""
    classical = [f"{features}+{learner}" for features in _FEATURE_SETS for learner in _LEARNERS]
    return sorted(classical) + sorted(_MODELS)


def _call(factory: Callable, where: str, *args, **params):
    """``factory(*args, **params)``, naming any parameter the factory does not take."""
    accepted = list(inspect.signature(factory).parameters)[len(args):]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise InputValidationError(f"{where}: unknown parameter(s) {unknown}; accepted: {accepted}.")
    return factory(*args, **params)


def make_pipeline(pipeline_id: str, context: PipelineContext, seed: int, config: dict | None = None
                  ) -> WindowClassifier:
    """The pipeline ``pipeline_id`` configured with ``config`` and seeded with ``seed``.

    For a classical pipeline ``config`` may hold ``features`` and ``learner`` tables of
    parameters and ``search``: ``true`` for an inner grouped-CV search over the learner's
    default grid, or a table ``{grid = {...}, folds = 3}``; for a raw-window model it holds the
    model's parameters.
    """
    config = dict(config or {})
    if "seed" in config:
        raise InputValidationError(f"pipeline {pipeline_id!r}: 'seed' is set by the suite's seeds, not by the "
                                   "pipeline config; remove it.")
    if pipeline_id in _MODELS:
        return _call(_MODELS[pipeline_id], f"pipeline {pipeline_id!r}", **{**config, "seed": seed})
    features, _, learner = pipeline_id.partition("+")
    if features not in _FEATURE_SETS or learner not in _LEARNERS:
        raise UnknownIdError(f"Unknown pipeline id {pipeline_id!r}. Known pipelines: {', '.join(pipeline_ids())}.")
    unknown = sorted(set(config) - {"features", "learner", "search"})
    if unknown:
        raise InputValidationError(
            f"pipeline {pipeline_id!r}: unknown key(s) {unknown}; a classical pipeline takes 'features', "
            "'learner' and 'search'."
        )
    spec = _LEARNERS[learner]
    learner_estimator = _call(spec.factory, f"pipeline {pipeline_id!r}, learner", seed, **config.get("learner", {}))
    grid, folds = None, 3
    if config.get("search", False) is not False:
        search = {} if config["search"] is True else dict(config["search"])
        unknown = sorted(set(search) - {"grid", "folds"})
        if unknown:
            raise InputValidationError(f"pipeline {pipeline_id!r}: unknown search key(s) {unknown}; use 'grid', "
                                       "'folds'.")
        grid, folds = search.get("grid", spec.search_grid), int(search.get("folds", 3))
    if grid:
        bad = sorted(set(grid) - set(learner_estimator.get_params()))
        if bad:
            raise InputValidationError(f"pipeline {pipeline_id!r}: search grid names unknown learner parameter(s) "
                                       f"{bad}.")
    return FeatureClassifier(
        features=_call(_FEATURE_SETS[features], f"pipeline {pipeline_id!r}, features", context,
                       **config.get("features", {})),
        learner=learner_estimator, scale=spec.needs_scaling, search_grid=grid,
        search_folds=folds,
    )


def describe(estimator: object) -> object:
    """A JSON-able description of ``estimator`` and all its parameters (for result keys)."""
    if isinstance(estimator, BaseEstimator):
        params = estimator.get_params(deep=False)
        return {"class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
                "params": {name: describe(value) for name, value in sorted(params.items())}}
    if isinstance(estimator, (list, tuple)):
        return [describe(value) for value in estimator]
    if isinstance(estimator, dict):
        return {str(key): describe(value) for key, value in sorted(estimator.items())}
    if estimator is None or isinstance(estimator, (bool, int, float, str)):
        return estimator
    return repr(estimator)
