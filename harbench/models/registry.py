"""The model registry: pipeline ids to factories.

A pipeline id is ``<featureset>+<learner>`` for classical pipelines (``handcrafted+svm``) or a
bare model id for learners on raw windows (``cnn``). Feature sets, classical learners and
raw-window models each register under a name; every feature set combines with every
learner. A new model needs one class and one registration.

A suite may run one pipeline under several configurations by naming each a variant,
``<pipeline id>@<variant>`` (``resnet@paper`` and ``resnet@cpu``: the paper's training budget
and a bounded one); the variant is only a name, the configuration says what differs.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sklearn.base import BaseEstimator

from harbench.errors import InputValidationError, UnknownIdError
from harbench.models.base import WindowClassifier
from harbench.models.classical import FeatureClassifier, FeatureSettingsSearch
from harbench.models.representation import Layout, RepresentedClassifier, get_representation


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
    version: int


_FEATURE_SETS: dict[str, Callable[..., BaseEstimator]] = {}
_LEARNERS: dict[str, _Learner] = {}
_MODELS: dict[str, type[WindowClassifier]] = {}


def register_feature_set(name: str) -> Callable:
    """Register ``factory(context, **params)`` returning a transformer of (n, T, C) windows.

    The transformer's class declares an integer ``version``, bumped whenever its output for
    the same windows changes (it is part of every result's key)."""
    def decorate(factory: Callable[..., BaseEstimator]) -> Callable[..., BaseEstimator]:
        _FEATURE_SETS[name] = factory
        return factory
    return decorate


def register_learner(name: str, needs_scaling: bool, search_grid: dict, version: int = 1) -> Callable:
    """Register ``factory(seed, **params)`` returning a scikit-learn classifier of feature rows.

    ``search_grid`` is the learner's default grid for the optional inner grouped-CV search;
    ``version`` is bumped whenever the factory's estimator changes what it predicts for the
    same features and seed (it is part of every result's key).
    """
    def decorate(factory: Callable[..., BaseEstimator]) -> Callable[..., BaseEstimator]:
        _LEARNERS[name] = _Learner(factory, needs_scaling, search_grid, version)
        return factory
    return decorate


def register_model(name: str) -> Callable:
    """Register a `WindowClassifier` class on raw windows; its constructor takes ``seed``, and
    its ``version`` class attribute is bumped whenever its predictions change."""
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


_VARIANT = re.compile(r"[a-z0-9_]+")


def base_pipeline_id(pipeline_id: str) -> str:
    """``pipeline_id`` without its ``@variant`` suffix, checking the variant's spelling."""
    base, at, variant = pipeline_id.partition("@")
    if at and not _VARIANT.fullmatch(variant):
        raise InputValidationError(f"pipeline {pipeline_id!r}: a variant name after '@' uses only lowercase "
                                   "letters, digits and '_' (e.g. 'resnet@paper').")
    return base


def _call(factory: Callable, where: str, *args, **params):
    """``factory(*args, **params)``, naming any parameter the factory does not take."""
    accepted = list(inspect.signature(factory).parameters)[len(args):]
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        raise InputValidationError(f"{where}: unknown parameter(s) {unknown}; accepted: {accepted}.")
    return factory(*args, **params)


def _represented(pipeline_id: str, model: WindowClassifier, representation: str, context: PipelineContext
                 ) -> WindowClassifier:
    """``model`` fed the ``representation`` of inputs of layout ``context`` (itself for ``raw``)."""
    if representation == "raw":
        return model
    if model.input_rank != 3:
        raise InputValidationError(
            f"pipeline {pipeline_id!r} takes inputs of rank {model.input_rank}; representation {representation!r} "
            "gives (n, T, C) windows. Leave the representation out for it."
        )
    return RepresentedClassifier(model, representation, context.fs, tuple(context.channels), tuple(context.units))


def make_pipeline(pipeline_id: str, context: PipelineContext, seed: int, config: dict | None = None
                  ) -> WindowClassifier:
    """The pipeline ``pipeline_id`` configured with ``config`` and seeded with ``seed``.

    For a classical pipeline ``config`` may hold ``features`` and ``learner`` tables of
    parameters and ``search``: ``true`` for an inner grouped-CV search over the learner's
    default grid, or a table ``{grid = {...}, folds = 3, features = {...}}`` (``features``: a
    grid of the feature set's parameters, searched with the learner's, `FeatureSettingsSearch`;
    ``grid = {}`` searches the features alone); for a raw-window model it holds the
    model's parameters. Either may name ``representation``, an input representation
    (`harbench.models.representation`; default ``raw``); a feature set is then built for the
    layout of the representation's output (``shape_descriptors``: the descriptors of clips).
    """
    config = dict(config or {})
    if "seed" in config:
        raise InputValidationError(f"pipeline {pipeline_id!r}: 'seed' is set by the suite's seeds, not by the "
                                   "pipeline config; remove it.")
    base = base_pipeline_id(pipeline_id)
    representation = config.pop("representation", "raw")
    if base in _MODELS:
        model = _call(_MODELS[base], f"pipeline {pipeline_id!r}", **{**config, "seed": seed})
        get_representation(representation)  # an unknown one fails when the suite is read
        return _represented(pipeline_id, model, representation, context)
    features, _, learner = base.partition("+")
    if features not in _FEATURE_SETS or learner not in _LEARNERS:
        raise UnknownIdError(f"Unknown pipeline id {pipeline_id!r}. Known pipelines: {', '.join(pipeline_ids())}.")
    unknown = sorted(set(config) - {"features", "learner", "search"})
    if unknown:
        raise InputValidationError(
            f"pipeline {pipeline_id!r}: unknown key(s) {unknown}; a classical pipeline takes 'features', "
            "'learner', 'search' and 'representation'."
        )
    layout = get_representation(representation).layout_of_output(
        Layout(float(context.fs), tuple(context.channels), tuple(context.units)))
    feature_context = PipelineContext(fs=layout.fs, channels=layout.channels, units=layout.units)
    spec = _LEARNERS[learner]
    learner_estimator = _call(spec.factory, f"pipeline {pipeline_id!r}, learner", seed, **config.get("learner", {}))
    grid, folds, feature_grid = None, 3, None
    if config.get("search", False) is not False:
        search = {} if config["search"] is True else dict(config["search"])
        unknown = sorted(set(search) - {"grid", "folds", "features"})
        if unknown:
            raise InputValidationError(f"pipeline {pipeline_id!r}: unknown search key(s) {unknown}; use 'grid', "
                                       "'folds', 'features'.")
        grid, folds = search.get("grid", spec.search_grid), int(search.get("folds", 3))
        feature_grid = search.get("features")
    if grid:
        bad = sorted(set(grid) - set(learner_estimator.get_params()))
        if bad:
            raise InputValidationError(f"pipeline {pipeline_id!r}: search grid names unknown learner parameter(s) "
                                       f"{bad}.")
    feature_set = _call(_FEATURE_SETS[features], f"pipeline {pipeline_id!r}, features",
                        context if representation == "raw" else feature_context, **config.get("features", {}))
    if not isinstance(getattr(feature_set, "version", None), int):
        raise InputValidationError(f"feature set {features!r}: {type(feature_set).__qualname__} declares no integer "
                                   "'version' class attribute; add `version = 1` and bump it when its output changes.")
    if feature_grid:
        bad = sorted(set(feature_grid) - set(feature_set.get_params()))
        if bad:
            raise InputValidationError(f"pipeline {pipeline_id!r}: search features names unknown parameter(s) {bad} "
                                       f"of feature set {features!r}; it has {sorted(feature_set.get_params())}.")
        pipeline = FeatureSettingsSearch(features=feature_set, learner=learner_estimator, scale=spec.needs_scaling,
                                         search_grid=grid, search_folds=folds, feature_grid=feature_grid)
    else:
        pipeline = FeatureClassifier(features=feature_set, learner=learner_estimator, scale=spec.needs_scaling,
                                     search_grid=grid, search_folds=folds)
    return _represented(pipeline_id, pipeline, representation, context)


def component_versions(pipeline_id: str, pipeline: WindowClassifier) -> dict[str, int]:
    """The algorithm version of every component ``pipeline`` (made by `make_pipeline` for
    ``pipeline_id``) is built from: a raw-window model, or the feature pipeline, its feature
    set and its learner. Part of every result's key, so a bumped version recomputes it."""
    base = base_pipeline_id(pipeline_id)
    if isinstance(pipeline, RepresentedClassifier):
        wrapper = {"wrapper:representation": pipeline.version,
                   f"representation:{pipeline.representation}": get_representation(pipeline.representation).version}
        if base in _MODELS:
            return {f"model:{base}": type(pipeline.model).version, **wrapper}
        return {**component_versions(pipeline_id, pipeline.model), **wrapper}
    if base in _MODELS:
        return {f"model:{base}": type(pipeline).version}
    features, _, learner = base.partition("+")
    return {"pipeline:features+learner": type(pipeline).version, f"features:{features}": pipeline.features.version,
            f"learner:{learner}": _LEARNERS[learner].version}


def describe(estimator: object) -> object:
    """A JSON-able description of ``estimator`` and all its parameters (for result keys), but
    a parameter of a learner's ``params_added_later`` at the default that behaves as before it
    existed (`harbench.models.base.WindowClassifier`)."""
    if isinstance(estimator, BaseEstimator):
        params = estimator.get_params(deep=False)
        neutral = getattr(type(estimator), "params_added_later", {})
        described = {name: describe(value) for name, value in sorted(params.items())
                     if not (name in neutral and type(value) is type(neutral[name]) and value == neutral[name])}
        return {"class": f"{type(estimator).__module__}.{type(estimator).__qualname__}", "params": described}
    if isinstance(estimator, (list, tuple)):
        return [describe(value) for value in estimator]
    if isinstance(estimator, dict):
        return {str(key): describe(value) for key, value in sorted(estimator.items())}
    if estimator is None or isinstance(estimator, (bool, int, float, str)):
        return estimator
    return repr(estimator)
